import type { Migration } from '../migrate.js';

/**
 * SQLite schema, one entry per version; never edit an applied entry, add a new one.
 * STRICT tables; bytes as BLOB; times as integer epoch milliseconds.
 */
export const sqliteMigrations: Migration[] = [
  {
    version: 1,
    name: 'passkey accounts',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        user_handle BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE credentials (
        id BLOB PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        public_key BLOB NOT NULL,
        algorithm INTEGER NOT NULL,
        sign_count INTEGER NOT NULL,
        transports TEXT NOT NULL,
        device_type TEXT NOT NULL,
        backup_eligible INTEGER NOT NULL,
        backed_up INTEGER NOT NULL,
        uv_initialized INTEGER NOT NULL,
        aaguid TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX credentials_user_id ON credentials(user_id);

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token_hash BLOB NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        credential_id BLOB REFERENCES credentials(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        verified_at INTEGER NOT NULL,
        user_agent TEXT
      ) STRICT;
      CREATE INDEX sessions_user_id ON sessions(user_id);
      CREATE INDEX sessions_credential_id ON sessions(credential_id);
      CREATE INDEX sessions_expires_at ON sessions(expires_at);

      CREATE TABLE used_challenges (
        nonce BLOB PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX used_challenges_expires_at ON used_challenges(expires_at);

      CREATE TABLE server_secrets (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        user_id TEXT,
        credential_id BLOB,
        ip TEXT,
        user_agent TEXT,
        detail TEXT
      ) STRICT;
      CREATE INDEX audit_events_at ON audit_events(at);
    `,
  },
  {
    version: 2,
    name: 'passkey lifecycle: recovery codes, recovery sessions, rate limits',
    sql: `
      ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'standard';

      CREATE TABLE recovery_codes (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash BLOB NOT NULL,
        salt BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT;
      CREATE INDEX recovery_codes_user_id ON recovery_codes(user_id);

      CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        window_start INTEGER NOT NULL,
        count INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'integration: user state and metadata, API keys, signing keys, one-time tokens',
    sql: `
      ALTER TABLE users ADD COLUMN external_id TEXT;
      ALTER TABLE users ADD COLUMN disabled_at INTEGER;
      ALTER TABLE users ADD COLUMN public_metadata TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE users ADD COLUMN private_metadata TEXT NOT NULL DEFAULT '{}';
      CREATE UNIQUE INDEX users_external_id_key ON users(external_id);

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        secret_hash BLOB NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      ) STRICT;

      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        private_key BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        retire_at INTEGER
      ) STRICT;

      CREATE TABLE one_time_tokens (
        token_hash BLOB PRIMARY KEY,
        purpose TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        credential_id BLOB,
        user_verified INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX one_time_tokens_expires_at ON one_time_tokens(expires_at);
      CREATE INDEX one_time_tokens_user_id ON one_time_tokens(user_id);
    `,
  },
  {
    version: 4,
    name: 'signing keys activate after a delay',
    sql: `
      ALTER TABLE signing_keys ADD COLUMN activate_at INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
