// The hosted account page's script (/assets/account.js): passkeys, sessions and recovery codes of
// the signed-in user, on top of the browser SDK. esbuild bundles it with the SDK. Account changes
// that need a fresh passkey confirmation ("step-up") get it from the SDK, which asks for the
// passkey and retries by itself, so the page treats them as ordinary calls.
import {
  type ActiveSession,
  type AuthResult,
  addPasskey,
  createRecoveryCodes,
  deletePasskey,
  getSession,
  isPasskeySupported,
  isPasskiError,
  listPasskeys,
  listSessions,
  type Passkey,
  type PasskiErrorCode,
  recoveryCodesRemaining,
  renamePasskey,
  revokeOtherSessions,
  revokeSession,
  signIn,
  signOut,
} from '../../../browser/src/index.js';
import { codesPanel } from './codes.js';
import { byId, find } from './dom.js';
import { describeUserAgent } from './user-agent.js';

type Tone = 'info' | 'error' | 'success';
type Mode = 'standard' | 'recovery';

/** What the user was doing, for the wording of failures. */
type Action =
  | 'load'
  | 'add'
  | 'rename'
  | 'delete'
  | 'revoke'
  | 'revoke-others'
  | 'codes'
  | 'sign-in'
  | 'sign-out';

/** Where focus goes after a list is drawn again: a control of one item, or a heading. */
interface FocusTarget {
  list: 'passkeys' | 'sessions';
  id: string;
  control: string;
}

/** The server's name for a passkey whose AAGUID is not in the provider list. */
const UNKNOWN_PROVIDER = 'Passkey';

const ui = {
  main: find(document, 'main'),
  loading: byId('loading'),
  signOut: byId('signout', HTMLButtonElement),
  signedOutView: byId('signed-out-view'),
  signedOutTitle: byId('signed-out-title'),
  accountView: byId('account-view'),
  accountTitle: byId('account-title'),
  accountUser: byId('account-user'),
  recoveryNotice: byId('recovery-notice'),
  passkeysIntro: byId('passkeys-intro'),
  passkeysTitle: byId('passkeys-title'),
  addPasskey: byId('add-passkey', HTMLButtonElement),
  passkeyList: byId('passkey-list', HTMLUListElement),
  recoveryNext: byId('recovery-next'),
  recoveryNextTitle: byId('recovery-next-title'),
  recoverySignIn: byId('recovery-signin', HTMLButtonElement),
  sessionsSection: byId('sessions-section'),
  sessionsTitle: byId('sessions-title'),
  sessionList: byId('session-list', HTMLUListElement),
  revokeOthers: byId('revoke-others', HTMLButtonElement),
  recoveryTitle: byId('recovery-title'),
  recoveryRemaining: byId('recovery-remaining'),
  recoveryReplaceNote: byId('recovery-replace-note'),
  createCodes: byId('create-codes', HTMLButtonElement),
  status: byId('status'),
  passkeyTemplate: byId('passkey-item', HTMLTemplateElement),
  sessionTemplate: byId('session-item', HTMLTemplateElement),
};

const state: {
  auth: AuthResult | null;
  mode: Mode;
  passkeys: Passkey[];
  sessions: ActiveSession[];
  busy: boolean;
} = { auth: null, mode: 'standard', passkeys: [], sessions: [], busy: false };

const codes = codesPanel((message, tone) => setStatus(message, tone));

// ---------------------------------------------------------------------------------------------
// Status and views

// The status stays at the bottom of the window on this long page (sticky), over the content:
// a success, which the lists already show, goes away after a while; errors stay until the next
// action.
const SUCCESS_SHOWN_MS = 10_000;
let statusTimer: ReturnType<typeof setTimeout> | undefined;

function setStatus(message: string, tone: Tone = 'info'): void {
  clearTimeout(statusTimer);
  ui.status.textContent = message;
  ui.status.dataset.tone = tone;
  if (tone === 'success') statusTimer = setTimeout(clearStatus, SUCCESS_SHOWN_MS);
}

function clearStatus(): void {
  clearTimeout(statusTimer);
  ui.status.textContent = '';
  delete ui.status.dataset.tone;
}

function showSignedOut(message?: string): void {
  state.auth = null;
  codes.hide();
  ui.loading.hidden = true;
  ui.accountView.hidden = true;
  ui.signOut.hidden = true;
  ui.signedOutView.hidden = false;
  ui.main.removeAttribute('aria-busy');
  if (message !== undefined) setStatus(message, 'info');
  ui.signedOutTitle.focus();
}

function showAccount(auth: AuthResult, options: { focus: boolean }): void {
  state.auth = auth;
  state.mode = auth.session.kind === 'recovery' ? 'recovery' : 'standard';
  const recovery = state.mode === 'recovery';
  const { user } = auth;
  const who =
    user.displayName !== '' && user.displayName !== user.username
      ? `${user.displayName} (${user.username})`
      : user.username;
  ui.accountUser.textContent = recovery
    ? `Signed in as ${who} with a recovery code.`
    : `Signed in as ${who}.`;
  ui.recoveryNotice.hidden = !recovery;
  ui.passkeysIntro.hidden = recovery;
  ui.passkeyList.hidden = recovery;
  ui.sessionsSection.hidden = recovery;
  ui.recoveryNext.hidden = true;
  ui.loading.hidden = true;
  ui.signedOutView.hidden = true;
  ui.accountView.hidden = false;
  ui.signOut.hidden = false;
  ui.main.removeAttribute('aria-busy');
  if (options.focus) ui.accountTitle.focus();
}

// ---------------------------------------------------------------------------------------------
// Loading and drawing

async function refresh(focus?: FocusTarget): Promise<void> {
  if (state.mode === 'recovery') {
    drawRemaining(await recoveryCodesRemaining());
    return;
  }
  // The view shows before its lists arrive: screen readers hear that they are still loading.
  const lists = [ui.passkeyList, ui.sessionList];
  for (const list of lists) list.setAttribute('aria-busy', 'true');
  let loaded: [Passkey[], ActiveSession[], number];
  try {
    loaded = await Promise.all([listPasskeys(), listSessions(), recoveryCodesRemaining()]);
  } finally {
    for (const list of lists) list.removeAttribute('aria-busy');
  }
  const [passkeys, sessions, remaining] = loaded;
  state.passkeys = passkeys;
  // This session first, then the most recently active.
  state.sessions = [...sessions].sort(
    (a, b) =>
      Number(b.current) - Number(a.current) || Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt),
  );
  drawPasskeys();
  drawSessions();
  drawRemaining(remaining);
  if (focus !== undefined) restoreFocus(focus);
}

function restoreFocus(target: FocusTarget): void {
  const list = target.list === 'passkeys' ? ui.passkeyList : ui.sessionList;
  const item = [...list.children].find(
    (child) => child instanceof HTMLElement && child.dataset.id === target.id,
  );
  const control = item?.querySelector<HTMLElement>(target.control);
  if (control) control.focus();
  else (target.list === 'passkeys' ? ui.passkeysTitle : ui.sessionsTitle).focus();
}

function drawPasskeys(): void {
  ui.passkeyList.replaceChildren(...state.passkeys.map(passkeyItem));
}

function passkeyItem(passkey: Passkey, index: number): HTMLLIElement {
  const item = cloneItem(ui.passkeyTemplate);
  item.dataset.id = passkey.id;
  const name = find(item, '.item-name');
  name.textContent = passkey.name;
  name.id = `passkey-name-${index}`;
  find(item, '.badge').hidden = !passkey.current;

  // The provider's icons are data: URIs from the server (its AAGUID list only lets raster and SVG
  // images through); an <img> cannot run script, and the CSP allows data: images.
  const { provider } = passkey;
  const light = find(item, '.icon-light', HTMLImageElement);
  const dark = find(item, '.icon-dark', HTMLImageElement);
  const generic = find(item, '.icon-generic', SVGSVGElement);
  if (provider.iconLight !== null || provider.iconDark !== null) {
    light.src = provider.iconLight ?? provider.iconDark ?? '';
    dark.src = provider.iconDark ?? provider.iconLight ?? '';
    light.hidden = false;
    dark.hidden = false;
    generic.remove();
  }
  const known = provider.name !== UNKNOWN_PROVIDER;
  setParts(find(item, '.provider'), [
    known ? provider.name : 'Unrecognised authenticator',
    syncLabel(passkey),
  ]);
  setParts(find(item, '.dates'), [
    `Added ${relativeTime(passkey.createdAt)}`,
    passkey.lastUsedAt === null ? 'never used' : `last used ${relativeTime(passkey.lastUsedAt)}`,
  ]);

  const rename = find(item, '.rename', HTMLButtonElement);
  const remove = find(item, '.delete', HTMLButtonElement);
  rename.setAttribute('aria-describedby', name.id);
  remove.setAttribute('aria-describedby', name.id);

  const form = find(item, '.rename-form', HTMLFormElement);
  const label = find(form, 'label', HTMLLabelElement);
  const input = find(form, 'input', HTMLInputElement);
  input.id = `rename-input-${index}`;
  label.htmlFor = input.id;
  label.textContent = `New name for “${passkey.name}”`;

  const confirm = find(item, '.confirm-delete');
  confirm.setAttribute('aria-labelledby', `confirm-text-${index}`);
  const confirmText = find(confirm, '.confirm-text');
  confirmText.id = `confirm-text-${index}`;
  confirmText.textContent = deleteQuestion(passkey);

  rename.addEventListener('click', () => {
    if (state.busy) return;
    closePanels();
    form.hidden = false;
    input.value = passkey.name;
    input.focus();
    input.select();
  });
  find(form, '.cancel').addEventListener('click', () => {
    form.hidden = true;
    rename.focus();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void renameNow(passkey, input.value, find(form, 'button[type="submit"]', HTMLButtonElement));
  });
  remove.addEventListener('click', () => {
    if (state.busy) return;
    closePanels();
    confirm.hidden = false;
    // The safe choice takes focus; the destructive one is one Tab away.
    find(confirm, '.cancel').focus();
  });
  find(confirm, '.cancel').addEventListener('click', () => {
    confirm.hidden = true;
    remove.focus();
  });
  find(confirm, '.confirm').addEventListener('click', (event) => {
    void deleteNow(passkey, event.currentTarget as HTMLButtonElement);
  });
  item.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || state.busy) return;
    if (!form.hidden) {
      form.hidden = true;
      rename.focus();
    } else if (!confirm.hidden) {
      confirm.hidden = true;
      remove.focus();
    }
  });
  return item;
}

/** Closes any open rename or delete panel; a new one opens for a new task, with a clean slate. */
function closePanels(): void {
  clearStatus();
  for (const panel of ui.passkeyList.querySelectorAll<HTMLElement>('.inline-panel')) {
    panel.hidden = true;
  }
}

function deleteQuestion(passkey: Passkey): string {
  const parts = [`Delete “${passkey.name}”? You will no longer be able to sign in with it.`];
  if (passkey.current) parts.push('It signed you in here, so this also signs you out.');
  if (state.passkeys.length === 1) {
    parts.push('It is your only passkey: afterwards only a recovery code can get you back in.');
  }
  return parts.join(' ');
}

/**
 * Fills a meta line with parts separated by " · ". Short parts ("Device-bound", "last used 5
 * minutes ago") do not break inside on narrow screens; the first (a provider's name) may.
 */
function setParts(line: HTMLElement, parts: string[]): void {
  line.replaceChildren();
  parts.forEach((text, index) => {
    if (index > 0) line.append(' · ');
    const part = document.createElement('span');
    part.textContent = text;
    if (index > 0 || text.length <= 24) part.className = 'nowrap';
    line.append(part);
  });
}

/** Synced passkeys live in a password manager's cloud; device-bound ones exist only once. */
function syncLabel(passkey: Passkey): string {
  if (passkey.deviceType === 'multiDevice') {
    return passkey.backedUp ? 'Synced' : 'Syncable, not backed up yet';
  }
  return 'Device-bound';
}

function drawSessions(): void {
  const namesByCredential = new Map(state.passkeys.map((p) => [p.id, p.name]));
  ui.sessionList.replaceChildren(
    ...state.sessions.map((session, index) => {
      const item = cloneItem(ui.sessionTemplate);
      item.dataset.id = session.id;
      const agent = describeUserAgent(session.userAgent);
      const name = find(item, '.item-name');
      name.textContent = agent.label;
      name.id = `session-name-${index}`;
      find(item, '.badge').hidden = !session.current;
      if (agent.mobile) {
        find(item, '.icon-computer', SVGSVGElement).remove();
        find(item, '.icon-phone', SVGSVGElement).removeAttribute('hidden');
      }
      const passkeyName =
        session.credentialId === null ? undefined : namesByCredential.get(session.credentialId);
      find(item, '.how').textContent =
        session.kind === 'recovery'
          ? 'Signed in with a recovery code'
          : passkeyName === undefined
            ? 'Signed in with a passkey'
            : `Signed in with “${passkeyName}”`;
      setParts(find(item, '.dates'), [
        `Started ${relativeTime(session.createdAt)}`,
        `active ${relativeTime(session.lastSeenAt)}`,
      ]);
      const revoke = find(item, '.revoke', HTMLButtonElement);
      revoke.textContent = session.current ? 'Sign out here' : 'Sign out';
      revoke.setAttribute('aria-describedby', name.id);
      revoke.addEventListener('click', () => {
        void revokeNow(session, revoke);
      });
      return item;
    }),
  );
  ui.revokeOthers.hidden = !state.sessions.some((session) => !session.current);
}

function drawRemaining(remaining: number): void {
  ui.recoveryRemaining.textContent =
    remaining === 0
      ? 'You have no unused recovery codes. Create some, so that you can get back in if you lose your passkeys.'
      : `You have ${remaining} unused recovery ${remaining === 1 ? 'code' : 'codes'}.`;
  ui.recoveryReplaceNote.hidden = remaining === 0;
  ui.createCodes.textContent =
    remaining === 0 ? 'Create recovery codes' : 'Create new recovery codes';
}

function cloneItem(template: HTMLTemplateElement): HTMLLIElement {
  const item = template.content.firstElementChild?.cloneNode(true);
  if (!(item instanceof HTMLLIElement)) throw new TypeError('The page has a broken template');
  return item;
}

const DAY = 86_400_000;
const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', DAY],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "just now", "5 minutes ago", "yesterday", or a date beyond a week. */
function relativeTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return 'at an unknown time';
  // Every time shown is in the past; one "in the future" only means this device's clock is
  // behind the server's.
  const diff = Math.min(0, time - Date.now());
  if (Math.abs(diff) < 60_000) return 'just now';
  if (Math.abs(diff) >= 7 * DAY) {
    return `on ${new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(time)}`;
  }
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(diff) >= size) return format.format(Math.round(diff / size), unit);
  }
  return 'just now';
}

// ---------------------------------------------------------------------------------------------
// Actions

/** Runs one user action at a time, with a busy state on its button and the others disabled. */
async function run(
  button: HTMLButtonElement,
  waiting: string,
  action: () => Promise<void>,
): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  const buttons = [...ui.main.querySelectorAll('button')];
  for (const other of buttons) other.setAttribute('aria-disabled', 'true');
  button.classList.add('is-busy');
  setStatus(waiting);
  try {
    await action();
  } finally {
    state.busy = false;
    for (const other of buttons) other.removeAttribute('aria-disabled');
    button.classList.remove('is-busy');
  }
}

/** Reports a failure; a lost session switches to the signed-out view, a stale list reloads. */
async function fail(error: unknown, action: Action, focus?: FocusTarget): Promise<void> {
  if (isPasskiError(error) && error.code === 'unauthenticated') {
    showSignedOut('Your session has ended. Sign in again to continue.');
    return;
  }
  setStatus(messageFor(error, action), 'error');
  if (isPasskiError(error) && error.code === 'not_found') {
    await refresh(focus).catch(() => undefined);
  }
}

function addNow(): Promise<void> {
  return run(
    ui.addPasskey,
    'Follow your browser’s prompts to create the new passkey…',
    async () => {
      try {
        const passkey = await addPasskey();
        const provider =
          passkey.provider.name === UNKNOWN_PROVIDER ? '' : ` (${passkey.provider.name})`;
        if (state.mode === 'recovery') {
          setStatus(`Passkey added${provider}.`, 'success');
          ui.addPasskey.hidden = true;
          ui.recoveryNext.hidden = false;
          ui.recoveryNextTitle.focus();
          await refresh();
          return;
        }
        await succeed(`Passkey added${provider}. You can rename it to tell it apart.`, {
          list: 'passkeys',
          id: passkey.id,
          control: '.rename',
        });
      } catch (error) {
        await fail(error, 'add');
      }
    },
  );
}

/**
 * After a change: redraws the lists first, then says what happened, so that the message never
 * describes a list the page does not show yet.
 */
async function succeed(message: string, focus?: FocusTarget): Promise<void> {
  try {
    await refresh(focus);
  } catch {
    setStatus(`${message} Reload the page to see the up-to-date lists.`, 'success');
    return;
  }
  setStatus(message, 'success');
}

function renameNow(passkey: Passkey, value: string, button: HTMLButtonElement): Promise<void> {
  const name = value.trim();
  if (name === '' || name.length > 64) {
    setStatus('A passkey name is 1 to 64 characters long.', 'error');
    return Promise.resolve();
  }
  if (name === passkey.name) {
    closePanels();
    restoreFocus({ list: 'passkeys', id: passkey.id, control: '.rename' });
    return Promise.resolve();
  }
  return run(button, 'Renaming…', async () => {
    const focus: FocusTarget = { list: 'passkeys', id: passkey.id, control: '.rename' };
    try {
      await renamePasskey(passkey.id, name);
      await succeed(`Renamed to “${name}”.`, focus);
    } catch (error) {
      await fail(error, 'rename', focus);
    }
  });
}

function deleteNow(passkey: Passkey, button: HTMLButtonElement): Promise<void> {
  return run(button, 'Deleting…', async () => {
    try {
      await deletePasskey(passkey.id);
      if (passkey.current) {
        // The server ended the sessions this passkey signed in, this one included.
        showSignedOut(
          `“${passkey.name}” is deleted. It had signed you in here, so you are signed out.`,
        );
        return;
      }
      await succeed(`“${passkey.name}” is deleted.`, { list: 'passkeys', id: '', control: '' });
    } catch (error) {
      await fail(error, 'delete', { list: 'passkeys', id: passkey.id, control: '.delete' });
    }
  });
}

function revokeNow(session: ActiveSession, button: HTMLButtonElement): Promise<void> {
  const label = describeUserAgent(session.userAgent).label;
  return run(button, 'Signing out…', async () => {
    try {
      await revokeSession(session.id);
      if (session.current) {
        showSignedOut('You are signed out.');
        return;
      }
      await succeed(`Signed out of ${label}.`, { list: 'sessions', id: '', control: '' });
    } catch (error) {
      await fail(error, 'revoke', { list: 'sessions', id: session.id, control: '.revoke' });
    }
  });
}

function revokeOthersNow(): Promise<void> {
  return run(ui.revokeOthers, 'Signing out your other sessions…', async () => {
    try {
      const ended = await revokeOtherSessions();
      await succeed(
        ended === 1 ? 'Signed out of 1 other session.' : `Signed out of ${ended} other sessions.`,
      );
      ui.sessionsTitle.focus();
    } catch (error) {
      await fail(error, 'revoke-others');
    }
  });
}

function createCodesNow(): Promise<void> {
  return run(ui.createCodes, 'Creating recovery codes…', async () => {
    let created: string[];
    try {
      created = await createRecoveryCodes();
    } catch (error) {
      await fail(error, 'codes');
      return;
    }
    clearStatus();
    ui.createCodes.hidden = true;
    ui.recoveryRemaining.hidden = true;
    ui.recoveryReplaceNote.hidden = true;
    const saved = codes.show(created, {
      username: state.auth?.user.username ?? '',
      site: window.location.host,
    });
    void saved.then(() => {
      ui.createCodes.hidden = false;
      ui.recoveryRemaining.hidden = false;
      drawRemaining(created.length);
      setStatus('Your new recovery codes are active; the old ones no longer work.', 'success');
      ui.createCodes.focus();
    });
  });
}

/** Recovery mode: sign in with the passkey just added, then end the recovery session. */
function finishRecoveryNow(): Promise<void> {
  return run(ui.recoverySignIn, 'Waiting for your passkey…', async () => {
    const recoverySession = state.auth?.session.id;
    const username = state.auth?.user.username;
    try {
      const auth = await signIn(username === undefined ? {} : { username });
      // The fresh sign-in counts as a step-up, so this needs no further prompt. Best effort: the
      // recovery session expires by itself anyway.
      if (recoverySession !== undefined && recoverySession !== auth.session.id) {
        await revokeSession(recoverySession).catch(() => undefined);
      }
      ui.addPasskey.hidden = false;
      showAccount(auth, { focus: true });
      await refresh();
      setStatus('You are signed in with your new passkey. Your account is recovered.', 'success');
    } catch (error) {
      await fail(error, 'sign-in');
    }
  });
}

function signOutNow(): Promise<void> {
  return run(ui.signOut, 'Signing out…', async () => {
    try {
      await signOut();
    } catch (error) {
      if (!(isPasskiError(error) && error.code === 'unauthenticated')) {
        await fail(error, 'sign-out');
        return;
      }
    }
    showSignedOut('You are signed out.');
  });
}

// ---------------------------------------------------------------------------------------------
// Wording

const MESSAGES: Partial<Record<PasskiErrorCode, string>> = {
  timeout: 'The passkey request timed out, so nothing changed. Please try again.',
  not_supported: 'This browser or device cannot use passkeys here. Try another browser or device.',
  already_registered:
    'This device or password manager already has a passkey for your account. To add a second one, choose another device, a security key or another password manager.',
  credential_already_registered: 'That passkey is already registered to an account.',
  passkey_limit_reached:
    'You have reached the maximum number of passkeys. Delete one you no longer use first.',
  last_credential:
    'This is your only passkey, so deleting it would lock you out. Add another passkey or create recovery codes first.',
  recovery_session_limited:
    'You signed in with a recovery code, which only allows adding a passkey and creating recovery codes. Sign in with a passkey to do this.',
  no_passkey: 'Your account has no passkey to confirm it is you.',
  not_found:
    'That item no longer exists: it may have been removed in another window. The list is up to date now.',
  invalid_request: 'That did not work: please check what you entered.',
  reauthentication_required: 'Confirming it is you did not go through. Please try again.',
  user_verification_required:
    'Your device has to confirm it is you (PIN, fingerprint or face) to use this passkey.',
  network: 'Cannot reach the server. Check your connection and try again.',
  rate_limited: 'Too many attempts. Please wait a minute and try again.',
  challenge_expired: 'That took too long and the request expired. Please try again.',
  challenge_not_found: 'The request expired or was already used. Please try again.',
  challenge_used: 'The request expired or was already used. Please try again.',
  credential_not_found: 'This passkey is not registered for your account. Use another one.',
  server_error: 'Something went wrong on our side. Please try again in a moment.',
  database_unavailable: 'The service is briefly unavailable. Please try again in a moment.',
};
const VERIFICATION_FAILED =
  'Your passkey could not be verified, so nothing changed. Please try again.';
const FALLBACK = 'Something went wrong. Please try again.';

function messageFor(error: unknown, action: Action): string {
  if (!isPasskiError(error)) {
    console.error(error);
    return FALLBACK;
  }
  switch (error.code) {
    case 'cancelled':
      // One browser error for "cancelled", "timed out" and "no passkey here" (privacy).
      return action === 'add'
        ? 'Adding the passkey was cancelled or timed out, so nothing changed.'
        : 'The passkey request was cancelled or timed out, or this device has no passkey for this account. Nothing changed.';
    case 'invalid_request':
      return action === 'rename'
        ? 'A passkey name is 1 to 64 characters long.'
        : (MESSAGES.invalid_request ?? FALLBACK);
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

// ---------------------------------------------------------------------------------------------
// Start

ui.addPasskey.addEventListener('click', () => void addNow());
ui.revokeOthers.addEventListener('click', () => void revokeOthersNow());
ui.createCodes.addEventListener('click', () => void createCodesNow());
ui.recoverySignIn.addEventListener('click', () => void finishRecoveryNow());
ui.signOut.addEventListener('click', () => void signOutNow());

void initialise();

async function initialise(): Promise<void> {
  if (!isPasskeySupported()) {
    ui.addPasskey.hidden = true;
    setStatus(MESSAGES.not_supported ?? FALLBACK, 'error');
  }
  let auth: AuthResult | null;
  try {
    auth = await getSession();
  } catch (error) {
    ui.loading.hidden = true;
    setStatus(messageFor(error, 'load'), 'error');
    return;
  }
  if (auth === null) {
    ui.loading.hidden = true;
    ui.signedOutView.hidden = false;
    ui.main.removeAttribute('aria-busy');
    return;
  }
  showAccount(auth, { focus: false });
  try {
    await refresh();
  } catch (error) {
    await fail(error, 'load');
  }
}
