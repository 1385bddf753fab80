import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../config/config.js';
import { nodeResponse } from './context.js';
import { isHttps } from './cookies.js';

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Sets a header that every response to this request carries, whatever the handler builds (error
 * responses included). On Node it goes straight onto the `ServerResponse`: `c.header` would make
 * Hono build a Fetch `Headers` for the request and validate every header into it, which cost more
 * than a sign-in's SQL. A handler's own headers reach `writeHead` and so still take precedence
 * (`htmlPage`'s CSP, `Cache-Control` on cacheable routes). Without Node (`app.request`) it falls
 * back to `c.header`. Two consequences: these headers are not in `c.res.headers`, and a handler
 * that appends to one of them (`c.header('Vary', …, { append: true })`) replaces it instead.
 */
export function baseHeader(c: Context, name: string, value: string): void {
  const outgoing = nodeResponse(c);
  if (outgoing === undefined) c.header(name, value);
  else outgoing.setHeader(name, value);
}

/**
 * Headers on every response, set before the handler runs. API responses get a CSP that allows
 * nothing; pages swap in theirs with `htmlPage`. Handlers that may be cached (assets, JWKS)
 * replace `Cache-Control`.
 */
export function securityHeaders(config: Config): MiddlewareHandler {
  const hsts = isHttps(config);
  return async (c, next) => {
    baseHeader(c, 'X-Content-Type-Options', 'nosniff');
    baseHeader(c, 'Referrer-Policy', 'no-referrer');
    baseHeader(c, 'X-Frame-Options', 'DENY');
    baseHeader(c, 'Content-Security-Policy', API_CSP);
    baseHeader(c, 'Cache-Control', 'no-store');
    if (hsts) baseHeader(c, 'Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}

/** An HTML page, with the CSP that allows only our own files. */
export function htmlPage(c: Context, html: string): Response | Promise<Response> {
  c.header('Content-Security-Policy', PAGE_CSP);
  return c.html(html);
}
