import type { Config } from '../config/config.js';
import { secureRandom, systemClock } from '../core/clock.js';
import { openStore } from '../storage/open.js';
import { createKeyRing } from '../tokens/signing-keys.js';
import { apiKeyId, createApiKey } from './api-keys.js';

export const KEYS_USAGE = `Usage: passki keys <command>

  create-admin [--name NAME]   Create an admin API key; it is printed once, store it now
  list-admin                   List admin API keys (ids, names, last use, revoked)
  revoke-admin <id>            Revoke an admin API key (pk_<id> or the full key)
  rotate                       Publish a new JWT signing key; it signs 5 minutes later, and the
                               old one stays in the JWKS until every token it signed has expired
`;

/** `passki keys …`: runs against the configured database and exits. */
export async function keysCommand(
  config: Config,
  args: string[],
  name: string | undefined,
  out: (line: string) => void,
): Promise<number> {
  const { store } = await openStore(config, { migrate: config.migrateOnStart });
  const deps = { store, clock: systemClock, random: secureRandom };
  try {
    switch (args[0]) {
      case 'create-admin': {
        const { key, record } = await createApiKey(deps, name ?? 'admin');
        out(
          `Created admin API key pk_${record.id} ("${record.name}"). It is shown only now:\n\n  ${key}\n`,
        );
        out('Use it as: Authorization: Bearer <key>');
        return 0;
      }
      case 'list-admin': {
        const keys = await store.apiKeys.list();
        if (keys.length === 0)
          out('No admin API keys. Create one with `passki keys create-admin`.');
        for (const k of keys) {
          const state =
            k.revokedAt === null ? 'active' : `revoked ${new Date(k.revokedAt).toISOString()}`;
          const used =
            k.lastUsedAt === null
              ? 'never used'
              : `last used ${new Date(k.lastUsedAt).toISOString()}`;
          out(
            `pk_${k.id}  ${k.name}  created ${new Date(k.createdAt).toISOString()}  ${used}  ${state}`,
          );
        }
        return 0;
      }
      case 'revoke-admin': {
        const id = args[1] === undefined ? null : apiKeyId(args[1]);
        if (id === null || !(await store.apiKeys.revoke(id, systemClock.now()))) {
          out(`No active admin API key ${args[1] ?? '(none given)'}.`);
          return 1;
        }
        out(`Revoked pk_${id}. Requests with it now get 401.`);
        return 0;
      }
      case 'rotate': {
        const ring = createKeyRing({
          ...deps,
          tokenTtlMs: config.jwtTtlMs,
          encryptionKey: config.keyEncryptionKey,
        });
        const { kid, activeAt, retiring, retireAt } = await ring.rotate();
        out(
          `New signing key ${kid} is stored; every node publishes it in its JWKS within 30 s, and it signs from ${new Date(activeAt).toISOString()}, once verifiers' cached JWKS include it.`,
        );
        if (retiring.length > 0)
          out(
            `Retiring ${retiring.join(', ')}: published in the JWKS until ${new Date(retireAt).toISOString()}.`,
          );
        return 0;
      }
      default:
        out(KEYS_USAGE);
        return 2;
    }
  } finally {
    await store.close();
  }
}
