import type Database from 'better-sqlite3';
import type { InboundRoute, OutboundRoute, RingGroup, RoutingPlan, Trunk } from '../model/routing-plan.js';
import { algorithmsToSql } from '../model/auth-algorithms.js';
import { AUTH_ALGORITHMS_SETTING, CALLER_ID_SETTING, COUNTRY_CODE_SETTING, destinationToSql, INBOUND_COS_SETTING, NATIONAL_PREFIX_SETTING, readRoutingPlan } from './routing-table.js';

/** What a sync did to one named collection; an entry that only moved in the list counts as updated. */
export interface CollectionChanges {
  added: string[];
  updated: string[];
  removed: string[];
}

export interface RoutingChanges {
  /** countryCode, nationalPrefix, the tenant callerId or its auth algorithms changed. */
  numberingChanged: boolean;
  dids: { added: string[]; removed: string[] };
  trunks: CollectionChanges;
  ringGroups: CollectionChanges;
  /** Keyed by DID ('*' included). */
  inboundRoutes: CollectionChanges;
  outboundRoutes: CollectionChanges;
}

export function routingChanged(c: RoutingChanges): boolean {
  const n = (x: CollectionChanges) => x.added.length + x.updated.length + x.removed.length;
  return c.numberingChanged || c.dids.added.length + c.dids.removed.length + n(c.trunks) + n(c.ringGroups) + n(c.inboundRoutes) + n(c.outboundRoutes) > 0;
}

/**
 * Makes the routing tables of the tenant database attached as `schema` match `want`,
 * inside the caller's transaction, after the extensions were synced (ring group
 * members refer to them). Rows are compared one by one: an unchanged entry keeps its
 * row; a changed one is updated in place (its child rows rewritten); and re-applying
 * the same plan writes nothing.
 */
export function syncRouting(db: Database.Database, schema: string, want: RoutingPlan, now: number): RoutingChanges {
  const s = schema;
  const have = readRoutingPlan(db, s);
  // Each statement is prepared once per sync: a tenant may have tens of thousands of DIDs.
  const statements = new Map<string, Database.Statement>();
  const run = (sql: string, ...params: unknown[]) => {
    let st = statements.get(sql);
    if (!st) statements.set(sql, (st = db.prepare(sql)));
    return st.run(...params);
  };

  const setSetting = (key: string, value: string | undefined) => {
    if (value === undefined) run(`DELETE FROM ${s}.settings WHERE key = ?`, key);
    else run(`INSERT INTO ${s}.settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
  };
  // Compared with what is stored, not with what readRoutingPlan defaults a missing row to.
  const stored = (key: string) => db.prepare<[string], string>(`SELECT value FROM ${s}.settings WHERE key = ?`).pluck().get(key);
  // A row that is missing but would read as the wanted value (a new tenant whose file
  // sets no numbering) is written, but is no change anyone could see: not reported.
  let numberingChanged = false;
  for (const [key, value, seen] of [
    [COUNTRY_CODE_SETTING, want.countryCode, have.countryCode],
    [NATIONAL_PREFIX_SETTING, want.nationalPrefix, have.nationalPrefix],
    [CALLER_ID_SETTING, want.callerId, have.callerId],
    [INBOUND_COS_SETTING, want.inboundCos, have.inboundCos],
    [AUTH_ALGORITHMS_SETTING, want.auth ? algorithmsToSql(want.auth.algorithms) : undefined, have.auth ? algorithmsToSql(have.auth.algorithms) : undefined],
  ] as const) {
    if (stored(key) === value) continue;
    setSetting(key, value);
    if (seen !== value) numberingChanged = true;
  }

  const didChanges = syncKeyed(have.dids, want.dids, (d) => d, {
    insert: (d, pos) => run(`INSERT INTO ${s}.dids (number, position) VALUES (?, ?)`, d, pos),
    update: (d, pos) => run(`UPDATE ${s}.dids SET position = ? WHERE number = ?`, pos, d),
    remove: (d) => run(`DELETE FROM ${s}.dids WHERE number = ?`, d),
  });

  const trunkParams = (t: Trunk, pos: number) => [
    pos,
    t.kind,
    t.host,
    t.port,
    t.transport,
    t.outboundProxy?.host ?? null,
    t.outboundProxy?.port ?? null,
    t.username ?? null,
    t.password ?? null,
    t.authUsername ?? null,
    t.domain ?? null,
    t.registerExpires,
    JSON.stringify(t.allowedSources),
    t.codecs === undefined ? null : JSON.stringify(t.codecs),
    t.maxChannels ?? null,
    now,
    t.name,
  ];
  const trunks = syncKeyed(have.trunks, want.trunks, (t) => t.name, {
    insert: (t, pos) =>
      run(
        `INSERT INTO ${s}.trunks (position, kind, host, port, transport, proxy_host, proxy_port, username, password, auth_username, domain,
           register_expires, allowed_sources, codecs, max_channels, updated_at, name) VALUES (${Array(17).fill('?').join(', ')})`,
        ...trunkParams(t, pos),
      ),
    update: (t, pos) =>
      run(
        `UPDATE ${s}.trunks SET position = ?, kind = ?, host = ?, port = ?, transport = ?, proxy_host = ?, proxy_port = ?, username = ?, password = ?,
           auth_username = ?, domain = ?, register_expires = ?, allowed_sources = ?, codecs = ?, max_channels = ?, updated_at = ? WHERE name = ?`,
        ...trunkParams(t, pos),
      ),
    remove: (name) => run(`DELETE FROM ${s}.trunks WHERE name = ?`, name),
  });

  const writeMembers = (g: RingGroup) => {
    run(`DELETE FROM ${s}.ring_group_members WHERE ring_group = ?`, g.name);
    g.members.forEach((ext, i) => run(`INSERT INTO ${s}.ring_group_members (ring_group, position, ext) VALUES (?, ?, ?)`, g.name, i, ext));
  };
  const groupParams = (g: RingGroup, pos: number) => [pos, g.strategy, g.ringSeconds, ...(g.fallback ? destinationToSql(g.fallback) : [null, null]), now, g.name];
  const ringGroups = syncKeyed(have.ringGroups, want.ringGroups, (g) => g.name, {
    insert: (g, pos) => {
      run(
        `INSERT INTO ${s}.ring_groups (position, strategy, ring_seconds, fallback_type, fallback_target, updated_at, name) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ...groupParams(g, pos),
      );
      writeMembers(g);
    },
    update: (g, pos) => {
      run(
        `UPDATE ${s}.ring_groups SET position = ?, strategy = ?, ring_seconds = ?, fallback_type = ?, fallback_target = ?, updated_at = ? WHERE name = ?`,
        ...groupParams(g, pos),
      );
      writeMembers(g);
    },
    remove: (name) => run(`DELETE FROM ${s}.ring_groups WHERE name = ?`, name),
  });

  const inboundParams = (r: InboundRoute, pos: number) => [pos, ...destinationToSql(r.destination), now, r.did];
  const inboundRoutes = syncKeyed(have.inboundRoutes, want.inboundRoutes, (r) => r.did, {
    insert: (r, pos) => run(`INSERT INTO ${s}.inbound_routes (position, dest_type, dest_target, updated_at, did) VALUES (?, ?, ?, ?, ?)`, ...inboundParams(r, pos)),
    update: (r, pos) => run(`UPDATE ${s}.inbound_routes SET position = ?, dest_type = ?, dest_target = ?, updated_at = ? WHERE did = ?`, ...inboundParams(r, pos)),
    remove: (did) => run(`DELETE FROM ${s}.inbound_routes WHERE did = ?`, did),
  });

  const writeRouteLists = (r: OutboundRoute) => {
    run(`DELETE FROM ${s}.outbound_route_patterns WHERE route = ?`, r.name);
    run(`DELETE FROM ${s}.outbound_route_trunks WHERE route = ?`, r.name);
    r.patterns.forEach((p, i) => run(`INSERT INTO ${s}.outbound_route_patterns (route, position, pattern) VALUES (?, ?, ?)`, r.name, i, p));
    r.trunks.forEach((t, i) => run(`INSERT INTO ${s}.outbound_route_trunks (route, position, trunk) VALUES (?, ?, ?)`, r.name, i, t));
  };
  const outboundRoutes = syncKeyed(have.outboundRoutes, want.outboundRoutes, (r) => r.name, {
    insert: (r, pos) => {
      run(`INSERT INTO ${s}.outbound_routes (position, strip, prepend, updated_at, name) VALUES (?, ?, ?, ?, ?)`, pos, r.strip, r.prepend, now, r.name);
      writeRouteLists(r);
    },
    update: (r, pos) => {
      run(`UPDATE ${s}.outbound_routes SET position = ?, strip = ?, prepend = ?, updated_at = ? WHERE name = ?`, pos, r.strip, r.prepend, now, r.name);
      writeRouteLists(r);
    },
    remove: (name) => run(`DELETE FROM ${s}.outbound_routes WHERE name = ?`, name),
  });

  return {
    numberingChanged,
    dids: { added: didChanges.added, removed: didChanges.removed },
    trunks,
    ringGroups,
    inboundRoutes,
    outboundRoutes,
  };
}

interface KeyedWriter<T> {
  insert(x: T, position: number): void;
  update(x: T, position: number): void;
  remove(key: string): void;
}

/**
 * Diffs two ordered lists of entries with unique keys and writes only the
 * difference: an entry is equal when its content and its position are.
 */
function syncKeyed<T>(have: readonly T[], want: readonly T[], key: (x: T) => string, w: KeyedWriter<T>): CollectionChanges {
  const current = new Map<string, string>();
  have.forEach((x, i) => current.set(key(x), `${i}:${canonical(x)}`));
  const out: CollectionChanges = { added: [], updated: [], removed: [] };
  const wanted = new Set<string>();
  for (const x of want) wanted.add(key(x));
  // Removals first, so nothing left over can collide with what is written next.
  for (const k of current.keys()) {
    if (wanted.has(k)) continue;
    w.remove(k);
    out.removed.push(k);
  }
  want.forEach((x, i) => {
    const k = key(x);
    const before = current.get(k);
    if (before === undefined) {
      w.insert(x, i);
      out.added.push(k);
    } else if (before !== `${i}:${canonical(x)}`) {
      w.update(x, i);
      out.updated.push(k);
    }
  });
  return out;
}

/** JSON with object keys sorted, so equal content compares equal as text whatever the key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}
