import { z } from 'zod';
import type { RouteSpec } from './route.js';

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

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** Builds the OpenAPI 3.1 document from the same route declarations the server mounts. */
export function buildOpenApi(
  routes: RouteSpec[],
  info: { version: string; serverUrl: string; cookieName: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
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
    responses['413'] ??= { description: '`payload_too_large`: bodies over 64 KiB' };
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
      ...(route.cookieAuth ? { security: [{ sessionCookie: [] }] } : {}),
      ...(route.apiKeyAuth ? { security: [{ adminApiKey: [] }] } : {}),
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
      description:
        'Passkey-first authentication server. Errors are `{"error": {"code", "message"}}` with stable codes.',
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
