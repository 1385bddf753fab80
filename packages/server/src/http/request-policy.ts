/**
 * Which requests the app-wide middleware checks, as predicates shared by the middleware
 * (`app.ts`) and the OpenAPI document (`openapi.ts`), so what is enforced and what is documented
 * cannot drift apart. Both take a method and a path (concrete, or an OpenAPI template).
 */

/** State-changing methods: their Origin (or Sec-Fetch-Site) is checked against the allow-list. */
export function checksOrigin(method: string): boolean {
  const m = method.toUpperCase();
  return m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS';
}

/**
 * State-changing public API calls count against the client address. The admin API is not
 * limited: its callers hold an API key.
 */
export function isIpRateLimited(method: string, path: string): boolean {
  return checksOrigin(method) && path.startsWith('/v1/') && !path.startsWith('/v1/admin');
}
