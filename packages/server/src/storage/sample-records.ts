import { randomBytes } from 'node:crypto';
import type { CredentialRecord, UserRecord } from './records.js';

/**
 * Valid records with fresh random identities, for the storage contract suite, the storage tests
 * and `bench/store-micro.ts`. Not used by the server itself.
 */
export function sampleUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const tag = randomBytes(6).toString('hex');
  return {
    id: `user-${tag}`,
    username: `name-${tag}`,
    displayName: 'Name',
    userHandle: new Uint8Array(randomBytes(32)),
    createdAt: 1_000,
    externalId: null,
    disabledAt: null,
    publicMetadata: {},
    privateMetadata: {},
    ...overrides,
  };
}

export function sampleCredential(
  userId: string,
  overrides: Partial<CredentialRecord> = {},
): CredentialRecord {
  return {
    id: new Uint8Array(randomBytes(32)),
    userId,
    publicKey: new Uint8Array([1, 2, 3]),
    algorithm: -7,
    signCount: 0,
    transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice',
    backupEligible: true,
    backedUp: true,
    uvInitialized: true,
    aaguid: '00000000-0000-0000-0000-000000000000',
    name: 'Passkey',
    createdAt: 2_000,
    lastUsedAt: null,
    ...overrides,
  };
}
