import { WebAuthnError } from '@simplewebauthn/browser';
import { describe, expect, it } from 'vitest';
import { toCeremonyError } from '../../packages/browser/src/ceremony-errors.js';
import { PasskiError } from '../../packages/browser/src/errors.js';

const quick = { elapsedMs: 40, timeoutMs: 60_000 } as const;

function domError(name: string): DOMException {
  return new DOMException(`${name} from the browser`, name);
}

describe('toCeremonyError', () => {
  it.each([
    ['NotAllowedError', 'authentication', 'cancelled'],
    ['NotAllowedError', 'registration', 'cancelled'],
    ['AbortError', 'authentication', 'cancelled'],
    ['InvalidStateError', 'registration', 'already_registered'],
    ['InvalidStateError', 'authentication', 'unknown'],
    ['NotSupportedError', 'registration', 'not_supported'],
    ['ConstraintError', 'registration', 'not_supported'],
    ['SecurityError', 'authentication', 'not_supported'],
    ['UnknownError', 'authentication', 'unknown'],
  ] as const)('maps %s during %s to %s', (name, ceremony, code) => {
    const cause = domError(name);
    const error = toCeremonyError(cause, { ceremony, ...quick });
    expect(error).toBeInstanceOf(PasskiError);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
  });

  it('reads the DOMException name through SimpleWebAuthn WebAuthnError wrappers', () => {
    const cause = domError('InvalidStateError');
    const wrapped = new WebAuthnError({
      message: 'The authenticator was previously registered',
      code: 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED',
      cause,
    });
    const error = toCeremonyError(wrapped, { ceremony: 'registration', ...quick });
    expect(error.code).toBe('already_registered');
    expect(error.cause).toBe(wrapped);
  });

  it('treats an aborted ceremony as cancelled', () => {
    const wrapped = new WebAuthnError({
      message: 'Authentication ceremony was sent an abort signal',
      code: 'ERROR_CEREMONY_ABORTED',
      cause: new Error('Cancelling existing WebAuthn API call for new one'),
    });
    expect(toCeremonyError(wrapped, { ceremony: 'authentication', ...quick }).code).toBe(
      'cancelled',
    );
  });

  it('calls a NotAllowedError a timeout only once the requested timeout has elapsed', () => {
    const ctx = { ceremony: 'authentication', timeoutMs: 5000 } as const;
    expect(toCeremonyError(domError('NotAllowedError'), { ...ctx, elapsedMs: 4000 }).code).toBe(
      'cancelled',
    );
    expect(toCeremonyError(domError('NotAllowedError'), { ...ctx, elapsedMs: 5010 }).code).toBe(
      'timeout',
    );
    expect(
      toCeremonyError(domError('NotAllowedError'), {
        ceremony: 'authentication',
        timeoutMs: undefined,
        elapsedMs: 600_000,
      }).code,
    ).toBe('cancelled');
  });

  it('passes a PasskiError through and wraps anything else as unknown', () => {
    const own = new PasskiError('network', 'offline');
    expect(toCeremonyError(own, { ceremony: 'registration', ...quick })).toBe(own);
    const odd = toCeremonyError('a string', { ceremony: 'registration', ...quick });
    expect(odd.code).toBe('unknown');
    expect(odd.cause).toBe('a string');
  });
});
