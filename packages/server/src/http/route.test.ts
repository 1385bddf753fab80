import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuthError } from '../core/errors.js';
import type { Authenticators } from './authenticate.js';
import type { AppEnv } from './context.js';
import { defineRoute, mountRoutes } from './route.js';

/** One route whose body takes every shape below; a failure comes back as its code and words. */
function appFor(field: z.ZodType): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  mountRoutes(
    app,
    [
      defineRoute({
        method: 'post',
        path: '/t',
        tag: 'Test',
        summary: 'test',
        body: z.object({ f: field }),
        responses: { 200: { description: 'ok' } },
        handler: (c) => c.json({ ok: true }),
      }),
    ],
    {} as Authenticators,
  );
  app.onError((err, c) =>
    err instanceof AuthError
      ? c.json({ code: err.code, message: err.message }, 400)
      : c.json({ code: 'server_error', message: String(err) }, 500),
  );
  return app;
}

/** Over real HTTP: the route layer reads bodies from Node's request. */
function refusal(field: z.ZodType, value: unknown): Promise<{ status: number; body: unknown }> {
  return post(field, JSON.stringify({ f: value }));
}

async function post(field: z.ZodType, body: string): Promise<{ status: number; body: unknown }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: appFor(field).fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(s),
    );
  });
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/t`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: await res.json() };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('validation failures in plain words', () => {
  it.each([
    ['a string too long', z.string().max(3), 'abcd', 'f must have at most 3 characters.'],
    ['an empty string', z.string().min(1), '', 'f must not be empty.'],
    ['an exact length', z.string().length(5), 'abc', 'f must have exactly 5 characters.'],
    ['too many items', z.array(z.number()).max(1), [1, 2], 'f must have at most 1 item.'],
    ['a number too small', z.number().min(1), 0, 'f must be at least 1.'],
    ['a number not below a bound', z.number().lt(5), 7, 'f must be less than 5.'],
    ['a multiple', z.number().multipleOf(5), 7, 'f must be a multiple of 5.'],
    ['a literal', z.literal('public-key'), 'x', 'f must be "public-key".'],
    ['an enum', z.enum(['a', 'b']), 'c', 'f must be one of "a", "b".'],
    ['a bigint literal', z.literal(1n), 'x', 'f must be 1.'],
    ['a format', z.string().regex(/^[0-9]+$/), 'x', 'f has the wrong format.'],
    [
      "a schema's own words",
      z.string().regex(/^[0-9]+$/, 'must be digits'),
      'x',
      'f must be digits.',
    ],
    ['a wrong type', z.string(), 1, 'f is missing or has the wrong type.'],
    ['a union', z.union([z.string().max(1), z.number().max(1)]), true, 'f is invalid.'],
  ])('%s', async (_, field, value, message) => {
    expect(await refusal(field, value)).toEqual({
      status: 400,
      body: { code: 'invalid_request', message },
    });
  });
});

describe('text that is not text', () => {
  it.each([
    [
      'in a value',
      z.string(),
      'ab\ud83d',
      'f is not well-formed Unicode text (it holds a lone surrogate).',
    ],
    [
      'in a key',
      z.record(z.string(), z.number()),
      { ok: 1, '\udc00': 2 },
      'f has a key that is not well-formed Unicode text (a lone surrogate).',
    ],
    [
      'deep in an array',
      z.array(z.array(z.string())),
      [['a'], ['b', 'c\udbff']],
      'f.1.1 is not well-formed Unicode text (it holds a lone surrogate).',
    ],
  ])('a lone surrogate %s is refused', async (_, field, value, message) => {
    expect(await refusal(field, value)).toEqual({
      status: 400,
      body: { code: 'invalid_request', message },
    });
  });

  it('accepts a surrogate pair, the one way UTF-16 writes characters past U+FFFF', async () => {
    const ok = { status: 200, body: { ok: true } };
    expect(await refusal(z.string(), 'ab😀')).toEqual(ok);
    // Escaped, the body holds `\u` and is searched: the pair must still pass.
    expect(await post(z.string(), '{"f":"ab\\ud83d\\ude00"}')).toEqual(ok);
    // The same two halves in the wrong order are two lone surrogates.
    expect(await post(z.string(), '{"f":"ab\\ude00\\ud83d"}')).toMatchObject({ status: 400 });
  });
});
