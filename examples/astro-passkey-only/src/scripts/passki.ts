// The browser side: the Passki SDK bound to Passki's own origin, which answers CORS for this
// site's origin only (PASSKI_ORIGINS).
import { createPasskiClient, isPasskiError, type PasskiClient } from '@passki/browser';

export function passkiClient(): PasskiClient {
  const baseUrl = document.body.dataset.passkiUrl;
  if (baseUrl === undefined || baseUrl === '') throw new Error('The page has no data-passki-url');
  return createPasskiClient({ baseUrl });
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new TypeError(`The page is missing #${id}`);
  return element as T;
}

export function setStatus(message: string, tone: 'info' | 'error' | 'success' = 'info'): void {
  const status = byId('status');
  status.textContent = message;
  status.dataset.tone = tone;
}

/** Plain words for what went wrong; raw exception text never reaches the page. */
export function messageFor(error: unknown, action: 'sign-in' | 'sign-up' | 'sign-out'): string {
  if (!isPasskiError(error)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'cancelled':
      return action === 'sign-up'
        ? 'Creating the passkey was cancelled or timed out.'
        : 'Sign-in did not finish: it was cancelled or timed out, or this device has no passkey for this site.';
    case 'timeout':
      return 'The passkey request timed out. Please try again.';
    case 'invalid_username':
      return 'A username is 3 to 64 letters, digits, dots, underscores or hyphens.';
    case 'username_taken':
      return 'That username is taken. Choose another one.';
    case 'already_registered':
      return 'This device already has a passkey for this account. Use “Sign in with a passkey”.';
    case 'no_passkey':
      return 'This account has no passkey.';
    case 'not_supported':
      return 'This browser or device cannot use passkeys.';
    case 'network':
      return 'Cannot reach the sign-in service. Check your connection and try again.';
    case 'rate_limited':
      return 'Too many attempts. Please wait a minute and try again.';
    default:
      return 'Your passkey could not be verified. Please try again.';
  }
}
