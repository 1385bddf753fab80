import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { RequestError } from '@hono/node-server';
import type { Logger } from 'pino';
import type { ErrorCode } from '../core/errors.js';
import { ERROR_STATUS, type ErrorBody } from './errors.js';

type Refusal = { code: ErrorCode; message: string };

/** The headers of an answer given outside the app, which sets its own. */
const HEADERS: Record<string, string> = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** Node's codes for what its parser refuses, and the answer to each; the rest is malformed HTTP. */
const REFUSALS = new Map<string, Refusal>(
  Object.entries({
    HPE_HEADER_OVERFLOW: {
      code: 'headers_too_large',
      message: 'The request headers are larger than the server accepts.',
    },
    HPE_CHUNK_EXTENSIONS_OVERFLOW: {
      code: 'payload_too_large',
      message: 'The request body is larger than the server accepts.',
    },
    ERR_HTTP_REQUEST_TIMEOUT: {
      code: 'request_timeout',
      message: 'The request took too long to arrive.',
    },
  }),
);

/** How long a refused client has to read the answer before the socket is destroyed. */
export const CLOSE_GRACE_MS = 1000;

const MALFORMED: Refusal = { code: 'invalid_request', message: 'The request is not valid HTTP.' };

/**
 * Requests Node's HTTP parser refuses never reach the app: a control character in a header,
 * headers over Node's 16 KiB, broken chunked encoding, a request that never finishes arriving.
 * Node would answer them with a bare status line. This answers with the same status (400, 413,
 * 431 or 408) and Passki's JSON error body, then closes the connection: at once when the client
 * has closed its side, and at the latest after `CLOSE_GRACE_MS`, so a client that never does
 * cannot hold the socket (after a 408, Node's timeouts no longer watch it).
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // Node's own rule: write only if no response on this connection has begun to go out, or the
  // bytes would land inside it.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const refusal = REFUSALS.get(err.code ?? '') ?? MALFORMED;
  const json = JSON.stringify({ error: refusal } satisfies ErrorBody);
  const status = ERROR_STATUS[refusal.code];
  const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  grace.unref();
  socket.once('close', () => clearTimeout(grace));
  socket.end(
    [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      ...Object.entries(HEADERS).map(([name, value]) => `${name}: ${value}`),
      `Content-Length: ${Buffer.byteLength(json)}`,
      'Connection: close',
      '',
      json,
    ].join('\r\n'),
  );
}

/**
 * Requests Node parses but the Hono adapter cannot turn into a `Request`: a target that is not a
 * path (`GET * HTTP/1.1`, the asterisk form that only OPTIONS to the whole server may use), a
 * backslash in the path, a Host header that is no host. The adapter would answer a bare 400.
 * Anything else that reaches here is the server's fault, and is answered as one.
 */
export function answerRequestError(err: unknown, logger: Logger): Response {
  const refused = err instanceof RequestError;
  if (!refused) logger.error({ err }, 'unexpected error outside the app');
  const refusal: Refusal = refused
    ? { code: 'invalid_request', message: 'The request target or Host header is not valid.' }
    : { code: 'server_error', message: 'Something went wrong on our side.' };
  return new Response(JSON.stringify({ error: refusal } satisfies ErrorBody), {
    status: ERROR_STATUS[refusal.code],
    headers: HEADERS,
  });
}
