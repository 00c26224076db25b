/**
 * The recordings of one tenant (issue 10, item 8): one row per WAV file in the tenant's
 * folder, written when the recording starts (status 'recording') and finished when the
 * worker reports it stopped (status 'done', with its length, size and why it stopped).
 * `file` is relative to the tenant's folder and was built by the PBX (recordings/yyyy/mm/
 * <id>.wav), never from the wire. The call record links to its first recording
 * (cdrs.recording_id, set when the record is written).
 */
import type Database from 'better-sqlite3';

export type RecordingStatus = 'recording' | 'done';
export type RecordingEndReason = 'hangup' | 'quota' | 'stopped' | 'error';

export interface RecordingRow {
  id: string;
  callId: string;
  fromExt?: string;
  toExt?: string;
  startedAt: number;
  endedAt?: number;
  durationMs: number;
  bytes: number;
  sampleRate: number;
  channels: number;
  status: RecordingStatus;
  reason?: RecordingEndReason;
  /** Relative to the tenant's folder. */
  file: string;
}

export interface RecordingStart {
  id: string;
  callId: string;
  fromExt?: string;
  toExt?: string;
  startedAt: number;
  sampleRate: number;
  channels: number;
  file: string;
}

export interface RecordingEnd {
  endedAt: number;
  durationMs: number;
  bytes: number;
  reason: RecordingEndReason;
}

export interface RecordingQuery {
  since?: number;
  until?: number;
  /** Recordings of calls this extension made or took. */
  ext?: string;
  callId?: string;
  newestFirst?: boolean;
  limit?: number;
  /** Keyset: after this row in the order asked for. */
  after?: { startedAt: number; id: string };
}

export const RECORDING_LIST_MAX = 10_000;

interface SqlRow {
  id: string;
  call_id: string;
  from_ext: string | null;
  to_ext: string | null;
  started_at: number;
  ended_at: number | null;
  duration_ms: number;
  bytes: number;
  sample_rate: number;
  channels: number;
  status: string;
  reason: string | null;
  file: string;
}

const COLS = 'id, call_id, from_ext, to_ext, started_at, ended_at, duration_ms, bytes, sample_rate, channels, status, reason, file';

function fromSql(r: SqlRow): RecordingRow {
  return {
    id: r.id,
    callId: r.call_id,
    ...(r.from_ext !== null ? { fromExt: r.from_ext } : {}),
    ...(r.to_ext !== null ? { toExt: r.to_ext } : {}),
    startedAt: r.started_at,
    ...(r.ended_at !== null ? { endedAt: r.ended_at } : {}),
    durationMs: r.duration_ms,
    bytes: r.bytes,
    sampleRate: r.sample_rate,
    channels: r.channels,
    status: r.status === 'done' ? 'done' : 'recording',
    ...(r.reason !== null ? { reason: r.reason as RecordingEndReason } : {}),
    file: r.file,
  };
}

export class RecordingTable {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      insert: db.prepare<[string, string, string | null, string | null, number, number, number, string]>(
        `INSERT INTO recordings (id, call_id, from_ext, to_ext, started_at, sample_rate, channels, status, file) VALUES (?, ?, ?, ?, ?, ?, ?, 'recording', ?)`,
      ),
      finish: db.prepare<[number, number, number, string, string]>(`UPDATE recordings SET ended_at = ?, duration_ms = ?, bytes = ?, reason = ?, status = 'done' WHERE id = ?`),
      get: db.prepare<[string], SqlRow>(`SELECT ${COLS} FROM recordings WHERE id = ?`),
      delete: db.prepare<[string]>('DELETE FROM recordings WHERE id = ?'),
      unlinkCdr: db.prepare<[string]>('UPDATE cdrs SET recording_id = NULL WHERE recording_id = ?'),
      linkCdr: db.prepare<[string, string]>(
        'UPDATE cdrs SET recording_id = (SELECT id FROM recordings WHERE call_id = ? ORDER BY started_at, id LIMIT 1) WHERE call_id = ? AND recording_id IS NULL',
      ),
      // Covering index, no sort: most calls have no recording, and the UPDATE above (its
      // ORDER BY needs a temporary b-tree per run) cost each call's end about 50 µs.
      hasRecording: db.prepare<[string], number>('SELECT 1 FROM recordings WHERE call_id = ? LIMIT 1').pluck(),
      unfinished: db.prepare<[], SqlRow>(`SELECT ${COLS} FROM recordings WHERE status = 'recording'`),
      extMode: db.prepare<[string], string | null>('SELECT recording FROM extensions WHERE ext = ?').pluck(),
      setExtMode: db.prepare<[string | null, string]>('UPDATE extensions SET recording = ? WHERE ext = ?'),
    };
  }

  started(r: RecordingStart): void {
    this.st.insert.run(r.id, r.callId, r.fromExt ?? null, r.toExt ?? null, r.startedAt, r.sampleRate, r.channels, r.file);
  }

  finished(id: string, e: RecordingEnd): boolean {
    return this.st.finish.run(e.endedAt, Math.max(0, Math.round(e.durationMs)), Math.max(0, Math.round(e.bytes)), e.reason, id).changes === 1;
  }

  get(id: string): RecordingRow | undefined {
    const r = this.st.get.get(id);
    return r ? fromSql(r) : undefined;
  }

  /** The row goes, and the call record's link to it. */
  delete(id: string): boolean {
    return this.db.transaction(() => {
      this.st.unlinkCdr.run(id);
      return this.st.delete.run(id).changes === 1;
    })();
  }

  /** The call record of callId (once written) points at the call's first recording. */
  linkCdr(callId: string): void {
    if (this.st.hasRecording.get(callId) === undefined) return;
    this.st.linkCdr.run(callId, callId);
  }

  /** An extension's own recording policy ('never' | 'always' | 'on-demand'), undefined: the tenant's. */
  extensionMode(ext: string): string | undefined {
    return this.st.extMode.get(ext) ?? undefined;
  }

  /** False when there is no such extension. */
  setExtensionMode(ext: string, mode: string | null): boolean {
    return this.st.setExtMode.run(mode, ext).changes === 1;
  }

  /** Rows still 'recording' (left by a crash), for recovery at start. */
  unfinished(): RecordingRow[] {
    return this.st.unfinished.all().map(fromSql);
  }

  list(q: RecordingQuery = {}): RecordingRow[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const desc = q.newestFirst === true;
    if (q.since !== undefined) {
      where.push('started_at >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('started_at < ?');
      args.push(q.until);
    }
    if (q.ext !== undefined) {
      where.push('(from_ext = ? OR to_ext = ?)');
      args.push(q.ext, q.ext);
    }
    if (q.callId !== undefined) {
      where.push('call_id = ?');
      args.push(q.callId);
    }
    if (q.after) {
      where.push(desc ? '(started_at < ? OR (started_at = ? AND id < ?))' : '(started_at > ? OR (started_at = ? AND id > ?))');
      args.push(q.after.startedAt, q.after.startedAt, q.after.id);
    }
    const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 1000)), RECORDING_LIST_MAX);
    const order = desc ? 'DESC' : 'ASC';
    const sql = `SELECT ${COLS} FROM recordings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at ${order}, id ${order} LIMIT ?`;
    return this.db.prepare<Array<string | number>, SqlRow>(sql).all(...args, limit).map(fromSql);
  }
}
