// The app's own accounts and sessions: a small username/password store in a JSON file, standing
// in for whatever auth provider the app already has. Passki never sees these passwords or these
// sessions; it only links a Passki user to an account here through `externalId` = the account id.
import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

export interface Account {
  id: string;
  username: string;
  /** `scrypt$<salt>$<hash>`, both base64url. */
  passwordHash: string;
  /** The Passki user created for this account when its first passkey was added. */
  passkiUserId: string | null;
  createdAt: string;
}

interface SessionRow {
  /** SHA-256 of the cookie's token: a copy of this file cannot be turned into a session. */
  tokenHash: string;
  accountId: string;
  /** How the session began: the app's password form or a Passki passkey sign-in. */
  method: 'password' | 'passkey';
  expiresAt: number;
}

interface Data {
  accounts: Account[];
  sessions: SessionRow[];
}

export interface AppSession {
  account: Account;
  method: SessionRow['method'];
  expiresAt: number;
}

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const USERNAME_RULES = '3 to 32 lower-case letters, digits, dots, underscores or hyphens';
const USERNAME = /^[a-z0-9._-]{3,32}$/;
export const MIN_PASSWORD_LENGTH = 8;

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
) => Promise<Buffer>;

/** Runtime data, not part of the build: the comment keeps Next's file tracing away from it. */
function dataFile(): string {
  return resolve(/* turbopackIgnore: true */ process.env.APP_DATA_FILE ?? 'data/accounts.json');
}

// Every read-modify-write below runs without an `await` between the read and the write, so that
// requests in this single Node process cannot interleave inside one.
function load(): Data {
  try {
    return JSON.parse(readFileSync(dataFile(), 'utf8')) as Data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { accounts: [], sessions: [] };
    throw error;
  }
}

function save(data: Data): void {
  const file = dataFile();
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(data, null, 2), { mode: 0o600 });
  renameSync(temporary, file);
}

export function normaliseUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export function isValidUsername(username: string): boolean {
  return USERNAME.test(username);
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

// Compared against when the username is unknown, so that the answer takes as long either way.
const DUMMY_HASH = `scrypt$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(actual, expected);
}

/** Creates an account, or returns null when the username is taken. */
export async function createAccount(username: string, password: string): Promise<Account | null> {
  const passwordHash = await hashPassword(password);
  const data = load();
  if (data.accounts.some((account) => account.username === username)) return null;
  const account: Account = {
    id: randomUUID(),
    username,
    passwordHash,
    passkiUserId: null,
    createdAt: new Date().toISOString(),
  };
  data.accounts.push(account);
  save(data);
  return account;
}

/** The account when the password is right, else null (same work for an unknown username). */
export async function checkPassword(username: string, password: string): Promise<Account | null> {
  const account = load().accounts.find((candidate) => candidate.username === username);
  const matches = await passwordMatches(password, account?.passwordHash ?? DUMMY_HASH);
  return matches && account !== undefined ? account : null;
}

export function findAccount(id: string): Account | null {
  return load().accounts.find((account) => account.id === id) ?? null;
}

export function linkPasskiUser(accountId: string, passkiUserId: string): void {
  const data = load();
  const account = data.accounts.find((candidate) => candidate.id === accountId);
  if (account === undefined) throw new Error(`No account ${accountId}`);
  account.passkiUserId = passkiUserId;
  save(data);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Starts a session and returns the token for the cookie (256 random bits). */
export function createSession(accountId: string, method: SessionRow['method']): string {
  const token = randomBytes(32).toString('base64url');
  const now = Date.now();
  const data = load();
  // Expired rows are dropped on the way.
  data.sessions = data.sessions.filter((session) => session.expiresAt > now);
  data.sessions.push({
    tokenHash: hashToken(token),
    accountId,
    method,
    expiresAt: now + SESSION_TTL_MS,
  });
  save(data);
  return token;
}

export function readSession(token: string | undefined): AppSession | null {
  if (token === undefined || token === '') return null;
  const data = load();
  const tokenHash = hashToken(token);
  const row = data.sessions.find((session) => session.tokenHash === tokenHash);
  if (row === undefined || row.expiresAt <= Date.now()) return null;
  const account = data.accounts.find((candidate) => candidate.id === row.accountId);
  return account === undefined ? null : { account, method: row.method, expiresAt: row.expiresAt };
}

export function deleteSession(token: string | undefined): void {
  if (token === undefined || token === '') return;
  const data = load();
  const tokenHash = hashToken(token);
  data.sessions = data.sessions.filter((session) => session.tokenHash !== tokenHash);
  save(data);
}
