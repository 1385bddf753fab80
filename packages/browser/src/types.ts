/** A Passki user as the API returns it. Times are ISO 8601 strings. */
export interface User {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
}

/** A Passki session. The secret lives only in the HttpOnly `passki_session` cookie. */
export interface Session {
  id: string;
  createdAt: string;
  expiresAt: string;
}

/** What sign-up, sign-in and `getSession()` resolve with. */
export interface AuthResult {
  user: User;
  session: Session;
}

export interface SignUpOptions {
  /** Shown by the authenticator's account picker; the server defaults it to the username. */
  displayName?: string;
  /** Aborting rejects with code `cancelled` and cancels a running WebAuthn ceremony. */
  signal?: AbortSignal;
}

export interface SignInOptions {
  /** Limits the ceremony to this user's passkeys. Without it, any discoverable passkey can answer. */
  username?: string;
  /**
   * Run the request as passkey autofill (conditional mediation): it waits until the user picks a
   * passkey from the browser's autofill list on an `<input autocomplete="username webauthn">`.
   * Start it on page load and abort it (via `signal`) before any other sign-in.
   */
  autofill?: boolean;
  /** Aborting rejects with code `cancelled` and cancels a running WebAuthn ceremony. */
  signal?: AbortSignal;
}

/** A `fetch`-compatible function, e.g. one that adds headers or a test double. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface PasskiClientOptions {
  /**
   * Where the Passki API lives, e.g. `https://auth.example.com`. Default `''`: the page's origin.
   * Cross-origin use needs the server to allow this page's origin with credentials.
   */
  baseUrl?: string;
  /** Replaces `globalThis.fetch`. */
  fetch?: FetchFunction;
}

/** The SDK's functions, bound to one Passki server. */
export interface PasskiClient {
  signUp(username: string, options?: SignUpOptions): Promise<AuthResult>;
  signIn(options?: SignInOptions): Promise<AuthResult>;
  signOut(): Promise<void>;
  getSession(): Promise<AuthResult | null>;
}
