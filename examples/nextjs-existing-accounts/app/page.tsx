import type { AdminPasskey } from '@passki/node';
import { passkiAdmin, passkiUrl } from '../lib/passki';
import { currentSession } from '../lib/session';
import { signOutAction } from './actions';
import { AddPasskeyButton, PasskeySignInButton } from './passkey-buttons';
import { PasswordForms } from './password-forms';

// Rendered per request: it reads the session cookie.
export default async function Home() {
  const session = await currentSession();
  if (session === null) {
    return (
      <>
        <h1>Sign in to Acme</h1>
        <PasskeySignInButton passkiUrl={passkiUrl()} />
        <PasswordForms />
      </>
    );
  }

  const { account, method } = session;
  // The passkeys Passki holds for this account, read server to server with the admin key.
  const passkeys: AdminPasskey[] =
    account.passkiUserId === null ? [] : await passkiAdmin().listPasskeys(account.passkiUserId);
  return (
    <>
      <h1 id="signed-in">
        Signed in as <span id="signed-in-username">{account.username}</span>
      </h1>
      <p id="session-method" className="muted">
        This is Acme&apos;s own session, started with{' '}
        {method === 'passkey' ? 'a passkey' : 'your password'}.
      </p>
      <section className="panel" aria-labelledby="passkeys-title">
        <h2 id="passkeys-title">Passkeys</h2>
        <p id="passkey-count">
          {passkeys.length === 0
            ? 'You have no passkey yet. Add one to sign in without your password.'
            : `You have ${passkeys.length} passkey${passkeys.length === 1 ? '' : 's'}.`}
        </p>
        {passkeys.length > 0 && (
          <ul id="passkey-list">
            {passkeys.map((passkey) => (
              <li key={passkey.id}>
                {passkey.provider.name} · added {new Date(passkey.createdAt).toUTCString()}
              </li>
            ))}
          </ul>
        )}
        <AddPasskeyButton passkiUrl={passkiUrl()} />
      </section>
      <form action={signOutAction}>
        <button id="sign-out" type="submit">
          Sign out
        </button>
      </form>
    </>
  );
}
