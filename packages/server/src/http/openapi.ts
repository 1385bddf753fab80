import { z } from 'zod';
import type { ErrorCode } from '../core/errors.js';
import { checksOrigin, isIpRateLimited } from './request-policy.js';
import type { RouteSpec } from './route.js';
import { errorView } from './schemas.js';

/** Routes that are not JSON API calls but are served too, documented by hand. */
export const EXTRA_PATHS: Record<string, Record<string, unknown>> = {
  '/': {
    get: {
      tags: ['Pages'],
      summary: 'Hosted sign-in page (HTML)',
      responses: { 200: { description: 'HTML page', content: { 'text/html': {} } } },
    },
  },
  '/assets/{file}': {
    get: {
      tags: ['Pages'],
      summary: 'Static assets of the hosted pages',
      parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { 200: { description: 'Asset' }, 404: { description: 'No such asset' } },
    },
  },
  '/account': {
    get: {
      tags: ['Pages'],
      summary: 'Hosted account page: passkeys, sessions, recovery codes (HTML)',
      responses: { 200: { description: 'HTML page', content: { 'text/html': {} } } },
    },
  },
  '/favicon.ico': {
    get: {
      tags: ['Pages'],
      summary: 'Redirects to the SVG icon',
      responses: { 301: { description: 'Moved to /assets/favicon.svg' } },
    },
  },
  '/openapi.json': {
    get: {
      tags: ['Meta'],
      summary: 'This document',
      responses: {
        200: { description: 'OpenAPI 3.1 document', content: { 'application/json': {} } },
      },
    },
  },
};

/** `{}` in a security list makes the requirement optional (OpenAPI 3.1 §4.8.30). */
const SECURITY: Record<NonNullable<RouteSpec['auth']>, Record<string, string[]>[]> = {
  apiKey: [{ adminApiKey: [] }],
  session: [{ sessionCookie: [] }],
  optionalSession: [{ sessionCookie: [] }, {}],
};

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** An error a route can answer because of what it declares, not because of its handler. */
export interface DerivedResponse {
  status: number;
  code: ErrorCode;
  description: string;
}

/**
 * The errors that follow from a route's declaration and from the app-wide checks, with the same
 * predicates the server enforces them with (`mountRoutes`, `request-policy.ts`), so the document
 * cannot miss one: auth → 401; query or body → 400; body → 413 and 415; path ids → 404; Origin
 * check → 403; rate limit → 429.
 */
export function derivedResponses(route: RouteSpec): DerivedResponse[] {
  const derived: DerivedResponse[] = [];
  if (route.auth === 'apiKey') {
    derived.push({
      status: 401,
      code: 'invalid_api_key',
      description: 'missing, wrong, malformed or revoked key',
    });
  }
  if (route.auth === 'session') {
    derived.push({ status: 401, code: 'unauthenticated', description: 'no valid session cookie' });
  }
  if (route.query !== undefined || route.body !== undefined) {
    const what = [route.query && 'a query parameter', route.body && 'the body']
      .filter(Boolean)
      .join(' or ');
    derived.push({
      status: 400,
      code: 'invalid_request',
      description: `${what} is malformed or out of bounds (the message names the field)`,
    });
  }
  if (route.body !== undefined) {
    derived.push(
      { status: 413, code: 'payload_too_large', description: 'the body is over 64 KiB' },
      {
        status: 415,
        code: 'unsupported_media_type',
        description: 'the body is not sent as application/json',
      },
    );
  }
  if (/\{\w+\}/.test(route.path)) {
    derived.push({ status: 404, code: 'not_found', description: 'no such id' });
  }
  if (checksOrigin(route.method)) {
    derived.push({
      status: 403,
      code: 'forbidden_origin',
      description: 'a foreign Origin, or Sec-Fetch-Site: cross-site',
    });
  }
  if (isIpRateLimited(route.method, route.path)) {
    derived.push({
      status: 429,
      code: 'rate_limited',
      description: 'too many attempts; retry after Retry-After seconds',
    });
  }
  return derived;
}

/** Builds the OpenAPI 3.1 document from the same route declarations the server mounts. */
export function buildOpenApi(
  routes: RouteSpec[],
  info: { version: string; serverUrl: string; cookieName: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorSchema = schemaOf(errorView, 'output');
  for (const route of routes) {
    const responses: Record<string, { description: string; content?: unknown }> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? {
              content: {
                [response.contentType ?? 'application/json']: {
                  schema: schemaOf(response.schema, 'output'),
                },
              },
            }
          : {}),
      };
    }
    for (const { status, code, description } of derivedResponses(route)) {
      const line = `\`${code}\`: ${description}`;
      const declared = responses[status];
      if (declared === undefined) {
        responses[status] = {
          description: line,
          content: { 'application/json': { schema: errorSchema } },
        };
      } else if (!declared.description.includes(`\`${code}\``)) {
        declared.description = `${declared.description}; or ${line}`;
      }
    }
    responses['500'] ??= { description: '`server_error`' };
    responses['503'] ??= { description: '`database_unavailable`' };
    const parameters: Record<string, unknown>[] = [...route.path.matchAll(/\{(\w+)\}/g)].map(
      (m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }),
    );
    if (route.query !== undefined) {
      const json = schemaOf(route.query, 'input') as {
        properties?: Record<string, Record<string, unknown>>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(json.properties ?? {})) {
        const { description, ...rest } = schema;
        parameters.push({
          name,
          in: 'query',
          required: json.required?.includes(name) ?? false,
          ...(typeof description === 'string' ? { description } : {}),
          schema: rest,
        });
      }
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method] = {
      tags: [route.tag],
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.auth === undefined ? {} : { security: SECURITY[route.auth] }),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Passki',
      version: info.version,
      description: [
        'Passkey-first authentication server. Errors are `{"error": {"code", "message"}}` with stable codes.',
        'CORS preflights are not listed as operations: `OPTIONS` on any path answers 204. For an',
        'origin in PASSKI_ORIGINS, outside `/v1/admin`, it carries Access-Control-Allow-Origin (that',
        'origin), -Credentials `true`, -Methods `GET, POST, PATCH, DELETE`, -Headers `content-type`',
        'and -Max-Age `600`; for any other origin, none of them.',
      ].join(' '),
    },
    servers: [{ url: info.serverUrl }],
    components: {
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: info.cookieName },
        adminApiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'Admin API key pk_<id>.<secret> (passki keys create-admin)',
        },
      },
    },
    paths: { ...paths, ...EXTRA_PATHS },
  };
}
