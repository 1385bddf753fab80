/** A Passki user as the API returns it. Times are ISO 8601 strings. */
export interface User {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
}

/**
 * `standard` sessions come from a passkey; a `recovery` session comes from a recovery code and may
 * only add a passkey and create new recovery codes until the user signs in with a passkey again.
 */
export type SessionKind = 'standard' | 'recovery';

/** A Passki session. The secret lives only in the HttpOnly `passki_session` cookie. */
export interface Session {
  id: string;
  kind: SessionKind;
  createdAt: string;
  expiresAt: string;
}

/** What sign-up, sign-in and `getSession()` resolve with. */
export interface AuthResult {
  user: User;
  session: Session;
}

/**
 * A one-time sign-in result: proof of a verified passkey sign-in that the app's backend redeems
 * once, server to server, with `POST /v1/admin/sign-in-results/redeem` (`redeemSignInResult` in
 * `@passki/node`). It is not a session and lives about a minute (`PASSKI_SIGN_IN_TOKEN_TTL`).
 */
export interface SignInResultToken {
  token: string;
  /** ISO 8601 */
  expiresAt: string;
}

/** What `signInForResult` resolves with: who signed in, and the result to hand to the backend. */
export interface VerifiedSignIn {
  user: User;
  signInResult: SignInResultToken;
}

/** A short-lived ES256 session JWT for the app's backend (`Authorization: Bearer ...`). */
export interface SessionToken {
  token: string;
  /** ISO 8601 */
  expiresAt: string;
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

/** Who made a passkey, from its AAGUID and the community list of passkey providers. */
export interface PasskeyProvider {
  /** E.g. "Google Password Manager", or the generic "Passkey" when the AAGUID is unknown. */
  name: string;
  /** `data:` image URIs for light and dark backgrounds, or null when there is no icon. */
  iconLight: string | null;
  iconDark: string | null;
}

/** One of the signed-in user's passkeys. Times are ISO 8601 strings. */
export interface Passkey {
  /** The credential ID, base64url. */
  id: string;
  /** The user's own label for it. */
  name: string;
  provider: PasskeyProvider;
  aaguid: string;
  /** `multiDevice`: a synced passkey (backed up by a password manager); else bound to one device. */
  deviceType: 'singleDevice' | 'multiDevice';
  backupEligible: boolean;
  backedUp: boolean;
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
  /** This passkey signed in the current session. */
  current: boolean;
}

/** One of the signed-in user's active sessions (on this or another device). */
export interface ActiveSession {
  id: string;
  kind: SessionKind;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  /** The browser's User-Agent header when the session began, if it sent one. */
  userAgent: string | null;
  /** The passkey that signed it in (base64url), or null for a recovery session. */
  credentialId: string | null;
  /** This is the session making the request. */
  current: boolean;
}

/** What methods that may start a passkey ceremony accept. */
export interface CeremonyOptions {
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
  signInForResult(options?: SignInOptions): Promise<VerifiedSignIn>;
  redeemSignInTicket(token: string): Promise<AuthResult>;
  enrollPasskey(token: string, options?: CeremonyOptions): Promise<Passkey>;
  getToken(): Promise<SessionToken>;
  signOut(): Promise<void>;
  getSession(): Promise<AuthResult | null>;
  listPasskeys(): Promise<Passkey[]>;
  addPasskey(options?: CeremonyOptions): Promise<Passkey>;
  renamePasskey(id: string, name: string, options?: CeremonyOptions): Promise<void>;
  deletePasskey(id: string, options?: CeremonyOptions): Promise<void>;
  listSessions(): Promise<ActiveSession[]>;
  revokeSession(id: string, options?: CeremonyOptions): Promise<void>;
  revokeOtherSessions(options?: CeremonyOptions): Promise<number>;
  reauthenticate(options?: CeremonyOptions): Promise<void>;
  createRecoveryCodes(options?: CeremonyOptions): Promise<string[]>;
  recoveryCodesRemaining(): Promise<number>;
  recover(username: string, code: string): Promise<AuthResult>;
}
