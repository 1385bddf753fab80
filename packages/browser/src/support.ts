import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill } from '@simplewebauthn/browser';
import { PasskiError } from './errors.js';

/**
 * Whether this browser has the WebAuthn API at all. Use it to hide passkey buttons.
 *
 * @example
 * button.hidden = !isPasskeySupported();
 */
export function isPasskeySupported(): boolean {
  return browserSupportsWebAuthn();
}

/**
 * Whether the browser can offer passkeys in an input's autofill list (conditional mediation),
 * which `signIn({ autofill: true })` needs.
 *
 * @example
 * if (await isAutofillSupported()) void signIn({ autofill: true }).then(showSignedIn, () => {});
 */
export function isAutofillSupported(): Promise<boolean> {
  return browserSupportsWebAuthnAutofill();
}

/** Fails fast, before asking the server for a challenge that could never be used. */
export function assertWebAuthnSupported(): void {
  if (!browserSupportsWebAuthn()) {
    throw new PasskiError('not_supported', 'This browser does not support passkeys (WebAuthn)');
  }
}
