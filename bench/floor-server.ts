/**
 * The bare-HTTP floor: a plain node:http server that answers the two round trips of a sign-in
 * (options, then verify) with tiny JSON and does no work: no crypto, no database, no validation.
 * It reads each request body in full, as a real server must. Started by bench/floor.ts.
 *
 * Usage: node --import tsx bench/floor-server.ts PORT
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const port = Number(process.argv[2] ?? 8789);
let counter = 0;

function reply(res: ServerResponse, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.url === '/options') {
      // A base64url-shaped challenge that costs nothing to make.
      const challenge = (counter++).toString(36).padStart(43, 'A');
      reply(res, `{"options":{"challenge":"${challenge}","rpId":"localhost"}}`);
    } else if (req.url === '/verify') {
      reply(res, '{"user":{"id":"u"},"session":{"id":"s"}}', {
        'set-cookie': `passki_session=${counter.toString(36).padStart(43, 'B')}; Path=/; HttpOnly; SameSite=Lax`,
      });
    } else {
      reply(res, '{"status":"ok"}');
    }
  });
}

const server = createServer(handle);
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
