// The hosted sign-in page's script: a username-first flow on top of the browser SDK, plus
// usernameless sign-in and passkey autofill. esbuild bundles it with the SDK into /assets/page.js.
import {
  type AuthResult,
  getSession,
  isPasskeySupported,
  isPasskiError,
  type PasskiErrorCode,
  signIn,
  signOut,
  signUp,
  type User,
} from '../../../browser/src/index.js';

type Tone = 'info' | 'error' | 'success';
type Action = 'sign-in' | 'sign-up' | 'sign-out' | 'session';

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
  signedIn: HTMLElement;
  signedInTitle: HTMLElement;
  signedInUsername: HTMLElement;
  signedInDetail: HTMLElement;
  signOutButton: HTMLButtonElement;
  status: HTMLElement;
}

const USERNAME_RULES =
  'A username is 3 to 64 characters long and uses only letters, digits, dots (.), underscores (_) and hyphens (-).';

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
    ui.signedInUsername.textContent = user.username;
    ui.signedInDetail.textContent = describeUser(user, result.session.expiresAt);
    ui.loading.hidden = true;
    ui.signedOut.hidden = true;
    ui.signedIn.hidden = false;
    ui.main.removeAttribute('aria-busy');
    // The heading takes focus so screen readers announce the new state, and Tab then reaches
    // "Sign out" next.
    if (options.focus) ui.signedInTitle.focus();
  }

  function showSignedOut(options: { focus: boolean }): void {
    hideCreateOffer();
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
        clearStatus();
        showSignedIn(result, { focus: true });
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
        const result = await signIn({ username });
        clearStatus();
        showSignedIn(result, { focus: true });
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
        setStatus('Account created. Your passkey is saved on this device.', 'success');
        showSignedIn(result, { focus: true });
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

  function signInWithPasskey(): Promise<void> {
    return run(ui.passkeySignIn, 'Waiting for your passkey…', async () => {
      hideCreateOffer();
      try {
        const result = await signIn();
        clearStatus();
        showSignedIn(result, { focus: true });
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

function findElements(): Elements {
  return {
    main: byQuery('main'),
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
    signedIn: byId('signed-in'),
    signedInTitle: byId('signed-in-title'),
    signedInUsername: byId('signed-in-username'),
    signedInDetail: byId('signed-in-detail'),
    signOutButton: byId('signout', HTMLButtonElement),
    status: byId('status'),
  };
}

function byId<T extends HTMLElement = HTMLElement>(id: string, type?: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof (type ?? HTMLElement))) {
    throw new TypeError(`The page is missing #${id}`);
  }
  return element as T;
}

function byQuery(selector: string): HTMLElement {
  const element = document.querySelector(selector);
  if (!(element instanceof HTMLElement)) throw new TypeError(`The page is missing ${selector}`);
  return element;
}

main();
