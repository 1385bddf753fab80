// The hosted sign-in page's script: a username-first flow on top of the browser SDK, plus
// usernameless sign-in and passkey autofill. esbuild bundles it with the SDK into /assets/page.js.
import {
  type AuthResult,
  createRecoveryCodes,
  getSession,
  isPasskeySupported,
  isPasskiError,
  type PasskiErrorCode,
  recover,
  signIn,
  signOut,
  signUp,
  type User,
} from '../../../browser/src/index.js';
import { codesPanel } from './codes.js';
import { byId, find } from './dom.js';

type Tone = 'info' | 'error' | 'success';
type Action = 'sign-in' | 'sign-up' | 'sign-out' | 'session' | 'recover';

interface Elements {
  main: HTMLElement;
  loading: HTMLElement;
  signedOut: HTMLElement;
  form: HTMLFormElement;
  username: HTMLInputElement;
  usernameHint: HTMLElement;
  continueButton: HTMLButtonElement;
  createOffer: HTMLElement;
  createUsername: HTMLElement;
  createAccount: HTMLButtonElement;
  createCancel: HTMLButtonElement;
  passkeySignIn: HTMLButtonElement;
  recoverToggle: HTMLButtonElement;
  recoverForm: HTMLFormElement;
  recoverUsername: HTMLInputElement;
  recoverCode: HTMLInputElement;
  recoverSubmit: HTMLButtonElement;
  recoverCancel: HTMLButtonElement;
  signedIn: HTMLElement;
  signedInTitle: HTMLElement;
  signedInUsername: HTMLElement;
  signedInDetail: HTMLElement;
  manageLink: HTMLAnchorElement;
  /** Where to go after signing in (`?redirect_to=`, checked by the server), or null. */
  redirectTo: string | null;
  signOutButton: HTMLButtonElement;
  status: HTMLElement;
}

const USERNAME_RULES =
  'A username is 3 to 64 characters long and uses only letters (of any script, with their accents), digits, dots (.), underscores (_) and hyphens (-).';

// Plain-words messages for every outcome a person can act on. Anything else falls back to a
// generic sentence: raw exception text never reaches the page.
const MESSAGES: Partial<Record<PasskiErrorCode, string>> = {
  timeout: 'The passkey request timed out. Please try again.',
  not_supported: 'This browser or device cannot use passkeys here. Try another browser or device.',
  already_registered:
    'This device already has a passkey for this account. Use “Sign in with a passkey” instead.',
  no_passkey: 'This account has no passkey yet, so it cannot sign in here.',
  invalid_username: USERNAME_RULES,
  network: 'Cannot reach the server. Check your connection and try again.',
  rate_limited: 'Too many attempts. Please wait a minute and try again.',
  credential_not_found:
    'This passkey is not registered here (the account may have been deleted). Try another passkey or create an account.',
  challenge_expired: 'That took too long and the request expired. Please try again.',
  challenge_not_found: 'The request expired or was already used. Please try again.',
  challenge_used: 'The request expired or was already used. Please try again.',
  user_disabled: 'This account is disabled. Please contact the site’s support.',
  invalid_recovery_code:
    'That username and recovery code do not match. Check the code (each one works only once) and try again.',
  user_verification_required:
    'Your device has to confirm it is you (PIN, fingerprint or face) to use this passkey.',
  server_error: 'Something went wrong on our side. Please try again in a moment.',
  database_unavailable: 'The service is briefly unavailable. Please try again in a moment.',
};
const VERIFICATION_FAILED = 'Your passkey could not be verified. Please try again.';
const FALLBACK = 'Something went wrong. Please try again.';

// Autofill outcomes worth telling the user about: the user picked a passkey and the server
// refused it. Everything else (no credentials, aborted by a button, unsupported) stays silent:
// headless Chromium, for one, rejects the request at once when it holds no passkey.
const REPORTED_AUTOFILL_ERRORS: ReadonlySet<PasskiErrorCode> = new Set<PasskiErrorCode>([
  'credential_not_found',
  'verification_failed',
  'counter_regression',
  'user_verification_required',
  'rate_limited',
]);
// An autofill request waits as long as the page is open, so its challenge can expire before the
// user picks a passkey. Those failures get a fresh request (a few times, in case of a loop).
const STALE_CHALLENGE_ERRORS: ReadonlySet<PasskiErrorCode> = new Set<PasskiErrorCode>([
  'challenge_expired',
  'challenge_not_found',
  'challenge_used',
]);
const MAX_AUTOFILL_RESTARTS = 3;

function main(): void {
  const ui = findElements();
  let busy = false;
  let autofill: AbortController | undefined;
  let autofillRestarts = 0;
  let pendingUsername = '';
  const codes = codesPanel((message, tone) => setStatus(message, tone));

  function setStatus(message: string, tone: Tone = 'info'): void {
    ui.status.textContent = message;
    ui.status.dataset.tone = tone;
  }

  function clearStatus(): void {
    ui.status.textContent = '';
    delete ui.status.dataset.tone;
  }

  function showSignedIn(result: AuthResult, options: { focus: boolean }): void {
    const { user } = result;
    const recovery = result.session.kind === 'recovery';
    ui.signedInUsername.textContent = user.username;
    ui.signedInDetail.textContent = recovery
      ? 'You signed in with a recovery code. Add a new passkey now, so that you can sign in again.'
      : describeUser(user, result.session.expiresAt);
    ui.manageLink.textContent = recovery ? 'Add a passkey' : 'Manage passkeys';
    ui.loading.hidden = true;
    ui.signedOut.hidden = true;
    ui.signedIn.hidden = false;
    ui.main.removeAttribute('aria-busy');
    // The heading takes focus so screen readers announce the new state, and Tab then reaches
    // "Sign out" next.
    if (options.focus) ui.signedInTitle.focus();
  }

  /** A sign-in or sign-up just finished: show it, then go back to the app if it sent us. */
  function signedInNow(result: AuthResult, message = ''): void {
    if (message === '') clearStatus();
    else setStatus(message, 'success');
    showSignedIn(result, { focus: true });
    if (ui.redirectTo !== null) {
      setStatus(`Signed in. Taking you back to ${new URL(ui.redirectTo).host}…`, 'success');
      window.location.assign(ui.redirectTo);
    }
  }

  function showSignedOut(options: { focus: boolean }): void {
    hideCreateOffer();
    hideRecoverForm();
    ui.loading.hidden = true;
    ui.signedIn.hidden = true;
    ui.signedOut.hidden = false;
    ui.main.removeAttribute('aria-busy');
    if (options.focus) ui.username.focus();
  }

  function showCreateOffer(username: string): void {
    pendingUsername = username;
    ui.createUsername.textContent = username;
    ui.createOffer.hidden = false;
    ui.continueButton.hidden = true;
    ui.createAccount.focus();
  }

  function hideCreateOffer(): void {
    pendingUsername = '';
    ui.createOffer.hidden = true;
    ui.continueButton.hidden = false;
  }

  function markUsernameInvalid(message: string, options: { breaksRules: boolean }): void {
    ui.username.setAttribute('aria-invalid', 'true');
    ui.usernameHint.classList.toggle('is-error', options.breaksRules);
    setStatus(message, 'error');
    ui.username.focus();
  }

  function startAutofill(): void {
    const controller = new AbortController();
    autofill = controller;
    signIn({ autofill: true, signal: controller.signal }).then(
      (result) => {
        if (autofill !== controller) return;
        autofill = undefined;
        signedInNow(result);
      },
      (error: unknown) => {
        if (autofill !== controller) return;
        autofill = undefined;
        if (!isPasskiError(error)) return;
        if (STALE_CHALLENGE_ERRORS.has(error.code) && autofillRestarts < MAX_AUTOFILL_RESTARTS) {
          autofillRestarts += 1;
          setStatus('That sign-in request had expired. Please choose your passkey again.', 'error');
          startAutofill();
        } else if (REPORTED_AUTOFILL_ERRORS.has(error.code)) {
          setStatus(messageFor(error, 'sign-in'), 'error');
        }
      },
    );
  }

  function stopAutofill(): void {
    // Must run before any other ceremony: otherwise the autofill request, still fetching its
    // options, could start afterwards and cancel the ceremony the user asked for.
    autofill?.abort();
    autofill = undefined;
  }

  /** Runs one user action at a time, with a busy state on its button. */
  async function run(
    button: HTMLButtonElement,
    waiting: string,
    action: () => Promise<void>,
  ): Promise<void> {
    if (busy) return;
    busy = true;
    stopAutofill();
    const buttons = [
      ui.continueButton,
      ui.createAccount,
      ui.createCancel,
      ui.passkeySignIn,
      ui.recoverToggle,
      ui.recoverSubmit,
      ui.recoverCancel,
      ui.signOutButton,
    ];
    for (const other of buttons) other.setAttribute('aria-disabled', 'true');
    // No aria-busy on a container here: it would hold back the live region's announcements.
    button.classList.add('is-busy');
    setStatus(waiting);
    try {
      await action();
    } finally {
      busy = false;
      for (const other of buttons) other.removeAttribute('aria-disabled');
      button.classList.remove('is-busy');
    }
  }

  function continueWithUsername(): Promise<void> {
    const username = ui.username.value.trim();
    if (username === '') {
      markUsernameInvalid('Enter your username, or use “Sign in with a passkey”.', {
        breaksRules: false,
      });
      return Promise.resolve();
    }
    return run(ui.continueButton, 'Waiting for your passkey…', async () => {
      try {
        signedInNow(await signIn({ username }));
      } catch (error) {
        if (isPasskiError(error) && error.code === 'user_not_found') {
          // The offer says it all, and #create-account (which gets focus) is described by it.
          clearStatus();
          showCreateOffer(username);
        } else if (isPasskiError(error) && error.code === 'invalid_username') {
          markUsernameInvalid(USERNAME_RULES, { breaksRules: true });
        } else {
          setStatus(messageFor(error, 'sign-in'), 'error');
        }
      }
    });
  }

  function createAccount(): Promise<void> {
    const username = pendingUsername;
    return run(ui.createAccount, 'Creating your passkey…', async () => {
      try {
        const result = await signUp(username);
        hideCreateOffer();
        await offerRecoveryCodes(result);
      } catch (error) {
        if (isPasskiError(error) && error.code === 'username_taken') {
          hideCreateOffer();
          markUsernameInvalid(
            `The username ${username} is already taken. Please choose another one, or sign in if it is yours.`,
            { breaksRules: false },
          );
        } else if (isPasskiError(error) && error.code === 'invalid_username') {
          hideCreateOffer();
          markUsernameInvalid(USERNAME_RULES, { breaksRules: true });
        } else {
          setStatus(messageFor(error, 'sign-up'), 'error');
        }
      }
    });
  }

  /**
   * Right after sign-up (which counts as a fresh passkey confirmation), creates the account's
   * recovery codes and shows them once, before the signed-in view.
   */
  async function offerRecoveryCodes(result: AuthResult): Promise<void> {
    let created: string[];
    try {
      created = await createRecoveryCodes();
    } catch {
      setStatus(
        'Account created, but recovery codes could not be created now. Create them on your account page.',
        'error',
      );
      showSignedIn(result, { focus: true });
      return;
    }
    setStatus('Account created. Your passkey is saved on this device.', 'success');
    ui.loading.hidden = true;
    ui.signedOut.hidden = true;
    ui.signedIn.hidden = true;
    ui.main.removeAttribute('aria-busy');
    // Not awaited: the busy state of "Create account" ends now, while the codes stay on screen
    // until the user confirms they saved them.
    void codes
      .show(created, { username: result.user.username, site: window.location.host })
      .then(() => signedInNow(result, 'Account created. Your passkey is saved on this device.'));
  }

  function showRecoverForm(): void {
    if (busy) return;
    hideCreateOffer();
    ui.recoverForm.hidden = false;
    ui.recoverToggle.setAttribute('aria-expanded', 'true');
    const typed = ui.username.value.trim();
    if (ui.recoverUsername.value === '' && typed !== '') ui.recoverUsername.value = typed;
    (ui.recoverUsername.value === '' ? ui.recoverUsername : ui.recoverCode).focus();
  }

  function hideRecoverForm(): void {
    ui.recoverForm.hidden = true;
    ui.recoverToggle.setAttribute('aria-expanded', 'false');
    ui.recoverCode.value = '';
    ui.recoverCode.removeAttribute('aria-invalid');
    ui.recoverUsername.removeAttribute('aria-invalid');
  }

  function recoverWithCode(): Promise<void> {
    const username = ui.recoverUsername.value.trim();
    const code = ui.recoverCode.value.trim();
    if (username === '' || code === '') {
      const missing = username === '' ? ui.recoverUsername : ui.recoverCode;
      missing.setAttribute('aria-invalid', 'true');
      setStatus('Enter your username and one of your recovery codes.', 'error');
      missing.focus();
      return Promise.resolve();
    }
    return run(ui.recoverSubmit, 'Checking your recovery code…', async () => {
      try {
        await recover(username, code);
        setStatus(
          'Recovery code accepted. Taking you to your account to add a new passkey…',
          'success',
        );
        window.location.assign('/account');
      } catch (error) {
        if (isPasskiError(error) && error.code === 'invalid_recovery_code') {
          ui.recoverCode.setAttribute('aria-invalid', 'true');
          ui.recoverCode.focus();
          ui.recoverCode.select();
        }
        setStatus(messageFor(error, 'recover'), 'error');
      }
    });
  }

  function signInWithPasskey(): Promise<void> {
    return run(ui.passkeySignIn, 'Waiting for your passkey…', async () => {
      hideCreateOffer();
      try {
        signedInNow(await signIn());
      } catch (error) {
        setStatus(messageFor(error, 'sign-in'), 'error');
      }
    });
  }

  function signOutNow(): Promise<void> {
    return run(ui.signOutButton, 'Signing out…', async () => {
      try {
        await signOut();
      } catch (error) {
        // Already signed out on the server: the outcome the user wanted.
        if (!(isPasskiError(error) && error.code === 'unauthenticated')) {
          setStatus(messageFor(error, 'sign-out'), 'error');
          return;
        }
      }
      ui.username.value = '';
      setStatus('You are signed out.', 'success');
      showSignedOut({ focus: true });
      // Autofill is not restarted here: it starts with each page load. (Headless test browsers
      // would also complete it at once and sign straight back in.)
    });
  }

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void continueWithUsername();
  });
  ui.username.addEventListener('input', () => {
    ui.username.removeAttribute('aria-invalid');
    ui.usernameHint.classList.remove('is-error');
    // The offer is for the name that was looked up; a different name needs Continue again.
    if (!ui.createOffer.hidden) hideCreateOffer();
  });
  ui.createAccount.addEventListener('click', () => void createAccount());
  ui.createCancel.addEventListener('click', () => {
    if (busy) return;
    hideCreateOffer();
    clearStatus();
    ui.username.focus();
    ui.username.select();
  });
  ui.createOffer.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || busy) return;
    hideCreateOffer();
    ui.username.focus();
  });
  ui.passkeySignIn.addEventListener('click', () => void signInWithPasskey());
  ui.recoverToggle.addEventListener('click', () => {
    if (ui.recoverForm.hidden) showRecoverForm();
    else if (!busy) {
      hideRecoverForm();
      ui.recoverToggle.focus();
    }
  });
  ui.recoverCancel.addEventListener('click', () => {
    if (busy) return;
    hideRecoverForm();
    clearStatus();
    ui.recoverToggle.focus();
  });
  ui.recoverForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void recoverWithCode();
  });
  ui.recoverForm.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || busy) return;
    hideRecoverForm();
    ui.recoverToggle.focus();
  });
  for (const input of [ui.recoverUsername, ui.recoverCode]) {
    input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
  }
  ui.signOutButton.addEventListener('click', () => void signOutNow());

  void initialise();

  async function initialise(): Promise<void> {
    if (!isPasskeySupported()) {
      showSignedOut({ focus: false });
      setStatus(MESSAGES.not_supported ?? FALLBACK, 'error');
      return;
    }
    let current: AuthResult | null = null;
    try {
      current = await getSession();
    } catch (error) {
      setStatus(messageFor(error, 'session'), 'error');
    }
    if (current) {
      showSignedIn(current, { focus: false });
      return;
    }
    showSignedOut({ focus: false });
    startAutofill();
  }
}

function messageFor(error: unknown, action: Action): string {
  if (!isPasskiError(error)) {
    // A bug rather than an outcome: keep the detail for developers, not for the page.
    console.error(error);
    return FALLBACK;
  }
  switch (error.code) {
    case 'cancelled':
      // The browser reports "cancelled", "timed out" and "no passkey for this site on this device"
      // as one error on purpose (privacy), so the message names all three.
      return action === 'sign-up'
        ? 'Creating the passkey was cancelled or timed out. Try again when you are ready.'
        : 'Sign-in did not finish: it was cancelled or timed out, or this device has no passkey for this site.';
    case 'rate_limited':
      return waitMessage(error.retryAfterSeconds);
    case 'verification_failed':
    case 'counter_regression':
    case 'origin_mismatch':
    case 'rp_id_mismatch':
    case 'user_handle_mismatch':
    case 'credential_not_allowed':
    case 'user_presence_required':
      return VERIFICATION_FAILED;
    default:
      return MESSAGES[error.code] ?? FALLBACK;
  }
}

/** "Too many attempts" with the server's Retry-After in words, when it sent one. */
function waitMessage(seconds: number | undefined): string {
  if (seconds === undefined || seconds <= 60) {
    return 'Too many attempts. Please wait a minute and try again.';
  }
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts. Please wait ${minutes} minutes and try again.`;
}

function describeUser(user: User, expiresAt: string): string {
  const parts: string[] = [];
  if (user.displayName !== '' && user.displayName !== user.username)
    parts.push(`${user.displayName}.`);
  const expires = new Date(expiresAt);
  if (!Number.isNaN(expires.getTime())) {
    const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' }).format(expires);
    parts.push(`Your session lasts until ${date}.`);
  }
  return parts.join(' ');
}

/**
 * The return URL the server put on <main> after checking it against PASSKI_REDIRECT_URLS.
 * Checked once more here, so that nothing but an http(s) URL is ever navigated to.
 */
function readRedirectTo(main: HTMLElement): string | null {
  const value = main.dataset.redirectTo;
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
}

function findElements(): Elements {
  return {
    main: find(document, 'main'),
    loading: byId('loading'),
    signedOut: byId('signed-out'),
    form: byId('username-form', HTMLFormElement),
    username: byId('username', HTMLInputElement),
    usernameHint: byId('username-hint'),
    continueButton: byId('continue', HTMLButtonElement),
    createOffer: byId('create-offer'),
    createUsername: byId('create-username'),
    createAccount: byId('create-account', HTMLButtonElement),
    createCancel: byId('create-cancel', HTMLButtonElement),
    passkeySignIn: byId('passkey-signin', HTMLButtonElement),
    recoverToggle: byId('recover-toggle', HTMLButtonElement),
    recoverForm: byId('recover-form', HTMLFormElement),
    recoverUsername: byId('recover-username', HTMLInputElement),
    recoverCode: byId('recover-code', HTMLInputElement),
    recoverSubmit: byId('recover-submit', HTMLButtonElement),
    recoverCancel: byId('recover-cancel', HTMLButtonElement),
    signedIn: byId('signed-in'),
    signedInTitle: byId('signed-in-title'),
    signedInUsername: byId('signed-in-username'),
    signedInDetail: byId('signed-in-detail'),
    manageLink: byId('manage-link', HTMLAnchorElement),
    redirectTo: readRedirectTo(find(document, 'main')),
    signOutButton: byId('signout', HTMLButtonElement),
    status: byId('status'),
  };
}

main();
