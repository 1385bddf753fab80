import { PasskiError } from '../../packages/browser/src/index.js';

// Doubles shared by the browser SDK's unit tests. Node has no WebAuthn, so navigator.credentials
// resolves with these objects: just enough for SimpleWebAuthn's control flow. Real ceremonies
// against a real server run in test/e2e and examples/*/test.

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status });
}

export function apiError(status: number, code: string): Response {
  return json(status, { error: { code, message: `${code} (test)` } });
}

/** The PasskiError a promise rejects with; anything else (or no rejection) fails the test. */
export async function failure(promise: Promise<unknown>): Promise<PasskiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PasskiError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

export const bytes = (...values: number[]): ArrayBuffer => new Uint8Array(values).buffer;

/** What navigator.credentials.get() resolves with for a passkey whose id is "AQID". */
export function fakeAssertion(): unknown {
  return {
    id: 'AQID',
    rawId: bytes(1, 2, 3),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: bytes(4),
      authenticatorData: bytes(5),
      signature: bytes(6),
      userHandle: bytes(7),
    },
    getClientExtensionResults: () => ({}),
  };
}

/** What navigator.credentials.create() resolves with for a new passkey whose id is "CAkK". */
export function fakeAttestation(): unknown {
  return {
    id: 'CAkK',
    rawId: bytes(8, 9, 10),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: bytes(4),
      attestationObject: bytes(11),
      getTransports: () => ['internal'],
    },
    getClientExtensionResults: () => ({}),
  };
}
