import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../config/config.js';
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
 * Headers on every response, set before the handler runs so they leave with whatever response it
 * builds, in one step (patching a finished response afterwards costs a copy of its headers).
 * API responses get a CSP that allows nothing; pages swap in theirs with `htmlPage`. Handlers
 * that may be cached (assets, JWKS) replace `Cache-Control`.
 */
export function securityHeaders(config: Config): MiddlewareHandler {
  const hsts = isHttps(config);
  return async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Content-Security-Policy', API_CSP);
    c.header('Cache-Control', 'no-store');
    if (hsts) c.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}

/** An HTML page, with the CSP that allows only our own files. */
export function htmlPage(c: Context, html: string): Response | Promise<Response> {
  c.header('Content-Security-Policy', PAGE_CSP);
  return c.html(html);
}
