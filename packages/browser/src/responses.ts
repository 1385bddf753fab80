import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { PasskiError } from './errors.js';
import { isRecord } from './http.js';
import type { ActiveSession, AuthResult, Passkey, SessionToken, VerifiedSignIn } from './types.js';

/** What `GET /v1/me/passkeys` adds for the WebAuthn Signal API (all ids base64url). */
export interface AccountSignals {
  rpId: string;
  userId: string;
  name: string;
  displayName: string;
}

export interface PasskeyList {
  passkeys: Passkey[];
  signals: AccountSignals;
}

// Light shape checks on what the server sent: enough to fail with a clear `server_error` instead
// of a TypeError deep inside the WebAuthn library. The server is trusted for the details.

export function readAuthResult(data: unknown): AuthResult {
  if (
    isRecord(data) &&
    isRecord(data.user) &&
    typeof data.user.id === 'string' &&
    typeof data.user.username === 'string' &&
    isRecord(data.session) &&
    typeof data.session.id === 'string'
  ) {
    return data as unknown as AuthResult;
  }
  throw unexpected(data);
}

export function readVerifiedSignIn(data: unknown): VerifiedSignIn {
  if (
    isRecord(data) &&
    isRecord(data.user) &&
    typeof data.user.id === 'string' &&
    typeof data.user.username === 'string' &&
    isRecord(data.signInResult) &&
    typeof data.signInResult.token === 'string' &&
    typeof data.signInResult.expiresAt === 'string'
  ) {
    return data as unknown as VerifiedSignIn;
  }
  throw unexpected(data);
}

export function readSessionToken(data: unknown): SessionToken {
  if (isRecord(data) && typeof data.token === 'string' && typeof data.expiresAt === 'string') {
    return { token: data.token, expiresAt: data.expiresAt };
  }
  throw unexpected(data);
}

export function readCreationOptions(data: unknown): PublicKeyCredentialCreationOptionsJSON {
  const options = isRecord(data) ? data.options : undefined;
  if (
    isRecord(options) &&
    typeof options.challenge === 'string' &&
    isRecord(options.user) &&
    Array.isArray(options.pubKeyCredParams)
  ) {
    return options as unknown as PublicKeyCredentialCreationOptionsJSON;
  }
  throw unexpected(data);
}

export function readRequestOptions(data: unknown): PublicKeyCredentialRequestOptionsJSON {
  const options = isRecord(data) ? data.options : undefined;
  if (isRecord(options) && typeof options.challenge === 'string') {
    return options as unknown as PublicKeyCredentialRequestOptionsJSON;
  }
  throw unexpected(data);
}

function isPasskey(value: unknown): value is Passkey {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.name === 'string' &&
    isRecord(value.provider) &&
    typeof value.provider.name === 'string'
  );
}

export function readPasskey(data: unknown): Passkey {
  const passkey = isRecord(data) ? data.passkey : undefined;
  if (isPasskey(passkey)) return passkey;
  throw unexpected(data);
}

export function readPasskeyList(data: unknown): PasskeyList {
  if (
    isRecord(data) &&
    Array.isArray(data.passkeys) &&
    data.passkeys.every(isPasskey) &&
    isRecord(data.signals) &&
    typeof data.signals.rpId === 'string' &&
    typeof data.signals.userId === 'string'
  ) {
    return data as unknown as PasskeyList;
  }
  throw unexpected(data);
}

export function readSessionList(data: unknown): ActiveSession[] {
  const sessions = isRecord(data) ? data.sessions : undefined;
  if (
    Array.isArray(sessions) &&
    sessions.every((s) => isRecord(s) && typeof s.id === 'string' && typeof s.current === 'boolean')
  ) {
    return sessions as ActiveSession[];
  }
  throw unexpected(data);
}

export function readRecoveryCodes(data: unknown): string[] {
  const codes = isRecord(data) ? data.codes : undefined;
  if (Array.isArray(codes) && codes.length > 0 && codes.every((c) => typeof c === 'string')) {
    return codes as string[];
  }
  throw unexpected(data);
}

/** A `{ [field]: number }` reply such as `{ remaining: 7 }` or `{ ended: 2 }`. */
export function readCount(data: unknown, field: 'remaining' | 'ended'): number {
  const count = isRecord(data) ? data[field] : undefined;
  if (typeof count === 'number' && Number.isInteger(count) && count >= 0) return count;
  throw unexpected(data);
}

function unexpected(data: unknown): PasskiError {
  return new PasskiError('server_error', 'The server sent a response of an unexpected shape', {
    cause: data,
  });
}
