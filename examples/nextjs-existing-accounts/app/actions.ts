'use server';
// Server actions: the app's own sign-up, sign-in and sign-out, plus the two calls that bring in
// Passki. The admin API key is used only here, on the server.
import { PasskiAdminError, type SignInResult } from '@passki/node';
import { redirect } from 'next/navigation';
import {
  checkPassword,
  createAccount,
  findAccount,
  isValidUsername,
  linkPasskiUser,
  MIN_PASSWORD_LENGTH,
  normaliseUsername,
  USERNAME_RULES,
} from '../lib/accounts';
import { passkiAdmin } from '../lib/passki';
import { currentSession, endSession, startSession } from '../lib/session';

export interface FormState {
  error: string | null;
  username: string;
}

export async function registerAction(_previous: FormState, form: FormData): Promise<FormState> {
  const username = normaliseUsername(String(form.get('username') ?? ''));
  const password = String(form.get('password') ?? '');
  if (!isValidUsername(username)) return { error: `A username is ${USERNAME_RULES}.`, username };
  if (password.length < MIN_PASSWORD_LENGTH) {
    return { error: `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`, username };
  }
  const account = await createAccount(username, password);
  if (account === null) return { error: `The username ${username} is taken.`, username };
  await startSession(account.id, 'password');
  redirect('/');
}

export async function passwordSignInAction(
  _previous: FormState,
  form: FormData,
): Promise<FormState> {
  const username = normaliseUsername(String(form.get('username') ?? ''));
  const account = await checkPassword(username, String(form.get('password') ?? ''));
  if (account === null) return { error: 'Wrong username or password.', username };
  await startSession(account.id, 'password');
  redirect('/');
}

export async function signOutAction(): Promise<void> {
  await endSession();
  redirect('/');
}

export type EnrollmentStart = { token: string } | { error: string };

/**
 * "Add a passkey", step 1 (the browser does step 2 with `enrollPasskey(token)`): links the
 * signed-in account to a Passki user, created on first use with `externalId` = the account id,
 * and asks Passki for a one-time enrolment token for it.
 */
export async function startPasskeyEnrollment(): Promise<EnrollmentStart> {
  const session = await currentSession();
  if (session === null) return { error: 'Sign in first.' };
  const { account } = session;
  const admin = passkiAdmin();
  let passkiUserId = account.passkiUserId;
  if (passkiUserId === null) {
    passkiUserId = await createPasskiUser(account.id, account.username);
    linkPasskiUser(account.id, passkiUserId);
  }
  const { token } = await admin.createEnrollmentToken(passkiUserId);
  return { token };
}

/** The Passki user for this account: created, or found when an earlier attempt created it. */
async function createPasskiUser(accountId: string, username: string): Promise<string> {
  const admin = passkiAdmin();
  // The Passki username is what the device's passkey list shows; this app's usernames follow
  // Passki's rules. If a Passki user already has the name, a suffix keeps it unique.
  for (const candidate of [username, `${username.slice(0, 24)}-${accountId.slice(0, 8)}`]) {
    try {
      return (await admin.createUser({ username: candidate, externalId: accountId })).id;
    } catch (error) {
      if (!(error instanceof PasskiAdminError)) throw error;
      if (error.code === 'external_id_taken') {
        const existing = (await admin.listUsers({ query: accountId })).users.find(
          (user) => user.externalId === accountId,
        );
        if (existing !== undefined) return existing.id;
      }
      if (error.code !== 'username_taken') throw error;
    }
  }
  throw new Error('Could not create a Passki user for this account');
}

/**
 * "Sign in with a passkey", step 2: the browser ran the ceremony against Passki and got a
 * one-time sign-in result (`signInForResult()`). Redeeming it, server to server, says who
 * signed in; the app then starts its own session. A result works once: a replayed one is
 * refused by Passki with `invalid_token`.
 */
export async function finishPasskeySignIn(result: string): Promise<{ error: string }> {
  if (typeof result !== 'string' || result.length === 0 || result.length > 256) {
    return { error: 'That sign-in is not valid. Please try again.' };
  }
  let redeemed: SignInResult;
  try {
    redeemed = await passkiAdmin().redeemSignInResult(result);
  } catch (error) {
    if (error instanceof PasskiAdminError && error.code === 'invalid_token') {
      return { error: 'That sign-in expired or was already used. Please sign in again.' };
    }
    throw error;
  }
  // A passkey is the only factor here, so the device must have verified the person.
  if (!redeemed.userVerified) return { error: 'Your device did not verify you. Try again.' };
  const account = redeemed.externalId === null ? null : findAccount(redeemed.externalId);
  // The link is checked both ways: the Passki user named by the result is the one this account
  // created, not merely one that claims the account's id.
  if (account === null || account.passkiUserId !== redeemed.userId) {
    return { error: 'This passkey does not belong to an account here.' };
  }
  await startSession(account.id, 'passkey');
  redirect('/');
}
