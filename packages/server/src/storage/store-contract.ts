import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CredentialRecord, UniqueViolation, type UserRecord } from './records.js';
import { sampleCredential, sampleUser } from './sample-records.js';
import type { Store } from './store.js';

/**
 * The storage contract, run against every implementation (SQLite now; PostgreSQL and PGlite run
 * the same suite). Every rule the ceremonies rely on is pinned here, races included.
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<{ store: Store; cleanup(): Promise<void> }>,
): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => cleanup());

    let n = 0;
    const newUser = (): UserRecord => sampleUser();
    const newCredential = (userId: string, signCount = 0): CredentialRecord =>
      sampleCredential(userId, { signCount });

    it('stores and finds users; usernames and user handles are unique', async () => {
      const user = newUser();
      await store.users.create(user);
      expect(await store.users.findById(user.id)).toEqual(user);
      expect(await store.users.findByUsername(user.username)).toEqual(user);
      expect(await store.users.findByUsername('missing')).toBeNull();
      await expect(
        store.users.create({ ...newUser(), username: user.username }),
      ).rejects.toMatchObject({ field: 'username' });
      await expect(
        store.users.create({ ...newUser(), userHandle: user.userHandle }),
      ).rejects.toMatchObject({ field: 'user_handle' });
    });

    it('stores credentials as bytes and never registers one ID twice', async () => {
      const user = newUser();
      await store.users.create(user);
      const credential = newCredential(user.id);
      await store.credentials.create(credential);
      expect(await store.credentials.findById(credential.id)).toEqual(credential);
      expect(await store.credentials.listByUser(user.id)).toEqual([credential]);
      const other = newUser();
      await store.users.create(other);
      const err = await store.credentials
        .create({ ...newCredential(other.id), id: credential.id })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UniqueViolation);
      expect((err as UniqueViolation).field).toBe('credential_id');
      expect((await store.credentials.findById(credential.id))?.userId).toBe(user.id);
    });

    it('reads a credential with its owner, both whole, and nothing for an unknown ID', async () => {
      const user = sampleUser({
        externalId: `ext-${randomBytes(6).toString('hex')}`,
        publicMetadata: { plan: 'pro' },
        privateMetadata: { note: 'vip' },
      });
      await store.users.create(user);
      const credential = newCredential(user.id, 7);
      await store.credentials.create(credential);
      // A second user and passkey, so a join on the wrong column could not pass by luck.
      const other = newUser();
      await store.users.create(other);
      await store.credentials.create(newCredential(other.id));
      expect(await store.credentials.findWithOwner(credential.id)).toEqual({
        credential,
        owner: user,
      });
      await store.users.update(user.id, { disabledAt: 9_000 });
      expect((await store.credentials.findWithOwner(credential.id))?.owner.disabledAt).toBe(9_000);
      expect(await store.credentials.findWithOwner(new Uint8Array(32).fill(7))).toBeNull();
    });

    it.each([
      [0, 0, true, 0],
      [10, 11, true, 11],
      [10, 25, true, 25],
      [10, 10, false, 10],
      [10, 5, false, 10],
      [10, 0, false, 10],
      [0, 5, true, 5],
      // Counters are 32-bit unsigned (WebAuthn §6.1): past 2^31 as well.
      [2 ** 31 - 1, 2 ** 31, true, 2 ** 31],
      [2 ** 31, 2 ** 32 - 1, true, 2 ** 32 - 1],
      [2 ** 32 - 1, 2 ** 32 - 1, false, 2 ** 32 - 1],
      [2 ** 32 - 1, 0, false, 2 ** 32 - 1],
    ])(
      'counter rule: stored %d, new %d → accepted %s, stored %d',
      async (stored, next, accepted, after) => {
        const user = newUser();
        await store.users.create(user);
        const credential = newCredential(user.id, stored);
        await store.credentials.create(credential);
        expect(
          await store.credentials.recordUse({
            id: credential.id,
            signCount: next,
            backedUp: false,
            at: 5_000,
          }),
        ).toBe(accepted);
        const row = await store.credentials.findById(credential.id);
        expect(row?.signCount).toBe(after);
        expect(row?.lastUsedAt).toBe(accepted ? 5_000 : null);
        expect(row?.backedUp).toBe(!accepted);
      },
    );

    it('consumes a challenge exactly once, even under concurrency', async () => {
      const nonce = new Uint8Array(randomBytes(32));
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.challenges.consume(nonce, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.challenges.consume(nonce, 10_000)).toBe(false);
    });

    it('purges expired challenges and sessions only', async () => {
      const before = await store.challenges.count();
      await store.challenges.consume(new Uint8Array(randomBytes(32)), 100);
      await store.challenges.consume(new Uint8Array(randomBytes(32)), 1_000_000_000_000_000);
      expect(await store.challenges.count()).toBe(before + 2);
      expect(await store.challenges.deleteExpired(1_000)).toBeGreaterThanOrEqual(1);
      expect(await store.challenges.count()).toBeLessThanOrEqual(before + 1);
    });

    it('finds live sessions by token hash with their user, and not expired ones', async () => {
      const user = newUser();
      await store.users.create(user);
      const credential = newCredential(user.id);
      await store.credentials.create(credential);
      const tokenHash = new Uint8Array(randomBytes(32));
      const session = {
        id: `s-${randomBytes(6).toString('hex')}`,
        userId: user.id,
        tokenHash,
        credentialId: credential.id,
        createdAt: 1_000,
        expiresAt: 9_000,
        lastSeenAt: 1_000,
        verifiedAt: 1_000,
        userAgent: 'test',
        kind: 'standard' as const,
      };
      await store.sessions.create(session);
      expect(await store.sessions.findByTokenHash(tokenHash, 2_000)).toEqual({ session, user });
      expect(await store.sessions.findByTokenHash(tokenHash, 9_000)).toBeNull();
      await store.sessions.touch(session.id, 3_000);
      expect((await store.sessions.findByTokenHash(tokenHash, 3_000))?.session.lastSeenAt).toBe(
        3_000,
      );
      expect(await store.sessions.deleteExpired(10_000)).toBeGreaterThanOrEqual(1);
      expect(await store.sessions.findByTokenHash(tokenHash, 2_000)).toBeNull();
    });

    it('deletes a session by token hash', async () => {
      const user = newUser();
      await store.users.create(user);
      const tokenHash = new Uint8Array(randomBytes(32));
      await store.sessions.create({
        id: `s-${n++}`,
        userId: user.id,
        tokenHash,
        credentialId: null,
        createdAt: 1,
        expiresAt: 10_000,
        lastSeenAt: 1,
        verifiedAt: 0,
        userAgent: null,
        kind: 'recovery',
      });
      expect(await store.sessions.deleteByTokenHash(tokenHash)).toBe(true);
      expect(await store.sessions.deleteByTokenHash(tokenHash)).toBe(false);
    });

    it('rolls a transaction back entirely when any step fails', async () => {
      const user = newUser();
      const nonce = new Uint8Array(randomBytes(32));
      const before = await store.users.count();
      await expect(
        store.transaction(async (tx) => {
          await tx.challenges.consume(nonce, 10_000);
          await tx.users.create(user);
          await tx.users.create({ ...newUser(), username: user.username });
        }),
      ).rejects.toBeInstanceOf(UniqueViolation);
      expect(await store.users.count()).toBe(before);
      expect(await store.challenges.consume(nonce, 10_000)).toBe(true);
    });

    it('keeps concurrent transactions apart: one failing leaves the others committed', async () => {
      const taken = newUser();
      await store.users.create(taken);
      const users = Array.from({ length: 8 }, () => newUser());
      const results = await Promise.allSettled([
        ...users.map((u) =>
          store.transaction(async (tx) => {
            await tx.users.create(u);
            await tx.credentials.create(newCredential(u.id));
          }),
        ),
        store.transaction(async (tx) => {
          const loser = newUser();
          await tx.users.create(loser);
          await tx.users.create({ ...newUser(), username: taken.username });
        }),
      ]);
      expect(results.slice(0, 8).every((r) => r.status === 'fulfilled')).toBe(true);
      expect(results[8]?.status).toBe('rejected');
      for (const u of users) expect(await store.credentials.countByUser(u.id)).toBe(1);
    });

    it('creates a named secret once, whoever asks first', async () => {
      const name = `secret-${randomBytes(4).toString('hex')}`;
      const values = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.secrets.getOrCreate(name, () => new Uint8Array(randomBytes(32)), 1),
        ),
      );
      for (const value of values) expect(value).toEqual(values[0]);
    });

    it('appends audit events and lists them newest first, filtered', async () => {
      const user = newUser();
      await store.users.create(user);
      await store.audit.record({
        at: 1,
        type: 'sign_in',
        userId: user.id,
        ip: '127.0.0.1',
        userAgent: 'ua',
      });
      await store.audit.record({
        at: 2,
        type: 'sign_in_failed',
        userId: user.id,
        detail: 'verification_failed',
      });
      const events = await store.audit.list({ limit: 10, userId: user.id });
      expect(events.map((e) => e.type)).toEqual(['sign_in_failed', 'sign_in']);
      expect(
        (await store.audit.list({ limit: 10, userId: user.id, type: 'sign_in' }))[0],
      ).toMatchObject({ ip: '127.0.0.1', userAgent: 'ua', detail: null });
    });

    it('renames and deletes only the owner’s credentials; a deleted credential ends its sessions', async () => {
      const owner = newUser();
      const other = newUser();
      await store.users.create(owner);
      await store.users.create(other);
      const credential = newCredential(owner.id);
      await store.credentials.create(credential);
      const tokenHash = new Uint8Array(randomBytes(32));
      await store.sessions.create({
        id: `s-${n++}`,
        userId: owner.id,
        tokenHash,
        credentialId: credential.id,
        createdAt: 1,
        expiresAt: 10_000,
        lastSeenAt: 1,
        verifiedAt: 1,
        userAgent: null,
        kind: 'standard',
      });
      expect(await store.credentials.rename(other.id, credential.id, 'stolen')).toBe(false);
      expect(await store.credentials.delete(other.id, credential.id)).toBe(false);
      expect(await store.credentials.rename(owner.id, credential.id, 'Laptop')).toBe(true);
      expect((await store.credentials.findById(credential.id))?.name).toBe('Laptop');
      expect(await store.credentials.countByUser(owner.id)).toBe(1);
      expect(await store.credentials.delete(owner.id, credential.id)).toBe(true);
      expect(await store.credentials.countByUser(owner.id)).toBe(0);
      expect(await store.sessions.findByTokenHash(tokenHash, 2)).toBeNull();
    });

    it('lists, ends and marks a user’s sessions, never another user’s', async () => {
      const user = newUser();
      const other = newUser();
      await store.users.create(user);
      await store.users.create(other);
      const make = async (userId: string, createdAt: number, expiresAt = 10_000) => {
        const id = `s-${n++}-${randomBytes(3).toString('hex')}`;
        await store.sessions.create({
          id,
          userId,
          tokenHash: new Uint8Array(randomBytes(32)),
          credentialId: null,
          createdAt,
          expiresAt,
          lastSeenAt: createdAt,
          verifiedAt: 0,
          userAgent: 'ua',
          kind: 'standard',
        });
        return id;
      };
      const a = await make(user.id, 1);
      const b = await make(user.id, 2);
      const c = await make(user.id, 3);
      await make(user.id, 4, 50); // expired at now=100
      const foreign = await make(other.id, 5);
      expect((await store.sessions.listByUser(user.id, 100)).map((x) => x.id)).toEqual([c, b, a]);
      expect(await store.sessions.deleteById(user.id, foreign)).toBe(false);
      expect(await store.sessions.deleteById(user.id, b)).toBe(true);
      await store.sessions.markVerified(a, 77);
      expect(
        (await store.sessions.listByUser(user.id, 100)).find((x) => x.id === a)?.verifiedAt,
      ).toBe(77);
      expect(await store.sessions.deleteOthers(user.id, a)).toBe(2);
      expect((await store.sessions.listByUser(user.id, 100)).map((x) => x.id)).toEqual([a]);
      expect((await store.sessions.listByUser(other.id, 100)).map((x) => x.id)).toEqual([foreign]);
    });

    it('replaces recovery code sets and consumes a code exactly once under concurrency', async () => {
      const user = newUser();
      await store.users.create(user);
      const code = (i: number) => ({
        id: `rc-${n}-${i}-${randomBytes(3).toString('hex')}`,
        userId: user.id,
        codeHash: new Uint8Array(randomBytes(32)),
        salt: new Uint8Array(16),
        createdAt: 1,
        usedAt: null,
      });
      const first = [code(1), code(2)];
      await store.recoveryCodes.replace(user.id, first);
      expect((await store.recoveryCodes.listUnused(user.id)).map((c) => c.id).sort()).toEqual(
        first.map((c) => c.id).sort(),
      );
      const second = [code(3), code(4), code(5)];
      await store.recoveryCodes.replace(user.id, second);
      expect((await store.recoveryCodes.listUnused(user.id)).map((c) => c.id).sort()).toEqual(
        second.map((c) => c.id).sort(),
      );
      expect(await store.recoveryCodes.consume(first[0]?.id as string, 2)).toBe(false);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.recoveryCodes.consume(second[0]?.id as string, 3)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.recoveryCodes.listUnused(user.id)).toHaveLength(2);
    });

    it('counts rate-limit hits atomically per window', async () => {
      const key = `k-${randomBytes(4).toString('hex')}`;
      const hits = await Promise.all(
        Array.from({ length: 10 }, () => store.rateLimits.hit(key, 1_000, 5_000)),
      );
      expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
      expect(hits[0]?.resetAt).toBe(6_000);
      expect((await store.rateLimits.hit(key, 1_000, 5_999)).count).toBe(11);
      // A new window starts from 1.
      expect(await store.rateLimits.hit(key, 1_000, 6_000)).toEqual({ count: 1, resetAt: 7_000 });
      expect(await store.rateLimits.deleteExpired(10_000)).toBeGreaterThanOrEqual(1);
    });

    it('serialises writers on one user with lock() inside transactions', async () => {
      const user = newUser();
      await store.users.create(user);
      await store.credentials.create(newCredential(user.id));
      await store.credentials.create(newCredential(user.id));
      // Two concurrent "delete one unless it is the last" transactions must leave one credential.
      const guardedDelete = (id: Uint8Array) =>
        store.transaction(async (tx) => {
          await tx.users.lock(user.id);
          if ((await tx.credentials.countByUser(user.id)) <= 1) return false;
          return tx.credentials.delete(user.id, id);
        });
      const ids = (await store.credentials.listByUser(user.id)).map((c) => c.id);
      const results = await Promise.all(ids.map((id) => guardedDelete(id)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.credentials.countByUser(user.id)).toBe(1);
    });

    it('updates, finds by external id, lists with a cursor and search, and deletes users with their rows', async () => {
      const user = { ...newUser(), externalId: `ext-${randomBytes(4).toString('hex')}` };
      await store.users.create(user);
      expect(await store.users.findByExternalId(user.externalId)).toEqual(user);
      const updated = await store.users.update(user.id, {
        displayName: 'New',
        publicMetadata: { plan: 'pro' },
        privateMetadata: { note: 'x' },
      });
      expect(updated).toMatchObject({
        displayName: 'New',
        publicMetadata: { plan: 'pro' },
        privateMetadata: { note: 'x' },
        username: user.username,
      });
      expect(await store.users.update('missing', { displayName: 'x' })).toBeNull();
      const clash = { ...newUser(), externalId: null as string | null };
      await store.users.create(clash);
      await expect(
        store.users.update(clash.id, { externalId: user.externalId }),
      ).rejects.toMatchObject({ field: 'external_id' });
      // Many users may have no external id.
      await store.users.create({ ...newUser(), externalId: null });

      const found = await store.users.list({ limit: 10, query: user.username.slice(0, 12) });
      expect(found.map((u) => u.id)).toContain(user.id);
      expect(
        (await store.users.list({ limit: 10, query: user.externalId })).map((u) => u.id),
      ).toEqual([user.id]);
      expect(await store.users.list({ limit: 10, query: '%' })).toEqual([]);
      const all: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await store.users.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        all.push(...page.map((u) => u.id));
        if (page.length < 2) break;
        cursor = page[page.length - 1]?.id;
      }
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(await store.users.count());

      const credential = newCredential(user.id);
      await store.credentials.create(credential);
      expect(await store.users.delete(user.id)).toBe(true);
      expect(await store.users.findById(user.id)).toBeNull();
      expect(await store.credentials.findById(credential.id)).toBeNull();
      expect(await store.users.delete(user.id)).toBe(false);
    });

    it('hides the sessions of disabled users and ends all of a user’s sessions', async () => {
      const user = newUser();
      await store.users.create(user);
      const tokenHash = new Uint8Array(randomBytes(32));
      await store.sessions.create({
        id: `s-${n++}`,
        userId: user.id,
        tokenHash,
        credentialId: null,
        createdAt: 1,
        expiresAt: 10_000,
        lastSeenAt: 1,
        verifiedAt: 1,
        userAgent: null,
        kind: 'standard',
      });
      await store.users.update(user.id, { disabledAt: 5 });
      expect(await store.sessions.findByTokenHash(tokenHash, 10)).toBeNull();
      await store.users.update(user.id, { disabledAt: null });
      expect(await store.sessions.findByTokenHash(tokenHash, 10)).not.toBeNull();
      expect(await store.sessions.deleteByUser(user.id)).toBe(1);
      expect(await store.sessions.findByTokenHash(tokenHash, 10)).toBeNull();
    });

    it('stores API keys, records use and revokes them once', async () => {
      const key = {
        id: `pk_${randomBytes(6).toString('hex')}`,
        secretHash: new Uint8Array(randomBytes(32)),
        name: 'ci',
        createdAt: 1,
        lastUsedAt: null,
        revokedAt: null,
      };
      await store.apiKeys.create(key);
      expect(await store.apiKeys.findById(key.id)).toEqual(key);
      await store.apiKeys.touch(key.id, 5);
      expect((await store.apiKeys.findById(key.id))?.lastUsedAt).toBe(5);
      expect(await store.apiKeys.revoke(key.id, 6)).toBe(true);
      expect(await store.apiKeys.revoke(key.id, 7)).toBe(false);
      expect((await store.apiKeys.findById(key.id))?.revokedAt).toBe(6);
      expect((await store.apiKeys.list()).map((k) => k.id)).toContain(key.id);
    });

    it('publishes signing keys until their retirement', async () => {
      const key = (kid: string, createdAt: number) => ({
        kid,
        alg: 'ES256' as const,
        publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
        privateKey: new Uint8Array([1, 2]),
        createdAt,
        activateAt: createdAt,
        retireAt: null,
      });
      const tag = randomBytes(4).toString('hex');
      await store.signingKeys.create(key(`old-${tag}`, 1_000));
      await store.signingKeys.create(key(`new-${tag}`, 2_000));
      const published = (await store.signingKeys.listPublished(3_000)).filter((k) =>
        k.kid.endsWith(tag),
      );
      expect(published.map((k) => k.kid)).toEqual([`new-${tag}`, `old-${tag}`]);
      expect(await store.signingKeys.retireOthers(`new-${tag}`, 4_000)).toBeGreaterThanOrEqual(1);
      expect((await store.signingKeys.listPublished(3_999)).map((k) => k.kid)).toContain(
        `old-${tag}`,
      );
      expect((await store.signingKeys.listPublished(4_000)).map((k) => k.kid)).not.toContain(
        `old-${tag}`,
      );
      expect(await store.signingKeys.deleteRetired(4_000)).toBeGreaterThanOrEqual(1);
      expect((await store.signingKeys.listPublished(5_000)).map((k) => k.kid)).toContain(
        `new-${tag}`,
      );
    });

    it('uses one-time tokens once, only for their purpose, only before they expire', async () => {
      const user = newUser();
      await store.users.create(user);
      const token = (purpose: 'sign_in' | 'enrollment' | 'sign_in_result', expiresAt = 10_000) => ({
        tokenHash: new Uint8Array(randomBytes(32)),
        purpose,
        userId: user.id,
        credentialId: null,
        userVerified: true,
        createdAt: 1,
        expiresAt,
        usedAt: null,
      });
      const signIn = token('sign_in');
      await store.oneTimeTokens.create(signIn);
      // Namespaced: a sign-in token is not an enrollment token (checklist C07).
      expect(await store.oneTimeTokens.consume(signIn.tokenHash, 'enrollment', 5)).toBeNull();
      expect(await store.oneTimeTokens.peek(signIn.tokenHash, 'sign_in', 5)).toMatchObject({
        userId: user.id,
      });
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.oneTimeTokens.consume(signIn.tokenHash, 'sign_in', 5),
        ),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(results.find((r) => r !== null)).toMatchObject({
        userId: user.id,
        userVerified: true,
        usedAt: 5,
      });
      expect(await store.oneTimeTokens.peek(signIn.tokenHash, 'sign_in', 6)).toBeNull();
      const expired = token('enrollment', 100);
      await store.oneTimeTokens.create(expired);
      expect(await store.oneTimeTokens.consume(expired.tokenHash, 'enrollment', 100)).toBeNull();
      expect(await store.oneTimeTokens.deleteExpired(100)).toBeGreaterThanOrEqual(1);
      // Ending a user's tokens leaves nobody else's.
      const enrollment = token('enrollment');
      const result = token('sign_in_result');
      await store.oneTimeTokens.create(enrollment);
      await store.oneTimeTokens.create(result);
      const other = sampleUser();
      await store.users.create(other);
      const others = { ...token('sign_in'), userId: other.id };
      await store.oneTimeTokens.create(others);
      expect(await store.oneTimeTokens.deleteByUser(user.id)).toBe(3);
      expect(await store.oneTimeTokens.peek(enrollment.tokenHash, 'enrollment', 5)).toBeNull();
      expect(await store.oneTimeTokens.peek(result.tokenHash, 'sign_in_result', 5)).toBeNull();
      expect(await store.oneTimeTokens.peek(others.tokenHash, 'sign_in', 5)).not.toBeNull();
    });

    it('escapes control characters in audit fields, pages by cursor and applies retention', async () => {
      const type = `t-${randomBytes(4).toString('hex')}`;
      await store.audit.record({
        at: 10,
        type,
        userAgent: 'evil\r\nFAKE LINE\u001b[31m',
        detail: 'a\u0000b',
      });
      await store.audit.record({ at: 20, type });
      await store.audit.record({ at: 30, type });
      const [newest, middle, oldest] = await store.audit.list({ limit: 10, type });
      expect(oldest?.userAgent).toBe('evil\\u000d\\u000aFAKE LINE\\u001b[31m');
      expect(oldest?.detail).toBe('a\\u0000b');
      const page = await store.audit.list({ limit: 10, type, before: middle?.id as number });
      expect(page.map((e) => e.id)).toEqual([oldest?.id]);
      expect((await store.audit.list({ limit: 10, type, since: 20 })).map((e) => e.id)).toEqual([
        newest?.id,
        middle?.id,
      ]);
      expect(await store.audit.deleteBefore(25)).toBeGreaterThanOrEqual(2);
      expect((await store.audit.list({ limit: 10, type })).map((e) => e.id)).toEqual([newest?.id]);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
