import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { honoMiddleware, type PasskiEnv } from '../../packages/node/src/hono.js';
import {
  createVerifier,
  expressMiddleware,
  getPasskiClaims,
  type PasskiVerifier,
} from '../../packages/node/src/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { type Account, mintToken, signUp } from './helpers.js';

let passki: TestServer;
let verifier: PasskiVerifier;
let account: Account;
let token: string;

beforeAll(async () => {
  passki = await startTestServer();
  verifier = createVerifier({ issuer: passki.url, audience: passki.url });
  account = await signUp(passki);
  token = await mintToken(passki, account.cookie);
});
afterAll(async () => passki.close());

/** Sends raw bytes over a socket, for what fetch refuses to send: repeated or non-ASCII headers. */
function rawRequest(port: number, head: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(head));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({
        status: Number(text.slice(9, 12)),
        body: text.slice(text.indexOf('\r\n\r\n') + 4),
      });
    });
  });
}

const requestHead = (authorizationLines: Buffer[]): Buffer =>
  Buffer.concat([
    Buffer.from('GET /api/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n'),
    ...authorizationLines.map((line) =>
      Buffer.concat([Buffer.from('Authorization: '), line, Buffer.from('\r\n')]),
    ),
    Buffer.from('\r\n'),
  ]);

describe('expressMiddleware on a plain Node http server', () => {
  let app: Server;
  let port: number;
  let handlerErrors = 0;

  beforeAll(async () => {
    const guard = expressMiddleware(verifier);
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      guard(req, res, (err) => {
        if (err !== undefined) {
          handlerErrors++;
          res.writeHead(500).end();
          return;
        }
        const claims = getPasskiClaims(req);
        expect(req.passki).toBe(claims);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ userId: claims.userId, username: claims.username }));
      });
    };
    // A larger header limit than Node's 16 KiB default, so the 64 KB header reaches the middleware.
    app = createServer({ maxHeaderSize: 128 * 1024 }, handler);
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    port = (app.address() as { port: number }).port;
  });
  afterAll(async () => new Promise<void>((resolve) => app.close(() => resolve())));

  const get = (headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`http://127.0.0.1:${port}/api/me`, { headers });

  it('passes a valid token through with req.passki set', async () => {
    const res = await get({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: account.userId, username: account.username });
  });

  it('answers 401 JSON with a Bearer challenge for no token and for garbage', async () => {
    const none = await get();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.headers.get('cache-control')).toBe('no-store');
    expect(await none.json()).toEqual({
      error: { code: 'missing_token', message: expect.any(String) },
    });
    for (const authorization of [
      'Bearer garbage',
      `Bearer ${token.slice(0, -4)}AAAA`,
      'Bearer ',
      `Bearer ${'A'.repeat(64 * 1024)}`,
    ]) {
      const res = await get({ authorization });
      expect(res.status, authorization.slice(0, 30)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      const body = await res.json();
      expect(['malformed_token', 'invalid_signature']).toContain(body.error.code);
    }
  });

  it('refuses two Authorization headers, even when the first is valid', async () => {
    const res = await rawRequest(
      port,
      requestHead([Buffer.from(`Bearer ${token}`), Buffer.from('Bearer garbage')]),
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('malformed_token');
  });

  it('refuses non-ASCII bytes in the header', async () => {
    for (const line of [
      Buffer.from(`Bearer ${token.slice(0, 10)}é${token.slice(10)}`, 'utf8'),
      Buffer.from([...Buffer.from('Bearer '), 0xff, 0xfe, 0x80, 0xc3, 0xa9]),
    ]) {
      const res = await rawRequest(port, requestHead([line]));
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('malformed_token');
    }
  });

  it('answers 503 when the keys cannot be fetched, and stays up after all of it', async () => {
    const offline = createVerifier({
      issuer: passki.url,
      audience: passki.url,
      fetch: async () => new Response('down', { status: 502 }),
    });
    const guard = expressMiddleware(offline);
    const down = createServer((req, res) => guard(req, res, () => res.writeHead(200).end()));
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(down.address() as { port: number }).port}/`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect((await res.json()).error.code).toBe('jwks_unavailable');
    } finally {
      await new Promise<void>((resolve) => down.close(() => resolve()));
    }
    expect((await get({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect(handlerErrors).toBe(0);
  });

  it('getPasskiClaims throws a TypeError when the middleware did not run', () => {
    expect(() => getPasskiClaims({ headers: {} } as IncomingMessage)).toThrow(TypeError);
  });
});

describe('honoMiddleware on a Hono app', () => {
  const app = new Hono<PasskiEnv>();
  beforeAll(() => {
    app.use('/api/*', honoMiddleware(verifier));
    app.get('/api/me', (c) =>
      c.json({ userId: c.var.passki.userId, username: c.get('passki').username }),
    );
    app.get('/public', (c) => c.text('ok'));
  });

  it('sets c.var.passki for a valid token', async () => {
    const res = await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: account.userId, username: account.username });
  });

  it('answers 401 JSON for no token, garbage, 64 KB, non-ASCII and two headers', async () => {
    const none = await app.request('/api/me');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await none.json()).error.code).toBe('missing_token');
    const twice = new Headers();
    twice.append('authorization', `Bearer ${token}`);
    twice.append('authorization', `Bearer ${token}`);
    for (const headers of [
      { authorization: 'Bearer garbage' },
      { authorization: `Bearer ${'A'.repeat(64 * 1024)}` },
      { authorization: `Bearer ${'ü'.repeat(40)}` },
      { authorization: `Bearer ${token}x` },
      twice,
    ]) {
      const res = await app.request('/api/me', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = await res.json();
      expect(body.error.code).toMatch(/^(malformed_token|invalid_signature)$/);
      expect(typeof body.error.message).toBe('string');
    }
    expect((await app.request('/public')).status).toBe(200);
  });
});
