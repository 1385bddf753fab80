import { WebAuthnError } from '@simplewebauthn/browser';
import { PasskiError } from './errors.js';

export type Ceremony = 'registration' | 'authentication';

export interface CeremonyContext {
  ceremony: Ceremony;
  /** How long the browser call ran before it failed. */
  elapsedMs: number;
  /** The `timeout` the server put in the options, if any. */
  timeoutMs: number | undefined;
}

/**
 * Maps what `navigator.credentials.create()`/`get()` (through SimpleWebAuthn) rejected with to a
 * `PasskiError`, keeping the original as `cause`. References are to WebAuthn Level 2:
 * §5.1.3 https://www.w3.org/TR/webauthn-2/#sctn-createCredential ([[Create]]),
 * §5.1.4.1 https://www.w3.org/TR/webauthn-2/#sctn-discover-from-external-source ([[DiscoverFromExternalSource]]),
 * §6.3.2 https://www.w3.org/TR/webauthn-2/#sctn-op-make-cred (authenticatorMakeCredential).
 */
export function toCeremonyError(error: unknown, context: CeremonyContext): PasskiError {
  if (error instanceof PasskiError) return error;
  // SimpleWebAuthn's WebAuthnError takes the name of the DOMException it wraps.
  const name = error instanceof Error ? error.name : '';
  const libCode = error instanceof WebAuthnError ? error.code : undefined;
  const options = { cause: error };

  if (libCode === 'ERROR_CEREMONY_ABORTED' || name === 'AbortError') {
    // §5.1.3 step 16 and the matching branch of §5.1.4.1: "If the signal member is present and
    // the aborted flag is set ... return AbortError". We abort on `signal`; SimpleWebAuthn aborts
    // the previous ceremony when a new one starts (e.g. a button click ends an autofill request).
    return new PasskiError('cancelled', 'The passkey request was aborted', options);
  }
  if (name === 'NotAllowedError') {
    // One name for "the user cancelled", "no eligible credential" and "lifetimeTimer expired";
    // the spec blurs them on purpose (#sctn-assertion-privacy; §5.1.4.1's final
    // NotAllowedError "MUST NOT be executed before lifetimeTimer has expired"). Only the timer can
    // be told apart: by how long the call ran against the `timeout` the server asked for.
    if (context.timeoutMs !== undefined && context.elapsedMs >= context.timeoutMs * 0.99) {
      return new PasskiError('timeout', 'The passkey request timed out', options);
    }
    return new PasskiError(
      'cancelled',
      'The passkey request was cancelled or not allowed',
      options,
    );
  }
  if (name === 'InvalidStateError' && context.ceremony === 'registration') {
    // §6.3.2 step 3: a credential in excludeCredentials is already on this authenticator, i.e.
    // this account already has a passkey here.
    return new PasskiError(
      'already_registered',
      'This authenticator already holds a passkey for this account',
      options,
    );
  }
  if (name === 'NotSupportedError' || name === 'ConstraintError') {
    // §5.1.3 step 10 / §6.3.2 step 2: no supported algorithm; §6.3.2 steps 4-5: the authenticator
    // cannot store a discoverable credential or verify the user, and the server requires both.
    return new PasskiError(
      'not_supported',
      'No authenticator here can create this passkey',
      options,
    );
  }
  if (name === 'SecurityError') {
    // §5.1.3 steps 7-8 (and the same checks in §5.1.4.1): the page's origin is not a valid domain
    // or does not match the RP ID, so passkeys for this server cannot be used on this page.
    return new PasskiError(
      'not_supported',
      'Passkeys for this server are not allowed on this page',
      options,
    );
  }
  return new PasskiError(
    'unknown',
    error instanceof Error ? error.message : 'The passkey request failed',
    options,
  );
}
