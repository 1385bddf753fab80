import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { CeremonyContext, ClientInfo } from '../ceremonies/context.js';
import type { ApiKeyRecord, SessionRecord, UserRecord } from '../storage/records.js';
import type { KeyRing } from '../tokens/signing-keys.js';

/** What every request handler can reach through `c.var` / `c.env`. */
export interface AppEnv {
  /** Set by @hono/node-server: the raw Node request and response. */
  Bindings: { incoming: IncomingMessage; outgoing: ServerResponse };
  Variables: {
    requestId: string;
    /** Client address (through trusted proxies only) and user agent. */
    client: ClientInfo;
    /** The admin API key, set before the handler on routes declared `auth: 'apiKey'`. */
    apiKey?: ApiKeyRecord;
    /** The signed-in session and its user, set before the handler on `auth: 'session'` routes. */
    signedIn?: { session: SessionRecord; user: UserRecord };
  };
}

/** The dependencies the HTTP layer is built from. */
export interface AppDeps extends CeremonyContext {
  logger: Logger;
  publicDir: string | null;
  /** Session-JWT signing keys, shared by all nodes through the database. */
  keys: KeyRing;
  /** Set when SIGTERM arrives: readiness turns false so load balancers stop sending traffic. */
  lifecycle: { draining: boolean };
}

/** Node's response for this request; none under `app.request` (tests without a socket). */
export function nodeResponse(c: Context): ServerResponse | undefined {
  return (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
}
