import type { MiddlewareHandler } from 'hono';
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

/** Headers on every response; HTML pages get a CSP that allows only our own files. */
export function securityHeaders(config: Config): MiddlewareHandler {
  const hsts = isHttps(config);
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    const isHtml = (headers.get('content-type') ?? '').startsWith('text/html');
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Referrer-Policy', 'no-referrer');
    headers.set('X-Frame-Options', 'DENY');
    headers.set('Content-Security-Policy', isHtml ? PAGE_CSP : API_CSP);
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
    if (hsts) headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  };
}
