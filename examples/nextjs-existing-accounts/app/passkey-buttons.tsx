'use client';
// The two places the browser talks to Passki (on its own origin, cross-origin with CORS): adding
// a passkey with an enrolment token, and signing in for a one-time result. Neither creates a
// Passki session: the app's session stays the app's.
import { createPasskiClient, isPasskiError, type PasskiClient } from '@passki/browser';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { finishPasskeySignIn, startPasskeyEnrollment } from './actions';

interface Status {
  tone: 'error' | 'success';
  text: string;
}

function usePasski(baseUrl: string): PasskiClient {
  return useMemo(() => createPasskiClient({ baseUrl }), [baseUrl]);
}

function messageFor(error: unknown, action: 'add' | 'sign-in'): string {
  if (!isPasskiError(error)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'cancelled':
      return action === 'add'
        ? 'Creating the passkey was cancelled or timed out.'
        : 'Sign-in did not finish: it was cancelled or timed out, or this device has no passkey for Acme.';
    case 'timeout':
      return 'The passkey request timed out. Please try again.';
    case 'already_registered':
      return 'This device already holds a passkey for your account.';
    case 'not_supported':
      return 'This browser or device cannot use passkeys.';
    case 'invalid_token':
      return 'That request expired. Please try again.';
    case 'credential_not_found':
      return 'This passkey is no longer registered. Sign in with your password.';
    case 'network':
      return 'Cannot reach the sign-in service. Check your connection and try again.';
    default:
      return 'Your passkey could not be used. Please try again.';
  }
}

function StatusLine({ status }: { status: Status | null }) {
  return (
    <p id="passkey-status" role="status" className={status?.tone}>
      {status?.text}
    </p>
  );
}

/** Signed in to the app: registers a passkey for this account through an enrolment token. */
export function AddPasskeyButton({ passkiUrl }: { passkiUrl: string }) {
  const passki = usePasski(passkiUrl);
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status | null>(null);

  async function addPasskey(): Promise<void> {
    setBusy(true);
    setStatus(null);
    try {
      const started = await startPasskeyEnrollment();
      if ('error' in started) {
        setStatus({ tone: 'error', text: started.error });
        return;
      }
      await passki.enrollPasskey(started.token);
      setStatus({ tone: 'success', text: 'Passkey added. Next time, sign in with it.' });
      router.refresh();
    } catch (error) {
      setStatus({ tone: 'error', text: messageFor(error, 'add') });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button id="add-passkey" type="button" onClick={addPasskey} disabled={busy}>
        Add a passkey
      </button>
      <StatusLine status={status} />
    </>
  );
}

/** Signed out: a passkey sign-in whose result the server turns into the app's own session. */
export function PasskeySignInButton({ passkiUrl }: { passkiUrl: string }) {
  const passki = usePasski(passkiUrl);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status | null>(null);

  async function signIn(): Promise<void> {
    setBusy(true);
    setStatus(null);
    try {
      const { signInResult } = await passki.signInForResult();
      // On success the action sets the app's session cookie and redirects; it answers only
      // when it refused the result.
      const refused = await finishPasskeySignIn(signInResult.token);
      if (refused?.error) setStatus({ tone: 'error', text: refused.error });
    } catch (error) {
      setStatus({ tone: 'error', text: messageFor(error, 'sign-in') });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="panel">
      <button id="passkey-sign-in" type="button" onClick={signIn} disabled={busy}>
        Sign in with a passkey
      </button>
      <StatusLine status={status} />
    </div>
  );
}
