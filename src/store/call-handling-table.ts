/**
 * Forwards and do-not-disturb in tenant.sqlite (table call_handling, migration 7): one row
 * per extension that has any, deleted with its extension. `declared` holds what the tenant
 * YAML last said for the extension (callHandlingKey): an apply overwrites the live settings
 * only when that changes, so what a user set from a phone (*72) or the API survives a
 * restart, which re-applies every tenant file, until the file says something new for it.
 */
import type Database from 'better-sqlite3';
import { callHandlingKey, isNoCallHandling, NO_CALL_HANDLING, type CallHandling } from '../model/call-handling.js';
import { destinationFromParts, destinationTarget } from '../model/destination.js';
import type { Destination } from '../model/routing-plan.js';

interface Row {
  ext: string;
  dnd: number;
  always_type: string | null;
  always_target: string | null;
  busy_type: string | null;
  busy_target: string | null;
  noanswer_type: string | null;
  noanswer_target: string | null;
  noanswer_after: number | null;
  unavailable_type: string | null;
  unavailable_target: string | null;
  declared: string | null;
}

const COLS = 'ext, dnd, always_type, always_target, busy_type, busy_target, noanswer_type, noanswer_target, noanswer_after, unavailable_type, unavailable_target, declared';

function fromRow(r: Row): CallHandling {
  const h: CallHandling = { dnd: r.dnd === 1 };
  const always = destinationFromParts(r.always_type, r.always_target);
  if (always) h.always = always;
  const busy = destinationFromParts(r.busy_type, r.busy_target);
  if (busy) h.busy = busy;
  const noAnswer = destinationFromParts(r.noanswer_type, r.noanswer_target);
  if (noAnswer && r.noanswer_after !== null) h.noAnswer = { to: noAnswer, afterSeconds: r.noanswer_after };
  const unavailable = destinationFromParts(r.unavailable_type, r.unavailable_target);
  if (unavailable) h.unavailable = unavailable;
  return h;
}

const parts = (d: Destination | undefined): [string | null, string | null] => (d ? [d.type, destinationTarget(d)] : [null, null]);

function params(ext: string, h: CallHandling, declared: string | null, now: number): unknown[] {
  return [ext, h.dnd ? 1 : 0, ...parts(h.always), ...parts(h.busy), ...parts(h.noAnswer?.to), h.noAnswer?.afterSeconds ?? null, ...parts(h.unavailable), declared, now];
}

function upsertSql(schema: string): string {
  return `INSERT INTO ${schema}.call_handling (${COLS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (ext) DO UPDATE SET dnd = excluded.dnd, always_type = excluded.always_type, always_target = excluded.always_target,
      busy_type = excluded.busy_type, busy_target = excluded.busy_target, noanswer_type = excluded.noanswer_type,
      noanswer_target = excluded.noanswer_target, noanswer_after = excluded.noanswer_after, unavailable_type = excluded.unavailable_type,
      unavailable_target = excluded.unavailable_target, declared = excluded.declared, updated_at = excluded.updated_at`;
}

/** Rows kept before the cache starts over. */
const CACHE_MAX = 20_000;

/**
 * One tenant's call handling, on its store's connection. Read on every call to an
 * extension, so each row (or its absence) is kept in memory after the first read (issue 13
 * point 1); set() and the store (forget(): an extension deleted, another connection
 * committed) keep it exact. A hit is made into a new object each time: callers own it.
 */
export class CallHandlingTable {
  private readonly st;
  private readonly cache = new Map<string, Row | null>();

  /** beforeRead: the store's once-per-tick check for another connection's commits (it may call forget()). */
  constructor(
    db: Database.Database,
    private readonly beforeRead: () => void = () => {},
  ) {
    this.st = {
      get: db.prepare<[string], Row>(`SELECT ${COLS} FROM call_handling WHERE ext = ?`),
      all: db.prepare<[], Row>(`SELECT ${COLS} FROM call_handling ORDER BY ext`),
      extExists: db.prepare<[string], number>('SELECT 1 FROM extensions WHERE ext = ?').pluck(),
      upsert: db.prepare(upsertSql('main')),
    };
  }

  /** The extension's settings; none set: NO_CALL_HANDLING. */
  get(ext: string): CallHandling {
    this.beforeRead();
    let r = this.cache.get(ext);
    if (r === undefined) {
      r = this.st.get.get(ext) ?? null;
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(ext, r);
    }
    return r ? fromRow(r) : NO_CALL_HANDLING;
  }

  /** Every extension with settings. */
  list(): Map<string, CallHandling> {
    return new Map(this.st.all.all().map((r) => [r.ext, fromRow(r)]));
  }

  /** Replaces the extension's settings (checked by the caller); false when there is no such extension. Keeps what the YAML declared. */
  set(ext: string, h: CallHandling, now: number): boolean {
    if (this.st.extExists.get(ext) === undefined) return false;
    const declared = this.st.get.get(ext)?.declared ?? null;
    this.cache.delete(ext);
    this.st.upsert.run(...params(ext, h, declared, now));
    return true;
  }

  /** Rows changed behind this table's back (an extension deleted, another connection's commit). */
  forget(): void {
    this.cache.clear();
  }
}

/**
 * Apply's part (in the apply transaction, tenant file attached as `schema`): for each
 * extension of the spec, when what its YAML declares differs from what it declared last
 * time, the live settings become the declared ones. Returns the extensions whose live
 * settings changed. Rows of extensions that are gone went with them (ON DELETE CASCADE).
 */
export function syncDeclaredCallHandling(db: Database.Database, schema: string, declared: ReadonlyMap<string, CallHandling>, now: number): string[] {
  const get = db.prepare<[string], Row>(`SELECT ${COLS} FROM ${schema}.call_handling WHERE ext = ?`);
  const upsert = db.prepare(upsertSql(schema));
  const changed: string[] = [];
  for (const [ext, h] of declared) {
    const key = callHandlingKey(h);
    const row = get.get(ext);
    const before = row?.declared ?? callHandlingKey(NO_CALL_HANDLING);
    if (before === key) continue;
    const live = row ? fromRow(row) : NO_CALL_HANDLING;
    if (callHandlingKey(live) !== key) changed.push(ext);
    if (!row && isNoCallHandling(h)) continue;
    upsert.run(...params(ext, h, key, now));
  }
  return changed;
}
