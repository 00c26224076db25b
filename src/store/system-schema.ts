import type { Migration } from './migrations.js';

/** Schema of `<dataDir>/system.sqlite`: the provider layer. */
export const SYSTEM_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE tenants (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        limits      TEXT NOT NULL DEFAULT '{}',
        config_rev  INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE domains (
        domain     TEXT PRIMARY KEY,
        tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX domains_by_tenant ON domains(tenant_id, position);
    `,
  },
  {
    // Issue 4: the DID inventory. A number belongs to one tenant at most (the primary key).
    // Provider trunks are not stored: they come from pbx.yaml at run time.
    version: 2,
    sql: `
      CREATE TABLE dids (
        number     TEXT PRIMARY KEY,
        tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX dids_by_tenant ON dids(tenant_id, position);
    `,
  },
  {
    // Issue 5: the tenant lifecycle (suspended, deleted with a grace period, who manages
    // it, feature flags) and the API tokens. The tenants table is rebuilt because SQLite
    // cannot alter a CHECK; domains and dids keep referring to it by name.
    version: 3,
    rebuildsTables: true,
    sql: `
      CREATE TABLE tenants_v3 (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'disabled', 'deleted')),
        limits        TEXT NOT NULL DEFAULT '{}',
        features      TEXT NOT NULL DEFAULT '{}',
        managed_by    TEXT NOT NULL DEFAULT 'file' CHECK (managed_by IN ('file', 'api')),
        delete_after  INTEGER,
        config_rev    INTEGER NOT NULL DEFAULT 0,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      ) STRICT;
      INSERT INTO tenants_v3 (id, name, status, limits, managed_by, config_rev, created_at, updated_at)
        SELECT id, name, status, limits, 'file', config_rev, created_at, updated_at FROM tenants;
      DROP TABLE tenants;
      ALTER TABLE tenants_v3 RENAME TO tenants;
      CREATE INDEX tenants_by_status ON tenants(status);

      CREATE TABLE api_tokens (
        id            TEXT PRIMARY KEY,
        hash          BLOB NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('provider', 'tenant-admin', 'user')),
        tenant_id     TEXT REFERENCES tenants(id) ON DELETE CASCADE,
        ext           TEXT,
        label         TEXT NOT NULL DEFAULT '',
        created_at    INTEGER NOT NULL,
        created_by    TEXT NOT NULL,
        revoked_at    INTEGER,
        last_used_at  INTEGER,
        CHECK ((role = 'provider') = (tenant_id IS NULL)),
        CHECK ((role = 'user') = (ext IS NOT NULL))
      ) STRICT;
      CREATE INDEX api_tokens_by_tenant ON api_tokens(tenant_id);
    `,
  },
  {
    // Issue 13 (10,000 tenants): what the last apply of each tenant file saw, so that a start
    // or a SIGHUP re-applies only the files that changed (tenant-file-index.ts), and each
    // tenant's own trunks, so that the trunk index is built without opening every tenant's
    // SQLite file (tenant-trunk-table.ts). Both are caches: a missing or stale row costs a
    // re-apply or one store read, never a wrong answer.
    version: 4,
    sql: `
      CREATE TABLE tenant_files (
        tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        file        TEXT NOT NULL,
        stamp       TEXT NOT NULL,
        hash        TEXT NOT NULL,
        env_names   TEXT NOT NULL DEFAULT '[]',
        config_rev  INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE tenant_trunks (
        tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        config_rev  INTEGER NOT NULL,
        trunks      TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // Issue 14: console sessions survive a restart. The key is the SHA-256 of the cookie value
    // (the cookie itself is never stored); a tenant's sessions go with its row.
    version: 5,
    sql: `
      CREATE TABLE console_sessions (
        key            TEXT PRIMARY KEY,
        token_id       TEXT NOT NULL UNIQUE,
        role           TEXT NOT NULL CHECK (role IN ('provider', 'tenant-admin', 'user')),
        tenant_id      TEXT REFERENCES tenants(id) ON DELETE CASCADE,
        ext            TEXT,
        username       TEXT NOT NULL,
        password_hash  TEXT NOT NULL,
        csrf_token     TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        last_seen_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX console_sessions_by_last_seen ON console_sessions(last_seen_at);
    `,
  },
];
