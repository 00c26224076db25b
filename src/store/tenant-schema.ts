import type { Migration } from './migrations.js';

/** The destination kinds of migration 7 as an SQL list (a released step never changes: written out, not derived). */
const DEST_TYPES = "'extension', 'ringGroup', 'voicemail', 'ivr', 'timeCondition', 'conference', 'number', 'play', 'hangup'";
/** The destination kinds with call queues (issue 12), for the queue step. */
const DEST_TYPES_QUEUE = "'extension', 'ringGroup', 'voicemail', 'ivr', 'timeCondition', 'conference', 'number', 'play', 'queue', 'hangup'";

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
  {
    // Issue 4: classes of service, caller IDs, trunks, DIDs, ring groups, routes; trunk data on call records.
    // tenant.sqlite now holds trunk credentials IN CLEAR (they answer the carrier's 401/407,
    // so a digest cannot replace them): this file is as sensitive as the tenant's YAML.
    // Lists keep their declared order in \`position\`; numbering (country_code,
    // national_prefix, caller_id) lives in settings.
    version: 3,
    sql: `
      ALTER TABLE extensions ADD COLUMN class_of_service TEXT NOT NULL DEFAULT 'national'
        CHECK (class_of_service IN ('internal', 'local', 'national', 'international', 'premium'));
      ALTER TABLE extensions ADD COLUMN caller_id TEXT;
      -- The tenant's own copy of its DIDs; system.sqlite keeps the inventory that says who owns which.
      CREATE TABLE dids (
        number    TEXT PRIMARY KEY,
        position  INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE trunks (
        name              TEXT PRIMARY KEY,
        position          INTEGER NOT NULL,
        kind              TEXT NOT NULL CHECK (kind IN ('register', 'ip')),
        host              TEXT NOT NULL,
        port              INTEGER NOT NULL,
        transport         TEXT NOT NULL CHECK (transport IN ('udp', 'tcp', 'tls')),
        proxy_host        TEXT,
        proxy_port        INTEGER,
        username          TEXT,
        password          TEXT,
        auth_username     TEXT,
        domain            TEXT,
        register_expires  INTEGER NOT NULL,
        allowed_sources   TEXT NOT NULL,  -- JSON array of strings
        codecs            TEXT,           -- JSON array of strings; NULL = every codec
        max_channels      INTEGER,
        updated_at        INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE ring_groups (
        name             TEXT PRIMARY KEY,
        position         INTEGER NOT NULL,
        strategy         TEXT NOT NULL CHECK (strategy IN ('simultaneous', 'sequential')),
        ring_seconds     INTEGER NOT NULL,
        fallback_type    TEXT CHECK (fallback_type IN ('extension', 'ringGroup', 'hangup')),
        fallback_target  TEXT,
        updated_at       INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE ring_group_members (
        ring_group  TEXT NOT NULL REFERENCES ring_groups(name) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        ext         TEXT NOT NULL REFERENCES extensions(ext) ON DELETE CASCADE,
        PRIMARY KEY (ring_group, position),
        UNIQUE (ring_group, ext)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX ring_group_members_by_ext ON ring_group_members(ext);
      CREATE TABLE inbound_routes (
        did          TEXT PRIMARY KEY,  -- E.164, or '*' for any DID without a route of its own
        position     INTEGER NOT NULL,
        dest_type    TEXT NOT NULL CHECK (dest_type IN ('extension', 'ringGroup', 'hangup')),
        dest_target  TEXT,
        updated_at   INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE outbound_routes (
        name        TEXT PRIMARY KEY,
        position    INTEGER NOT NULL,
        strip       INTEGER NOT NULL DEFAULT 0,
        prepend     TEXT NOT NULL DEFAULT '',
        updated_at  INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE outbound_route_patterns (
        route     TEXT NOT NULL REFERENCES outbound_routes(name) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        pattern   TEXT NOT NULL,
        PRIMARY KEY (route, position)
      ) STRICT, WITHOUT ROWID;
      -- Trunk names are not foreign keys: a route may name a provider trunk of pbx.yaml.
      CREATE TABLE outbound_route_trunks (
        route     TEXT NOT NULL REFERENCES outbound_routes(name) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        trunk     TEXT NOT NULL,
        PRIMARY KEY (route, position)
      ) STRICT, WITHOUT ROWID;
      ALTER TABLE cdrs ADD COLUMN trunk TEXT;
      ALTER TABLE cdrs ADD COLUMN did TEXT;
      ALTER TABLE cdrs ADD COLUMN from_number TEXT;
      ALTER TABLE cdrs ADD COLUMN to_number TEXT;
      -- The daily outbound minutes cap sums billable_s of outbound records by start time
      -- (outboundSecondsSince); covering, so the sum never reads the table.
      CREATE INDEX cdrs_outbound_by_start ON cdrs(started_at, billable_s) WHERE direction = 'outbound';
      ALTER TABLE active_calls ADD COLUMN trunk TEXT;
      ALTER TABLE active_calls ADD COLUMN did TEXT;
      ALTER TABLE active_calls ADD COLUMN from_number TEXT;
      ALTER TABLE active_calls ADD COLUMN to_number TEXT;
    `,
  },
  {
    // Issue 5: who changed what, and when (audit-table.ts). Written in the same transaction
    // as the change it records; never holds a password. details is JSON or NULL.
    version: 4,
    sql: `
      CREATE TABLE audit (
        id       INTEGER PRIMARY KEY,
        at       INTEGER NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        target   TEXT NOT NULL,
        details  TEXT
      ) STRICT;
      CREATE INDEX audit_by_at ON audit(at);
      -- CDR filters of the admin API: by extension (either side) and newest first.
      CREATE INDEX cdrs_by_from_ext ON cdrs(from_ext, started_at) WHERE from_ext IS NOT NULL;
      CREATE INDEX cdrs_by_to_ext ON cdrs(to_ext, started_at) WHERE to_ext IS NOT NULL;
    `,
  },
  {
    // Issue 9: the digest algorithms an extension's answers may use, 'SHA-256,MD5'
    // (auth-algorithms.ts); NULL: any its tenant offers. The tenant's own list is the
    // settings row auth_algorithms.
    version: 5,
    sql: `
      ALTER TABLE extensions ADD COLUMN auth_algorithms TEXT;
    `,
  },
  {
    // Issue 10 item 8: call recordings (recording-table.ts), the call record's link to its
    // first one, and the per-extension recording policy ('never' | 'always' | 'on-demand';
    // NULL: the tenant's, settings row 'recording').
    version: 6,
    sql: `
      CREATE TABLE recordings (
        id          TEXT PRIMARY KEY,
        call_id     TEXT NOT NULL,
        from_ext    TEXT,
        to_ext      TEXT,
        started_at  INTEGER NOT NULL,
        ended_at    INTEGER,
        duration_ms INTEGER NOT NULL DEFAULT 0,
        bytes       INTEGER NOT NULL DEFAULT 0,
        sample_rate INTEGER NOT NULL,
        channels    INTEGER NOT NULL,
        status      TEXT NOT NULL,
        reason      TEXT,
        file        TEXT NOT NULL
      ) STRICT;
      CREATE INDEX recordings_by_start ON recordings(started_at, id);
      CREATE INDEX recordings_by_call ON recordings(call_id);
      ALTER TABLE cdrs ADD COLUMN recording_id TEXT;
      ALTER TABLE extensions ADD COLUMN recording TEXT;
    `,
  },
  {
    // Issue 11: voicemail boxes (one per extension, or shared) and the index of their
    // messages (voicemail-table.ts). A box's settings come from the tenant file (apply) or
    // the box itself (PIN change from the phone); pin_hash is scrypt (voicemail-pin.ts), never
    // the PIN. A message row is written as 'recording' before its file is, so a crash leaves
    // a row that the start-up scan finishes from the WAV header (or removes when empty).
    // Messages have no foreign key to their box: a box removed from the tenant file keeps
    // its messages (nothing existing is lost).
    version: 7,
    sql: `
      CREATE TABLE voicemail_boxes (
        box            TEXT PRIMARY KEY,
        owner_ext      TEXT,
        name           TEXT,
        pin_hash       TEXT,
        email          TEXT,
        enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        max_messages   INTEGER,
        max_seconds    INTEGER,
        allow_no_pin   INTEGER NOT NULL DEFAULT 0 CHECK (allow_no_pin IN (0, 1)),
        mwi            TEXT,
        members        TEXT,
        operator       TEXT
      ) STRICT;
      CREATE TABLE voicemail_messages (
        id             TEXT PRIMARY KEY,
        box            TEXT NOT NULL,
        caller_number  TEXT,
        caller_name    TEXT,
        received_at    INTEGER NOT NULL,
        duration_ms    INTEGER NOT NULL DEFAULT 0,
        folder         TEXT NOT NULL CHECK (folder IN ('recording', 'new', 'old')),
        bytes          INTEGER NOT NULL DEFAULT 0,
        file           TEXT NOT NULL
      ) STRICT;
      CREATE INDEX voicemail_messages_by_box ON voicemail_messages(box, folder, received_at, id);
    `,
  },
  {
    // Issue 11: every kind of destination (destination.ts) in ring-group fallbacks and inbound
    // routes (SQLite cannot alter a CHECK: both tables are rebuilt, sqlite.org/lang_altertable.html
    // §7), and each extension's forwards and do-not-disturb (call-handling-table.ts). `declared`
    // is the JSON of what the tenant YAML last said for the extension: apply overwrites the
    // live settings only when that changes, so a forward set from a phone survives restarts.
    version: 8,
    rebuildsTables: true,
    sql: `
      CREATE TABLE ring_groups_new (
        name             TEXT PRIMARY KEY,
        position         INTEGER NOT NULL,
        strategy         TEXT NOT NULL CHECK (strategy IN ('simultaneous', 'sequential')),
        ring_seconds     INTEGER NOT NULL,
        fallback_type    TEXT CHECK (fallback_type IN (${DEST_TYPES})),
        fallback_target  TEXT,
        updated_at       INTEGER NOT NULL
      ) STRICT;
      INSERT INTO ring_groups_new SELECT name, position, strategy, ring_seconds, fallback_type, fallback_target, updated_at FROM ring_groups;
      DROP TABLE ring_groups;
      ALTER TABLE ring_groups_new RENAME TO ring_groups;
      CREATE TABLE inbound_routes_new (
        did          TEXT PRIMARY KEY,
        position     INTEGER NOT NULL,
        dest_type    TEXT NOT NULL CHECK (dest_type IN (${DEST_TYPES})),
        dest_target  TEXT,
        updated_at   INTEGER NOT NULL
      ) STRICT;
      INSERT INTO inbound_routes_new SELECT did, position, dest_type, dest_target, updated_at FROM inbound_routes;
      DROP TABLE inbound_routes;
      ALTER TABLE inbound_routes_new RENAME TO inbound_routes;
      CREATE TABLE call_handling (
        ext                 TEXT PRIMARY KEY REFERENCES extensions(ext) ON DELETE CASCADE,
        dnd                 INTEGER NOT NULL DEFAULT 0 CHECK (dnd IN (0, 1)),
        always_type         TEXT CHECK (always_type IN (${DEST_TYPES})),
        always_target       TEXT,
        busy_type           TEXT CHECK (busy_type IN (${DEST_TYPES})),
        busy_target         TEXT,
        noanswer_type       TEXT CHECK (noanswer_type IN (${DEST_TYPES})),
        noanswer_target     TEXT,
        noanswer_after      INTEGER,
        unavailable_type    TEXT CHECK (unavailable_type IN (${DEST_TYPES})),
        unavailable_target  TEXT,
        declared            TEXT,
        updated_at          INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // Issue 12: call queues are a destination too ({ queue: sales }) in ring-group fallbacks,
    // inbound routes and forwards. SQLite cannot alter a CHECK: the three tables are rebuilt
    // (sqlite.org/lang_altertable.html §7), their rows kept.
    version: 9,
    rebuildsTables: true,
    sql: `
      CREATE TABLE ring_groups_new (
        name             TEXT PRIMARY KEY,
        position         INTEGER NOT NULL,
        strategy         TEXT NOT NULL CHECK (strategy IN ('simultaneous', 'sequential')),
        ring_seconds     INTEGER NOT NULL,
        fallback_type    TEXT CHECK (fallback_type IN (${DEST_TYPES_QUEUE})),
        fallback_target  TEXT,
        updated_at       INTEGER NOT NULL
      ) STRICT;
      INSERT INTO ring_groups_new SELECT name, position, strategy, ring_seconds, fallback_type, fallback_target, updated_at FROM ring_groups;
      DROP TABLE ring_groups;
      ALTER TABLE ring_groups_new RENAME TO ring_groups;
      CREATE TABLE inbound_routes_new (
        did          TEXT PRIMARY KEY,
        position     INTEGER NOT NULL,
        dest_type    TEXT NOT NULL CHECK (dest_type IN (${DEST_TYPES_QUEUE})),
        dest_target  TEXT,
        updated_at   INTEGER NOT NULL
      ) STRICT;
      INSERT INTO inbound_routes_new SELECT did, position, dest_type, dest_target, updated_at FROM inbound_routes;
      DROP TABLE inbound_routes;
      ALTER TABLE inbound_routes_new RENAME TO inbound_routes;
      CREATE TABLE call_handling_new (
        ext                 TEXT PRIMARY KEY REFERENCES extensions(ext) ON DELETE CASCADE,
        dnd                 INTEGER NOT NULL DEFAULT 0 CHECK (dnd IN (0, 1)),
        always_type         TEXT CHECK (always_type IN (${DEST_TYPES_QUEUE})),
        always_target       TEXT,
        busy_type           TEXT CHECK (busy_type IN (${DEST_TYPES_QUEUE})),
        busy_target         TEXT,
        noanswer_type       TEXT CHECK (noanswer_type IN (${DEST_TYPES_QUEUE})),
        noanswer_target     TEXT,
        noanswer_after      INTEGER,
        unavailable_type    TEXT CHECK (unavailable_type IN (${DEST_TYPES_QUEUE})),
        unavailable_target  TEXT,
        declared            TEXT,
        updated_at          INTEGER NOT NULL
      ) STRICT;
      INSERT INTO call_handling_new SELECT ext, dnd, always_type, always_target, busy_type, busy_target, noanswer_type, noanswer_target, noanswer_after, unavailable_type, unavailable_target, declared, updated_at FROM call_handling;
      DROP TABLE call_handling;
      ALTER TABLE call_handling_new RENAME TO call_handling;
    `,
  },
  {
    // Issue 14: console logins of extensions (web-login-table.ts): the web password's scrypt
    // hash (never the SIP one), what the tenant YAML last declared (so a password the user
    // changed survives re-applies of an unchanged file) and whether it is a tenant admin.
    version: 10,
    sql: `
      CREATE TABLE web_logins (
        ext            TEXT PRIMARY KEY REFERENCES extensions(ext) ON DELETE CASCADE,
        password_hash  TEXT,
        declared_hash  TEXT,
        web_admin      INTEGER NOT NULL DEFAULT 0 CHECK (web_admin IN (0, 1)),
        updated_at     INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
