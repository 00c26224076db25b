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
  {
    // Call records (see cdr-row.ts for what each column means). Times are ms since the epoch.
    version: 2,
    sql: `
      CREATE TABLE cdrs (
        id             INTEGER PRIMARY KEY,
        call_id        TEXT NOT NULL UNIQUE,
        a_leg_call_id  TEXT,
        b_leg_call_id  TEXT,
        from_uri       TEXT NOT NULL,
        from_ext       TEXT,
        to_uri         TEXT NOT NULL,
        to_ext         TEXT,
        direction      TEXT NOT NULL CHECK (direction IN ('internal', 'inbound', 'outbound')),
        started_at     INTEGER NOT NULL,
        answered_at    INTEGER,
        ended_at       INTEGER NOT NULL,
        duration_ms    INTEGER NOT NULL,
        billable_s     INTEGER NOT NULL,
        disposition    TEXT NOT NULL CHECK (disposition IN ('answered', 'busy', 'no_answer', 'failed', 'cancelled', 'crashed')),
        hangup_cause   TEXT,
        hangup_side    TEXT NOT NULL CHECK (hangup_side IN ('caller', 'callee', 'system')),
        media          TEXT,
        created_at     INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX cdrs_by_start ON cdrs(started_at);
      -- Calls up right now; what is left here at start was cut off by a crash.
      CREATE TABLE active_calls (
        call_id        TEXT PRIMARY KEY,
        a_leg_call_id  TEXT,
        b_leg_call_id  TEXT,
        from_uri       TEXT NOT NULL,
        from_ext       TEXT,
        to_uri         TEXT NOT NULL,
        to_ext         TEXT,
        direction      TEXT NOT NULL CHECK (direction IN ('internal', 'inbound', 'outbound')),
        started_at     INTEGER NOT NULL,
        answered_at    INTEGER,
        updated_at     INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
];
