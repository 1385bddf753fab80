'use client';
// The app's own password sign-up and sign-in: what it had before passkeys.
import { useActionState } from 'react';
import { type FormState, passwordSignInAction, registerAction } from './actions';

const initial: FormState = { error: null, username: '' };

export function PasswordForms() {
  const [signInState, signIn, signingIn] = useActionState(passwordSignInAction, initial);
  const [registerState, register, registering] = useActionState(registerAction, initial);
  return (
    <>
      <form id="password-sign-in" action={signIn} aria-labelledby="password-title">
        <h2 id="password-title">Sign in with your password</h2>
        <label htmlFor="signin-username">Username</label>
        <input
          id="signin-username"
          name="username"
          autoComplete="username"
          defaultValue={signInState.username}
          required
        />
        <label htmlFor="signin-password">Password</label>
        <input
          id="signin-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
        />
        <button id="password-sign-in-submit" type="submit" disabled={signingIn}>
          Sign in
        </button>
        {signInState.error && (
          <p className="error" role="alert">
            {signInState.error}
          </p>
        )}
      </form>

      <form id="register" action={register} aria-labelledby="register-title">
        <h2 id="register-title">New to Acme? Create an account</h2>
        <label htmlFor="register-username">Username</label>
        <input
          id="register-username"
          name="username"
          autoComplete="username"
          defaultValue={registerState.username}
          required
        />
        <label htmlFor="register-password">Password</label>
        <input
          id="register-password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          required
        />
        <button id="register-submit" type="submit" disabled={registering}>
          Create account
        </button>
        {registerState.error && (
          <p className="error" role="alert">
            {registerState.error}
          </p>
        )}
      </form>
    </>
  );
}
