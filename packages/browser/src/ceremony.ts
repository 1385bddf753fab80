import { WebAuthnAbortService } from '@simplewebauthn/browser';
import { type Ceremony, toCeremonyError } from './ceremony-errors.js';
import { PasskiError } from './errors.js';

// SimpleWebAuthn runs one ceremony at a time and can only cancel "the current one". Remember
// which of ours is current so an abort on a superseded ceremony's signal cannot cancel a newer one.
let currentCeremony: object | undefined;

export interface CeremonyRun<T> {
  ceremony: Ceremony;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
  start: () => Promise<T>;
}

/** Runs a SimpleWebAuthn call, wiring `signal` to it and mapping failures to `PasskiError`. */
export async function runCeremony<T>(run: CeremonyRun<T>): Promise<T> {
  // Aborted while the options were being fetched (e.g. autofill superseded by a button click):
  // starting now would make SimpleWebAuthn cancel the newer ceremony in favour of this one.
  throwIfAborted(run.signal);
  const token = {};
  const onAbort = (): void => {
    if (currentCeremony === token) WebAuthnAbortService.cancelCeremony();
  };
  currentCeremony = token;
  run.signal?.addEventListener('abort', onAbort, { once: true });
  const startedAt = Date.now();
  try {
    return await run.start();
  } catch (error) {
    throw toCeremonyError(error, {
      ceremony: run.ceremony,
      elapsedMs: Date.now() - startedAt,
      timeoutMs: run.timeoutMs,
    });
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
    if (currentCeremony === token) currentCeremony = undefined;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new PasskiError('cancelled', 'The request was aborted', { cause: signal.reason });
  }
}
