import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { PasskiError } from './errors.js';
import { isRecord } from './http.js';
import type { AuthResult } from './types.js';

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

function unexpected(data: unknown): PasskiError {
  return new PasskiError('server_error', 'The server sent a response of an unexpected shape', {
    cause: data,
  });
}
