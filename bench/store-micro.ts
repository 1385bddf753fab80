/**
 * The storage work of one sign-in, in process, without HTTP or crypto: look up the credential with
 * its user, then one transaction that claims the challenge, moves the counter, creates the session
 * and writes the audit row, exactly the calls `runAssertion` and `finishSignIn` make. Run at
 * concurrency 1 and 32 (where group commit batches) on a real SQLite file, every answer fsynced.
 * It prints sign-ins per second and CPU microseconds per sign-in (the process's own, fsync on the
 * thread pool included).
 *
 * Usage: node --import tsx bench/store-micro.ts [users=1000] [sign-ins per level=6000]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleCredential, sampleUser } from '../packages/server/src/storage/sample-records.js';
import { openSqliteStore } from '../packages/server/src/storage/sqlite/open.js';
import type { Store } from '../packages/server/src/storage/store.js';

const users = Number(process.argv[2] ?? 1000);
const perLevel = Number(process.argv[3] ?? 6000);
const dir = mkdtempSync(join(tmpdir(), 'passki-store-micro-'));
const { store } = openSqliteStore(join(dir, 'passki.db'));

const credentialIds: Uint8Array[] = [];
await store.transaction(async (tx) => {
  for (let i = 0; i < users; i++) {
    const user = sampleUser();
    await tx.users.create(user);
    const credential = sampleCredential(user.id);
    credentialIds.push(credential.id);
    await tx.credentials.create(credential);
  }
});

async function signIn(db: Store): Promise<void> {
  const id = credentialIds[Math.floor(Math.random() * users)] as Uint8Array;
  const found = await db.credentials.findWithOwner(id);
  if (found === null) throw new Error('seeded credential missing');
  const { owner } = found;
  const now = Date.now();
  await db.transaction(async (tx) => {
    if (!(await tx.challenges.consume(new Uint8Array(randomBytes(32)), now + 600_000)))
      throw new Error('fresh challenge refused');
    await tx.credentials.recordUse({ id, signCount: 0, backedUp: true, at: now });
    await tx.sessions.create({
      id: randomBytes(16).toString('base64url'),
      userId: owner.id,
      tokenHash: new Uint8Array(randomBytes(32)),
      credentialId: id,
      createdAt: now,
      expiresAt: now + 86_400_000,
      lastSeenAt: now,
      verifiedAt: now,
      userAgent: 'Mozilla/5.0 (store-micro)',
      kind: 'standard',
    });
    await tx.audit.record({
      at: now,
      type: 'sign_in',
      userId: owner.id,
      credentialId: id,
      ip: '127.0.0.1',
      userAgent: 'Mozilla/5.0 (store-micro)',
    });
  });
}

for (const concurrency of [1, 32, 32]) {
  let started = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < perLevel) {
        started++;
        await signIn(store);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `concurrency ${String(concurrency).padStart(2)}: ${Math.round(perLevel / seconds)} sign-ins/s, ` +
      `${((used.user + used.system) / perLevel).toFixed(0)} µs CPU per sign-in\n`,
  );
}
await store.close();
rmSync(dir, { recursive: true, force: true });
