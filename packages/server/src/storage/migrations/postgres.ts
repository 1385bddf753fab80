import type { Migration } from '../migrate.js';

/**
 * PostgreSQL schema, one entry per version; never edit an applied entry, add a new one.
 * Same shape as SQLite's: bytes as BYTEA, times as BIGINT epoch milliseconds, flags as SMALLINT
 * 0/1, so one set of queries serves both databases. Statements are separated by `;` at line end.
 */
export const postgresMigrations: Migration[] = [
  {
    version: 1,
    name: 'passkey accounts',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL CONSTRAINT users_username_key UNIQUE,
        display_name TEXT NOT NULL,
        user_handle BYTEA NOT NULL CONSTRAINT users_user_handle_key UNIQUE,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE credentials (
        id BYTEA CONSTRAINT credentials_pkey PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 1023),
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        public_key BYTEA NOT NULL,
        algorithm INTEGER NOT NULL,
        sign_count BIGINT NOT NULL CHECK (sign_count >= 0),
        transports TEXT NOT NULL,
        device_type TEXT NOT NULL,
        backup_eligible SMALLINT NOT NULL CHECK (backup_eligible IN (0, 1)),
        backed_up SMALLINT NOT NULL CHECK (backed_up IN (0, 1)),
        uv_initialized SMALLINT NOT NULL CHECK (uv_initialized IN (0, 1)),
        aaguid TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT
      );
      CREATE INDEX credentials_user_id ON credentials(user_id);

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token_hash BYTEA NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        credential_id BYTEA REFERENCES credentials(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        verified_at BIGINT NOT NULL,
        user_agent TEXT
      );
      CREATE INDEX sessions_user_id ON sessions(user_id);
      CREATE INDEX sessions_credential_id ON sessions(credential_id);
      CREATE INDEX sessions_expires_at ON sessions(expires_at);

      CREATE TABLE used_challenges (
        nonce BYTEA PRIMARY KEY,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX used_challenges_expires_at ON used_challenges(expires_at);

      CREATE TABLE server_secrets (
        name TEXT PRIMARY KEY,
        value BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE audit_events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        type TEXT NOT NULL,
        user_id TEXT,
        credential_id BYTEA,
        ip TEXT,
        user_agent TEXT,
        detail TEXT
      );
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
        code_hash BYTEA NOT NULL,
        salt BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE INDEX recovery_codes_user_id ON recovery_codes(user_id);

      CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        window_start BIGINT NOT NULL,
        count INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'integration: user state and metadata, API keys, signing keys, one-time tokens',
    sql: `
      ALTER TABLE users ADD COLUMN external_id TEXT;
      ALTER TABLE users ADD COLUMN disabled_at BIGINT;
      ALTER TABLE users ADD COLUMN public_metadata TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE users ADD COLUMN private_metadata TEXT NOT NULL DEFAULT '{}';
      CREATE UNIQUE INDEX users_external_id_key ON users(external_id);

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        secret_hash BYTEA NOT NULL,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT
      );

      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        private_key BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        retire_at BIGINT
      );

      CREATE TABLE one_time_tokens (
        token_hash BYTEA PRIMARY KEY,
        purpose TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        credential_id BYTEA,
        user_verified SMALLINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE INDEX one_time_tokens_expires_at ON one_time_tokens(expires_at);
      CREATE INDEX one_time_tokens_user_id ON one_time_tokens(user_id);
    `,
  },
  {
    version: 4,
    name: 'signing keys activate after a delay',
    sql: `
      ALTER TABLE signing_keys ADD COLUMN activate_at BIGINT NOT NULL DEFAULT 0;
    `,
  },
];
