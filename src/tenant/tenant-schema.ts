import type { Migration } from './migrations.js';

/**
 * Schema of `<dataDir>/tenants/<id>/tenant.sqlite`. Passwords are never stored:
 * only HA1 digests for the realm they were computed with.
 */
export const TENANT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE extensions (
        ext           TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        max_contacts  INTEGER,
        ha1_md5       TEXT NOT NULL,
        ha1_sha256    TEXT NOT NULL,
        realm         TEXT NOT NULL,
        updated_at    INTEGER NOT NULL
      ) STRICT;
      -- Rows of one AOR sit together (clustered by aor) and keep the order the registrar gave.
      CREATE TABLE bindings (
        aor            TEXT NOT NULL REFERENCES extensions(ext) ON DELETE CASCADE,
        pos            INTEGER NOT NULL,
        contact        TEXT NOT NULL,
        instance       TEXT,
        reg_id         INTEGER,
        call_id        TEXT NOT NULL,
        cseq           INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL,
        q              REAL,
        protocol       TEXT NOT NULL,
        address        TEXT NOT NULL,
        port           INTEGER NOT NULL,
        connection_id  TEXT,
        local_address  TEXT NOT NULL,
        local_port     INTEGER NOT NULL,
        path           TEXT,
        user_agent     TEXT,
        updated_at     INTEGER NOT NULL,
        PRIMARY KEY (aor, pos)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX bindings_by_expiry ON bindings(expires_at);
      CREATE TABLE settings (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
      ) STRICT;
    `,
  },
];
