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
];
