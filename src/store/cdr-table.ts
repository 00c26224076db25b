import type Database from 'better-sqlite3';
import {
  ACTIVE_CALL_COLUMNS,
  activeCallFromSql,
  activeCallToParams,
  CDR_COLUMNS,
  CDR_TEXT_MAX,
  cdrFromSql,
  cdrToParams,
  checkCallId,
  checkTime,
  crashedCdr,
  type ActiveCallInput,
  type ActiveCallParams,
  type ActiveCallRow,
  type ActiveCallSqlRow,
  type CdrInput,
  type CdrParams,
  type CdrRecord,
  type CdrSqlRow,
  type CallDirection,
  type CdrDisposition,
} from './cdr-row.js';

export interface CdrQuery {
  /** startedAt >= since (ms). */
  since?: number;
  /** startedAt < until (ms). */
  until?: number;
  /** Default 1000, at most CDR_LIST_MAX. */
  limit?: number;
  /** Default false: oldest first. */
  newestFirst?: boolean;
  /** Only calls this extension made or took (fromExt or toExt). */
  ext?: string;
  disposition?: CdrDisposition;
  direction?: CallDirection;
  /**
   * Keyset pagination: only records after this one in the order asked for (the last
   * record of the previous page), so a page never repeats or skips a record.
   */
  after?: { startedAt: number; id: number };
}

/** What usage statistics need of a record (usageRows). */
export interface CdrUsageRow {
  startedAt: number;
  endedAt: number;
  billableS: number;
  direction: CallDirection;
}

export const CDR_LIST_MAX = 10_000;

const placeholders = (cols: string) => cols.split(',').map(() => '?').join(', ');

/**
 * The call tables of one tenant connection: active_calls while a call is up, cdrs once it
 * ended. Every write commits at once (never write-behind): a commit in WAL mode survives a
 * crash of the process; with synchronous=NORMAL a power cut may lose the last few.
 * Methods throw; the store wraps the errors.
 */
export class CdrTable {
  private readonly st: ReturnType<CdrTable['prepare']>;
  private readonly endTx: (params: CdrParams) => boolean;
  private readonly recoverTx: (now: number) => number;
  private readonly filtered = new Map<string, Database.Statement<Array<string | number>, CdrSqlRow>>();

  /**
   * @param onRecorded runs inside the transaction that writes a new record (the recording
   * link), so a call's end is one commit: each commit appends its pages to the WAL.
   */
  constructor(
    private readonly db: Database.Database,
    onRecorded?: (callId: string) => void,
  ) {
    this.st = this.prepare();
    this.endTx = db.transaction((params: CdrParams) => {
      const inserted = this.st.insertCdr.run(...params).changes === 1;
      this.st.deleteActive.run(params[0]);
      if (inserted) onRecorded?.(params[0]);
      return inserted;
    });
    this.recoverTx = db.transaction((now: number) => {
      const left = this.st.takeActive.all().map(activeCallFromSql);
      left.sort((a, b) => a.startedAt - b.startedAt || (a.callId < b.callId ? -1 : 1));
      for (const a of left) this.st.insertCdr.run(...cdrToParams(crashedCdr(a, now)));
      return left.length;
    });
  }

  private prepare() {
    const db = this.db;
    const list = (order: 'ASC' | 'DESC') =>
      db.prepare<[number, number, number], CdrSqlRow>(
        `SELECT id, ${CDR_COLUMNS}, recording_id FROM cdrs WHERE started_at >= ? AND started_at < ? ORDER BY started_at ${order}, id ${order} LIMIT ?`,
      );
    return {
      insertActive: db.prepare<ActiveCallParams>(
        `INSERT INTO active_calls (${ACTIVE_CALL_COLUMNS}) VALUES (${placeholders(ACTIVE_CALL_COLUMNS)}) ON CONFLICT (call_id) DO NOTHING`,
      ),
      // The first answer wins: a retransmitted 200 or a late second fork changes nothing.
      answerActive: db.prepare<[number, string | null, number, string]>(
        'UPDATE active_calls SET answered_at = ?, b_leg_call_id = coalesce(?, b_leg_call_id), updated_at = max(updated_at, ?) WHERE call_id = ? AND answered_at IS NULL',
      ),
      touchActive: db.prepare<[number, number]>('UPDATE active_calls SET updated_at = ? WHERE updated_at < ?'),
      listActive: db.prepare<[], ActiveCallSqlRow>(`SELECT ${ACTIVE_CALL_COLUMNS} FROM active_calls ORDER BY started_at, call_id`),
      deleteActive: db.prepare<[string]>('DELETE FROM active_calls WHERE call_id = ?'),
      takeActive: db.prepare<[], ActiveCallSqlRow>(`DELETE FROM active_calls RETURNING ${ACTIVE_CALL_COLUMNS}`),
      insertCdr: db.prepare<CdrParams>(`INSERT INTO cdrs (${CDR_COLUMNS}) VALUES (${placeholders(CDR_COLUMNS)}) ON CONFLICT (call_id) DO NOTHING`),
      // The literal direction lets SQLite use the partial index cdrs_outbound_by_start (covering).
      outboundSeconds: db.prepare<[number], number>("SELECT coalesce(sum(billable_s), 0) FROM cdrs WHERE direction = 'outbound' AND started_at >= ?").pluck(),
      usage: db.prepare<[number, number, number], CdrUsageRow>(
        'SELECT started_at AS startedAt, ended_at AS endedAt, billable_s AS billableS, direction FROM cdrs WHERE started_at >= ? AND started_at < ? AND ended_at >= ? ORDER BY started_at',
      ),
      listAsc: list('ASC'),
      listDesc: list('DESC'),
    };
  }

  /** Records a call that is now up; false when that call id is already active (nothing changed). */
  callStarted(call: ActiveCallInput): boolean {
    return this.st.insertActive.run(...activeCallToParams(call)).changes === 1;
  }

  /** Marks an active call answered; false when it is unknown or was answered already. */
  callAnswered(callId: string, at: number, bLegCallId?: string): boolean {
    const t = checkTime('at', at);
    const b = bLegCallId === undefined ? null : bLegCallId.slice(0, CDR_TEXT_MAX.callId);
    return this.st.answerActive.run(t, b, t, checkCallId(callId)).changes === 1;
  }

  /** Moves updatedAt of every active call up to `at` (a heartbeat); returns how many. */
  touchActiveCalls(at: number): number {
    const t = checkTime('at', at);
    return this.st.touchActive.run(t, t).changes;
  }

  /**
   * One transaction: writes the record (and runs onRecorded) and removes the active row. A
   * call id already recorded is not written again (false); its active row is removed all the same.
   */
  callEnded(cdr: CdrInput): boolean {
    return this.endTx(cdrToParams(cdr));
  }

  listActiveCalls(): ActiveCallRow[] {
    return this.st.listActive.all().map(activeCallFromSql);
  }

  listCdrs(q: CdrQuery = {}): CdrRecord[] {
    const since = q.since === undefined ? Number.MIN_SAFE_INTEGER : checkTime('since', q.since);
    const until = q.until === undefined ? Number.MAX_SAFE_INTEGER : checkTime('until', q.until);
    const limit = Math.min(CDR_LIST_MAX, Math.max(0, Math.floor(Number.isFinite(q.limit) ? q.limit! : 1000)));
    if (q.ext === undefined && q.disposition === undefined && q.direction === undefined && q.after === undefined) {
      const st = q.newestFirst ? this.st.listDesc : this.st.listAsc;
      return st.all(since, until, limit).map(cdrFromSql);
    }
    // Filtered: the statement depends on which filters are set; one per combination, kept.
    const where = ['started_at >= ?', 'started_at < ?'];
    const params: Array<string | number> = [since, until];
    if (q.ext !== undefined) {
      where.push('(from_ext = ? OR to_ext = ?)');
      params.push(q.ext, q.ext);
    }
    if (q.disposition !== undefined) {
      where.push('disposition = ?');
      params.push(q.disposition);
    }
    if (q.direction !== undefined) {
      where.push('direction = ?');
      params.push(q.direction);
    }
    const order = q.newestFirst ? 'DESC' : 'ASC';
    if (q.after !== undefined) {
      const op = q.newestFirst ? '<' : '>';
      where.push(`(started_at ${op} ? OR (started_at = ? AND id ${op} ?))`);
      const at = checkTime('after.startedAt', q.after.startedAt);
      params.push(at, at, Math.floor(q.after.id));
    }
    const sql = `SELECT id, ${CDR_COLUMNS}, recording_id FROM cdrs WHERE ${where.join(' AND ')} ORDER BY started_at ${order}, id ${order} LIMIT ?`;
    let st = this.filtered.get(sql);
    if (!st) this.filtered.set(sql, (st = this.db.prepare<Array<string | number>, CdrSqlRow>(sql)));
    return st.all(...params, limit).map(cdrFromSql);
  }

  /**
   * The records that overlap [since, until): started before until and ended after since.
   * Only calls that started at most lookbackMs before since are looked at (the index is
   * by start), so a call longer than that is missed at the start of the range.
   */
  usageRows(since: number, until: number, lookbackMs: number): CdrUsageRow[] {
    const s = checkTime('since', since);
    const u = checkTime('until', until);
    return this.st.usage.all(s - Math.max(0, lookbackMs), u, s);
  }

  /** Total billable seconds of the 'outbound' records that started at or after sinceMs. */
  outboundSecondsSince(sinceMs: number): number {
    return this.st.outboundSeconds.get(checkTime('sinceMs', sinceMs)) ?? 0;
  }

  /**
   * Every active row left over turns into a 'crashed' record (see crashedCdr) and is
   * removed, in one transaction. Call it at start, before this process starts calls of
   * the tenant: it cannot tell a row of a live call from one a crash left behind.
   */
  recoverCrashedCalls(now: number): number {
    return this.recoverTx(checkTime('now', now));
  }
}
