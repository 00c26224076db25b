import type Database from 'better-sqlite3';
import { StoreError } from '../util/errors.js';

/** One change to append to a tenant's audit log. Never put a password in details. */
export interface AuditInput {
  /** ms since the epoch. */
  at: number;
  /** Who: the API token id ('admin' for pbx.yaml's adminToken), or e.g. 'yaml' for an apply. */
  actor: string;
  /** What, as a stable dotted verb: 'extension.create', 'trunk.delete', 'routing.update', … */
  action: string;
  /** Which: an extension number, a trunk name, 'routing', the tenant id, … */
  target: string;
  /** Anything JSON that helps a reader (the fields changed, not their secret values). */
  details?: unknown;
}

export interface AuditEntry {
  /** Increases in the order entries were written. */
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  details?: unknown;
}

export interface AuditQuery {
  /** at >= since (ms). */
  since?: number;
  /** at < until (ms). */
  until?: number;
  /** Entries with id < beforeId (the cursor of the next page, newest first). */
  beforeId?: number;
  /** Only this action. */
  action?: string;
  /** Default 100, at most AUDIT_LIST_MAX. */
  limit?: number;
}

export const AUDIT_LIST_MAX = 1000;
export const AUDIT_TEXT_MAX = { actor: 128, action: 64, target: 256, details: 16_384 } as const;

interface AuditSqlRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string | null;
}

/** The audit table of one tenant connection. Methods throw; the store wraps the errors. */
export class AuditTable {
  private readonly insert: Database.Statement<[number, string, string, string, string | null]>;
  private readonly list: Database.Statement<[number, number, number, string | null, string | null, number], AuditSqlRow>;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO audit (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)');
    this.list = db.prepare(
      `SELECT id, at, actor, action, target, details FROM audit
        WHERE at >= ? AND at < ? AND id < ? AND (? IS NULL OR action = ?)
        ORDER BY id DESC LIMIT ?`,
    );
  }

  append(e: AuditInput): number {
    if (typeof e.at !== 'number' || !Number.isFinite(e.at)) throw new StoreError('audit: at must be a finite time in ms');
    for (const k of ['actor', 'action', 'target'] as const) {
      if (typeof e[k] !== 'string' || e[k].length === 0) throw new StoreError(`audit: ${k} must be a non-empty string`);
    }
    let details: string | null = null;
    if (e.details !== undefined) {
      details = JSON.stringify(e.details);
      if (details.length > AUDIT_TEXT_MAX.details) details = JSON.stringify({ truncated: true, text: details.slice(0, AUDIT_TEXT_MAX.details - 100) });
    }
    const r = this.insert.run(Math.round(e.at), e.actor.slice(0, AUDIT_TEXT_MAX.actor), e.action.slice(0, AUDIT_TEXT_MAX.action), e.target.slice(0, AUDIT_TEXT_MAX.target), details);
    return Number(r.lastInsertRowid);
  }

  /** Newest first. */
  listEntries(q: AuditQuery = {}): AuditEntry[] {
    const limit = Math.min(AUDIT_LIST_MAX, Math.max(0, Math.floor(Number.isFinite(q.limit) ? q.limit! : 100)));
    const action = q.action ?? null;
    return this.list
      .all(q.since ?? Number.MIN_SAFE_INTEGER, q.until ?? Number.MAX_SAFE_INTEGER, q.beforeId ?? Number.MAX_SAFE_INTEGER, action, action, limit)
      .map((r) => {
        const e: AuditEntry = { id: r.id, at: r.at, actor: r.actor, action: r.action, target: r.target };
        if (r.details !== null) {
          try {
            e.details = JSON.parse(r.details);
          } catch {
            e.details = r.details;
          }
        }
        return e;
      });
  }
}
