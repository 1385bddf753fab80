import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { AuthError } from '../core/errors.js';
import { jsonDepth } from '../core/json.js';
import type { Authenticators, RouteAuth } from './authenticate.js';
import type { AppEnv } from './context.js';

/** No legitimate Passki body nests deeper than this (metadata allows 10 levels below its field). */
const MAX_JSON_DEPTH = 16;

/**
 * A route is declared once, with its shapes; the same declaration registers the handler and
 * produces its OpenAPI entry (`openapi.ts`).
 */
export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI-style path, e.g. `/v1/me/passkeys/{id}`. */
  path: string;
  summary: string;
  tag: string;
  /** Present for routes that read a JSON body. */
  body?: B;
  /** Query parameters (an object of strings, coerced), validated before the handler runs. */
  query?: Q;
  /**
   * Who may call (see `RouteAuth`). Checked before the query or body is read; the handler gets
   * the result from `apiKeyOf(c)` or `signedInOf(c)`.
   */
  auth?: RouteAuth;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler: (
    c: Context<AppEnv>,
    body: z.infer<B>,
    query: z.infer<Q>,
  ) => Promise<Response> | Response;
}

export function defineRoute<B extends z.ZodType, Q extends z.ZodType = z.ZodType>(
  spec: RouteSpec<B, Q>,
): RouteSpec<B, Q> {
  return spec;
}

/**
 * Mounts each route with its checks in a fixed order: authentication (401, before anything of the
 * request is read), then query, then body (400/413/415), then path ids, then the handler.
 */
export function mountRoutes(
  app: Hono<AppEnv>,
  routes: RouteSpec[],
  authenticators: Authenticators,
): void {
  for (const route of routes) {
    const honoPath = route.path.replace(/\{(\w+)\}/g, ':$1');
    const authenticate =
      route.auth === 'apiKey' || route.auth === 'session' ? authenticators[route.auth] : null;
    app.on(route.method.toUpperCase(), honoPath, async (c) => {
      if (authenticate !== null) await authenticate(c);
      const query =
        route.query === undefined ? undefined : validate(route.query, c.req.query(), 'query');
      const body = route.body === undefined ? undefined : await readJson(c, route.body);
      // PostgreSQL text refuses U+0000 (SQLite stores it), so no id can contain it: such an id
      // is unknown on every database, answered like any other unknown id.
      if (
        Object.values(c.req.param() as Record<string, string>).some((value) => value.includes('\0'))
      ) {
        throw new AuthError('not_found', 'Nothing has this id.');
      }
      return route.handler(c, body, query);
    });
  }
}

/**
 * Reads a JSON body (the size limit is enforced earlier, before anything is buffered) and
 * validates it. Requiring `application/json` also closes the simple-request CSRF path: a
 * cross-site form cannot send it without a CORS preflight.
 */
async function readJson<B extends z.ZodType>(c: Context<AppEnv>, schema: B): Promise<z.infer<B>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new AuthError('unsupported_media_type', 'Send the body as application/json.');
  }
  const text = (await readBody(c)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new AuthError('invalid_request', 'The body is not valid JSON.');
  }
  if (jsonDepth(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new AuthError(
      'invalid_request',
      `The body is nested more than ${MAX_JSON_DEPTH} levels deep.`,
    );
  }
  // Keys named `__proto__` and lone surrogates, in one walk. Either is written plainly or with
  // \u escapes; a body with neither (a ceremony's, normally) skips the walk.
  // - `__proto__`: JSON.parse keeps it as an ordinary key, but zod drops it from records (so
  //   metadata would lose it without a word), and an app that merges such an object would set its
  //   prototype.
  // - A lone surrogate (`"\ud83d"`) is valid JSON but no text: UTF-8 and PostgreSQL cannot hold
  //   it, and a driver that replaces it with U+FFFD makes two different values equal. (`\p{Cs}`
  //   under the `u` flag matches only unpaired surrogates; isWellFormed is not in the ES2022 lib
  //   we target.)
  // Both are searched before the schema (NUL after it), so a field the schema would drop is
  // refused too.
  if (/__proto__|\\u/.test(text)) {
    const lone = (value: string): boolean => /\p{Cs}/u.test(value);
    const found = findInJson(parsed, [], (key) => key === '__proto__' || lone(key), lone);
    if (found !== null) {
      const where = fieldAt(found.path, 'body');
      throw new AuthError(
        'invalid_request',
        found.key === '__proto__'
          ? `${where} has a key named "__proto__", which is not accepted.`
          : found.key !== undefined
            ? `${where} has a key that is not well-formed Unicode text (a lone surrogate).`
            : `${where} is not well-formed Unicode text (it holds a lone surrogate).`,
      );
    }
  }
  // JSON can only carry U+0000 as the escape `\u0000` (a raw control character is invalid), so
  // a body without one skips the search for it: the common case, every ceremony.
  return validate(schema, parsed, 'body', text.includes('\\u0000'));
}

/** Bodies larger than this are refused with 413 before they are buffered. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads the request body straight from Node's stream, with the size limit enforced as it arrives
 * (a declared Content-Length over the limit is refused before reading anything). Going around
 * the Fetch `Request` keeps a request from allocating a web stream and an AbortSignal.
 */
function readBody(c: Context<AppEnv>): Promise<Buffer> {
  const incoming = c.env.incoming;
  const tooLarge = (): AuthError =>
    new AuthError('payload_too_large', 'The request body is larger than 64 KiB.');
  const declared = Number(incoming.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        cleanup();
        // Drain the rest without keeping it, so the connection can answer 413.
        incoming.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(
        new AuthError('invalid_request', 'The request body could not be read.', { cause: err }),
      );
    };
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}

/**
 * Validates input against a schema; the error names the first offending field. What passes is
 * also checked for U+0000 in any string or key it keeps: PostgreSQL's text and jsonb refuse it
 * while SQLite stores it, so it is refused here, the same way on every database.
 */
function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
  mayHoldNul = true,
): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AuthError(
      'invalid_request',
      `${fieldAt(issue?.path ?? [], where)} ${issue ? describeIssue(issue) : 'is invalid'}.`,
    );
  }
  const hasNul = (text: string): boolean => text.includes('\0');
  const nul = mayHoldNul ? findInJson(result.data, [], hasNul, hasNul) : null;
  if (nul !== null) {
    const field = fieldAt(nul.path, where);
    throw new AuthError(
      'invalid_request',
      nul.key !== undefined
        ? `${field} has a key containing the NUL character (U+0000).`
        : `${field} must not contain the NUL character (U+0000).`,
    );
  }
  return result.data;
}

/**
 * A failed check in plain words, to follow the field's name. A schema's own message is written
 * that way ("must be base64url without padding") and is kept; zod's defaults ("Too big: expected
 * string to have <=256 characters") are not, so they are put in words here.
 */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (/^(must|is|has) /.test(issue.message)) return issue.message;
  // Limits and values may be bigints (JSON.stringify throws on them) or undefined.
  const show = (value: unknown): string =>
    typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  switch (issue.code) {
    case 'invalid_type':
      return 'is missing or has the wrong type';
    case 'too_big':
    case 'too_small': {
      const most = issue.code === 'too_big';
      const limit = most ? issue.maximum : issue.minimum;
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string' || issue.origin === 'array') {
        const unit = issue.origin === 'string' ? 'character' : 'item';
        const n = Number(limit);
        const bound = inclusive ? n : most ? n - 1 : n + 1;
        const units = `${bound} ${unit}${bound === 1 ? '' : 's'}`;
        if (issue.exact === true) return `must have exactly ${units}`;
        if (!most && bound === 1) return 'must not be empty';
        return `must have at ${most ? 'most' : 'least'} ${units}`;
      }
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        if (most)
          return inclusive ? `must be at most ${show(limit)}` : `must be less than ${show(limit)}`;
        return inclusive
          ? `must be at least ${show(limit)}`
          : `must be greater than ${show(limit)}`;
      }
      return `is too ${most ? 'large' : 'small'}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${show(issue.values[0])}`
        : `must be one of ${issue.values.map(show).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${show(issue.divisor)}`;
    case 'invalid_format':
      return 'has the wrong format';
    default:
      return 'is invalid';
  }
}

/** A field's name for a message: its path, dotted, or `fallback` for the whole input. */
function fieldAt(path: readonly PropertyKey[], fallback: string): string {
  return path.length > 0 ? path.map(String).join('.') : fallback;
}

/**
 * The first object key that `keyMatches` (with that key and the path of its object), or string
 * that `stringMatches` (with its path). The depth is already bounded (`MAX_JSON_DEPTH`), so the
 * recursion is too.
 */
function findInJson(
  value: unknown,
  path: (string | number)[],
  keyMatches: (key: string) => boolean,
  stringMatches: (text: string) => boolean,
): { path: (string | number)[]; key?: string } | null {
  if (typeof value === 'string') return stringMatches(value) ? { path } : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findInJson(item, [...path, i], keyMatches, stringMatches);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (keyMatches(key)) return { path, key };
      const found = findInJson(item, [...path, key], keyMatches, stringMatches);
      if (found !== null) return found;
    }
  }
  return null;
}
