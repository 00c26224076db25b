import type Database from 'better-sqlite3';
import { algorithmsFromSql } from '../model/auth-algorithms.js';
import { destinationFromParts, destinationTarget } from '../model/destination.js';
import { CLASSES_OF_SERVICE, type ClassOfService, type Destination, type InboundRoute, type OutboundRoute, type RingGroup, type RoutingPlan, type Trunk } from '../model/routing-plan.js';

/** Settings keys of the numbering plan in tenant.sqlite. */
export const COUNTRY_CODE_SETTING = 'country_code';
export const NATIONAL_PREFIX_SETTING = 'national_prefix';
export const CALLER_ID_SETTING = 'caller_id';
export const INBOUND_COS_SETTING = 'inbound_cos';
/** The tenant's digest algorithms, 'SHA-256,MD5' (auth-algorithms.ts); absent: pbx.yaml's. */
export const AUTH_ALGORITHMS_SETTING = 'auth_algorithms';
/** Used when tenant.sqlite has no national_prefix setting (never applied with routing). */
export const DEFAULT_NATIONAL_PREFIX = '0';

export interface TrunkSqlRow {
  name: string;
  kind: Trunk['kind'];
  host: string;
  port: number;
  transport: Trunk['transport'];
  proxy_host: string | null;
  proxy_port: number | null;
  username: string | null;
  password: string | null;
  auth_username: string | null;
  domain: string | null;
  register_expires: number;
  allowed_sources: string;
  codecs: string | null;
  max_channels: number | null;
}

interface RingGroupSqlRow {
  name: string;
  strategy: RingGroup['strategy'];
  ring_seconds: number;
  fallback_type: Destination['type'] | null;
  fallback_target: string | null;
}

interface InboundSqlRow {
  did: string;
  dest_type: Destination['type'];
  dest_target: string | null;
}

interface OutboundSqlRow {
  name: string;
  strip: number;
  prepend: string;
}

/** A destination as two columns: its type and its target (destination.ts; NULL for hangup). */
export function destinationToSql(d: Destination): [type: string, target: string | null] {
  return [d.type, destinationTarget(d)];
}

function destinationFromSql(type: string | null, target: string | null): Destination | undefined {
  return destinationFromParts(type, target);
}

/** A JSON list of strings as written by the sync; anything else reads as undefined. */
function stringList(json: string | null): string[] | undefined {
  if (json === null) return undefined;
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

export function trunkFromSql(r: TrunkSqlRow): Trunk {
  const t: Trunk = {
    name: r.name,
    kind: r.kind,
    host: r.host,
    port: r.port,
    transport: r.transport,
    registerExpires: r.register_expires,
    allowedSources: stringList(r.allowed_sources) ?? [],
  };
  if (r.proxy_host !== null && r.proxy_port !== null) t.outboundProxy = { host: r.proxy_host, port: r.proxy_port };
  if (r.username !== null) t.username = r.username;
  if (r.password !== null) t.password = r.password;
  if (r.auth_username !== null) t.authUsername = r.auth_username;
  if (r.domain !== null) t.domain = r.domain;
  const codecs = stringList(r.codecs);
  if (codecs !== undefined) t.codecs = codecs;
  if (r.max_channels !== null) t.maxChannels = r.max_channels;
  return t;
}

/** Groups (key, value) rows, already ordered by key then position, into lists per key. */
function listsByKey(rows: ReadonlyArray<{ k: string; v: string }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { k, v } of rows) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/**
 * Reads the routing plan of the tenant database in `schema` ('main' for a store's own
 * connection, the attached name during apply). A handful of queries; callers cache.
 */
export function readRoutingPlan(db: Database.Database, schema = 'main'): RoutingPlan {
  const s = schema;
  const setting = db.prepare<[string], string>(`SELECT value FROM ${s}.settings WHERE key = ?`).pluck();
  const dids = db.prepare<[], string>(`SELECT number FROM ${s}.dids ORDER BY position, number`).pluck().all();
  const trunks = db.prepare<[], TrunkSqlRow>(`SELECT * FROM ${s}.trunks ORDER BY position, name`).all().map(trunkFromSql);

  const members = listsByKey(
    db.prepare<[], { k: string; v: string }>(`SELECT ring_group AS k, ext AS v FROM ${s}.ring_group_members ORDER BY ring_group, position`).all(),
  );
  const ringGroups = db
    .prepare<[], RingGroupSqlRow>(`SELECT name, strategy, ring_seconds, fallback_type, fallback_target FROM ${s}.ring_groups ORDER BY position, name`)
    .all()
    .map((r) => {
      const g: RingGroup = { name: r.name, strategy: r.strategy, members: members.get(r.name) ?? [], ringSeconds: r.ring_seconds };
      const fallback = destinationFromSql(r.fallback_type, r.fallback_target);
      if (fallback) g.fallback = fallback;
      return g;
    });

  const inboundRoutes: InboundRoute[] = [];
  for (const r of db.prepare<[], InboundSqlRow>(`SELECT did, dest_type, dest_target FROM ${s}.inbound_routes ORDER BY position, did`).all()) {
    const destination = destinationFromSql(r.dest_type, r.dest_target);
    if (destination) inboundRoutes.push({ did: r.did, destination });
  }

  const patterns = listsByKey(
    db.prepare<[], { k: string; v: string }>(`SELECT route AS k, pattern AS v FROM ${s}.outbound_route_patterns ORDER BY route, position`).all(),
  );
  const routeTrunks = listsByKey(
    db.prepare<[], { k: string; v: string }>(`SELECT route AS k, trunk AS v FROM ${s}.outbound_route_trunks ORDER BY route, position`).all(),
  );
  const outboundRoutes = db
    .prepare<[], OutboundSqlRow>(`SELECT name, strip, prepend FROM ${s}.outbound_routes ORDER BY position, name`)
    .all()
    .map((r): OutboundRoute => ({ name: r.name, patterns: patterns.get(r.name) ?? [], strip: r.strip, prepend: r.prepend, trunks: routeTrunks.get(r.name) ?? [] }));

  const plan: RoutingPlan = {
    countryCode: setting.get(COUNTRY_CODE_SETTING) ?? '',
    nationalPrefix: setting.get(NATIONAL_PREFIX_SETTING) ?? DEFAULT_NATIONAL_PREFIX,
    dids,
    trunks,
    ringGroups,
    inboundRoutes,
    outboundRoutes,
  };
  const callerId = setting.get(CALLER_ID_SETTING);
  if (callerId !== undefined) plan.callerId = callerId;
  const inboundCos = setting.get(INBOUND_COS_SETTING);
  if (inboundCos !== undefined && (CLASSES_OF_SERVICE as readonly string[]).includes(inboundCos)) plan.inboundCos = inboundCos as ClassOfService;
  const algorithms = algorithmsFromSql(setting.get(AUTH_ALGORITHMS_SETTING));
  if (algorithms !== undefined) plan.auth = { algorithms };
  return plan;
}

/** Frozen all the way down: the cached plan is shared by every caller of one connection. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
