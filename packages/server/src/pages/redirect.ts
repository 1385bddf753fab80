// `GET /?redirect_to=<url>`: where the hosted page may send the user after signing in. Only URLs
// under one of PASSKI_REDIRECT_URLS pass, compared on parsed URLs, so that the page cannot be
// turned into an open redirect (ASVS 5.1.5, CWE-601).

/** Longer values are refused outright; no real return URL needs more. */
const MAX_REDIRECT_LENGTH = 2048;

/**
 * The URL to send the user to, as the WHATWG URL parser serialises it, or null when `candidate`
 * is missing or not allowed. Allowed means: an absolute http(s) URL (a relative or
 * protocol-relative value such as `//evil.example` does not parse without a base and is
 * refused), without user name or password, with the same origin as one of `prefixes` and a path
 * under that prefix's path at a segment boundary (`/app` allows `/app`, `/app/x` and `/app?x`,
 * not `/apple`). Dot segments, backslashes and tabs are resolved by the parser before the
 * comparison, and the serialised URL is what the page navigates to, so what was checked is
 * exactly what the browser opens.
 */
export function allowedRedirect(
  candidate: string | undefined,
  prefixes: readonly string[],
): string | null {
  if (candidate === undefined || candidate === '' || candidate.length > MAX_REDIRECT_LENGTH) {
    return null;
  }
  // Control characters (the parser would strip some of them silently) are never legitimate.
  if (hasControlCharacter(candidate)) return null;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  for (const prefix of prefixes) {
    let allowed: URL;
    try {
      allowed = new URL(prefix);
    } catch {
      continue;
    }
    if (allowed.origin !== url.origin) continue;
    if (isUnderPath(url.pathname, allowed.pathname)) return url.href;
  }
  return null;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function isUnderPath(path: string, prefix: string): boolean {
  if (prefix === '' || prefix === '/') return true;
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}
