import { connect, createServer, type Socket } from 'node:net';
import { RequestError } from '@hono/node-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerClientError,
  answerRequestError,
  CLOSE_GRACE_MS,
} from '../../packages/server/src/http/client-error.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Writes raw bytes on one connection and returns everything the server sent until it closed. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.write(raw);
  });
}

/** Status line and JSON body of the last response in `data`. */
function lastResponse(data: string): { status: string; body: unknown; head: string } {
  const start = data.lastIndexOf('HTTP/1.1 ');
  const response = data.slice(start);
  const split = response.indexOf('\r\n\r\n');
  const head = response.slice(0, split);
  return {
    status: head.split('\r\n')[0] as string,
    head,
    body: JSON.parse(response.slice(split + 4)),
  };
}

describe('requests the server cannot read: refused by Node or by the adapter', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    server = await startTestServer({ backend: 'sqlite' });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => server.close());

  it.each([
    [
      'a control character in a header value',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n',
      '400 Bad Request',
      'invalid_request',
    ],
    [
      'a space inside a header name',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n',
      '400 Bad Request',
      'invalid_request',
    ],
    [
      'broken chunked encoding',
      'POST /v1/sign-in/options HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      '400 Bad Request',
      'invalid_request',
    ],
    [
      'a chunk extension over 16 KiB',
      `POST /v1/sign-in/options HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=${'a'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`,
      '413 Payload Too Large',
      'payload_too_large',
    ],
    [
      'headers over 16 KiB',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      '431 Request Header Fields Too Large',
      'headers_too_large',
    ],
  ])(
    '%s: a JSON error with a stable code, then the server keeps serving',
    async (_, raw, status, code) => {
      const { status: line, body, head } = lastResponse(await exchange(port, raw));
      expect(line).toBe(`HTTP/1.1 ${status}`);
      expect(head).toMatch(/\r\nContent-Type: application\/json\r\n/);
      expect(body).toEqual({ error: { code, message: expect.any(String) } });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    },
  );

  it('answers a bad request after a good one on the same keep-alive connection', async () => {
    const data = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      let sentSecond = false;
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        // The first answer is complete (its JSON body closes): send the bad request.
        if (!sentSecond && received.includes('\r\n\r\n') && received.trimEnd().endsWith('}')) {
          sentSecond = true;
          socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n');
        }
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(data.startsWith('HTTP/1.1 200 OK')).toBe(true);
    expect(lastResponse(data)).toMatchObject({
      status: 'HTTP/1.1 400 Bad Request',
      body: { error: { code: 'invalid_request' } },
    });
  });

  // Node parses these; the Hono adapter cannot turn them into a Request.
  it.each([
    ['the asterisk form', 'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['a backslash in the path', 'GET /a\\b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['a Host that is no host', 'GET / HTTP/1.1\r\nHost: a/b@c\r\nConnection: close\r\n\r\n'],
  ])('%s: 400 invalid_request in JSON, not a bare status', async (_, raw) => {
    const { status, body, head } = lastResponse(await exchange(port, raw));
    expect(status).toBe('HTTP/1.1 400 Bad Request');
    expect(head.toLowerCase()).toMatch(/\r\ncontent-type: application\/json\r\n/);
    expect(body).toEqual({
      error: {
        code: 'invalid_request',
        message: 'The request target or Host header is not valid.',
      },
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('answerRequestError', () => {
  it('refuses what the adapter could not read, and logs only what is the server’s fault', async () => {
    const lines: { msg?: string }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    const refused = answerRequestError(new RequestError('Invalid URL'), logger);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_request' } });
    expect(lines).toHaveLength(0);
    const failed = answerRequestError(new TypeError('boom'), logger);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toBe('application/json');
    expect(await failed.json()).toEqual({
      error: { code: 'server_error', message: 'Something went wrong on our side.' },
    });
    expect(lines).toMatchObject([{ msg: 'unexpected error outside the app' }]);
  });
});

describe('answerClientError', () => {
  it('lets go of a client that never closes its side, within the grace period', async () => {
    const server = await startTestServer({ backend: 'sqlite' });
    // allowHalfOpen: receiving the server's FIN does not make this side close.
    const client = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    try {
      const data = await new Promise<string>((resolve, reject) => {
        let received = '';
        client.on('data', (chunk) => {
          received += chunk.toString('latin1');
        });
        client.on('end', () => resolve(received));
        client.on('error', reject);
        client.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n');
      });
      expect(lastResponse(data).body).toMatchObject({ error: { code: 'invalid_request' } });
      // The server's shutdown waits for its connections: it finishes only if this one was let go.
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(CLOSE_GRACE_MS + 2000);
    } finally {
      client.destroy();
    }
  });

  it('writes nothing into a response that has already begun', async () => {
    const listener = createServer((socket: Socket) => {
      (socket as unknown as { _httpMessage: unknown })._httpMessage = { headersSent: true };
      answerClientError(
        Object.assign(new Error('bad'), { code: 'HPE_INVALID_HEADER_TOKEN' }),
        socket,
      );
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const port = (listener.address() as { port: number }).port;
      expect(await exchange(port, '')).toBe('');
    } finally {
      listener.close();
    }
  });

  it('answers a request that timed out with 408 request_timeout, and a reset with nothing', async () => {
    const errors: (Error & { code?: string })[] = [];
    const listener = createServer((socket: Socket) => {
      answerClientError(errors.shift() as Error & { code?: string }, socket);
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    try {
      errors.push(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }));
      const timedOut = lastResponse(await exchange(port, ''));
      expect(timedOut.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(timedOut.body).toEqual({
        error: { code: 'request_timeout', message: expect.any(String) },
      });
      errors.push(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
      expect(await exchange(port, '')).toBe('');
    } finally {
      listener.close();
    }
  });
});
