import { StoreError } from '../util/errors.js';

export type CallDirection = 'internal' | 'inbound' | 'outbound';
export type CdrDisposition = 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled' | 'crashed';
export type HangupSide = 'caller' | 'callee' | 'system';

export const CALL_DIRECTIONS: readonly CallDirection[] = ['internal', 'inbound', 'outbound'];
export const CDR_DISPOSITIONS: readonly CdrDisposition[] = ['answered', 'busy', 'no_answer', 'failed', 'cancelled', 'crashed'];
export const HANGUP_SIDES: readonly HangupSide[] = ['caller', 'callee', 'system'];

/** RTP received from one side of the call, as the media worker counted it. */
export interface CdrLegStats {
  packets: number;
  bytes: number;
  lost: number;
  jitterMs: number;
}

export interface CdrMediaStats {
  caller?: CdrLegStats;
  callee?: CdrLegStats;
}

/** A call as it starts (callStarted). */
export interface ActiveCallInput {
  /**
   * The key of the call, unique per call. Use an id the PBX made (its B-leg Call-ID or a
   * fresh token): the caller's Call-ID comes from the wire and a hostile phone could reuse
   * it, and a repeated key is recorded once only.
   */
  callId: string;
  /** The Call-ID of the caller's dialog, as received. */
  aLegCallId?: string;
  fromUri: string;
  fromExt?: string;
  toUri: string;
  toExt?: string;
  /** Default 'internal'. */
  direction?: CallDirection;
  /** Trunk calls: the trunk used (outbound) or arrived on (inbound). */
  trunk?: string;
  /** Inbound trunk calls: the DID dialled (E.164). */
  did?: string;
  /** The caller's and the callee's number in E.164, where the call had one (trunk calls). */
  fromNumber?: string;
  toNumber?: string;
  /** ms since the epoch. */
  startedAt: number;
}

/** What a call's row says about who called whom, the same in active_calls and cdrs. */
export interface CallRowBase {
  callId: string;
  aLegCallId?: string;
  bLegCallId?: string;
  fromUri: string;
  fromExt?: string;
  toUri: string;
  toExt?: string;
  direction: CallDirection;
  trunk?: string;
  did?: string;
  fromNumber?: string;
  toNumber?: string;
  startedAt: number;
  answeredAt?: number;
}

/** A row of active_calls. */
export interface ActiveCallRow extends CallRowBase {
  /** The last moment the PBX is known to have had the call up (start, answer or touchActiveCalls). */
  updatedAt: number;
}

/** A call as it ends (callEnded). Duration and billable seconds are derived by the store. */
export interface CdrInput extends ActiveCallInput {
  /** The Call-ID of the callee's dialog that answered (or the last one tried). */
  bLegCallId?: string;
  /** Absent: never answered (billable 0). */
  answeredAt?: number;
  endedAt: number;
  disposition: CdrDisposition;
  /** The SIP status and reason that ended it ("486 Busy Here", "BYE", "RTP timeout"). */
  hangupCause?: string;
  hangupSide: HangupSide;
  media?: CdrMediaStats;
  /** When the record is written; default endedAt. */
  recordedAt?: number;
}

/** A call record as read back. */
export interface CdrRecord extends CallRowBase {
  /** Row id: increases in the order records were written. */
  id: number;
  endedAt: number;
  /** endedAt - startedAt (ringing included), never negative. */
  durationMs: number;
  /** See billableSeconds. */
  billableS: number;
  disposition: CdrDisposition;
  hangupCause?: string;
  hangupSide: HangupSide;
  media?: CdrMediaStats;
  createdAt: number;
  /** The call's first recording (recording-table.ts), when it was recorded. */
  recordingId?: string;
}

/** Longest text kept per column; longer text from the wire is cut, so a record stays small. */
export const CDR_TEXT_MAX = { callId: 256, uri: 1024, ext: 64, cause: 256, trunk: 64, number: 64 } as const;

/**
 * Whole seconds from answer to end, rounded UP (per-second billing: a call answered for
 * 0.2 s bills 1 s, 60.000 s bills 60, 60.001 s bills 61). 0 when never answered or when
 * the end is not after the answer.
 */
export function billableSeconds(answeredAt: number | undefined, endedAt: number): number {
  if (answeredAt === undefined) return 0;
  const ms = endedAt - answeredAt;
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

export const CDR_COLUMNS =
  'call_id, a_leg_call_id, b_leg_call_id, from_uri, from_ext, to_uri, to_ext, direction, started_at, answered_at, ended_at, duration_ms, billable_s, disposition, hangup_cause, hangup_side, media, created_at, trunk, did, from_number, to_number';

export const ACTIVE_CALL_COLUMNS =
  'call_id, a_leg_call_id, b_leg_call_id, from_uri, from_ext, to_uri, to_ext, direction, started_at, answered_at, updated_at, trunk, did, from_number, to_number';

export type CdrParams = [
  callId: string,
  aLegCallId: string | null,
  bLegCallId: string | null,
  fromUri: string,
  fromExt: string | null,
  toUri: string,
  toExt: string | null,
  direction: string,
  startedAt: number,
  answeredAt: number | null,
  endedAt: number,
  durationMs: number,
  billableS: number,
  disposition: string,
  hangupCause: string | null,
  hangupSide: string,
  media: string | null,
  createdAt: number,
  ...trunk: TrunkParams,
];

export type ActiveCallParams = [
  callId: string,
  aLegCallId: string | null,
  bLegCallId: string | null,
  fromUri: string,
  fromExt: string | null,
  toUri: string,
  toExt: string | null,
  direction: string,
  startedAt: number,
  answeredAt: number | null,
  updatedAt: number,
  ...trunk: TrunkParams,
];

/** trunk, did, from_number, to_number: the last columns of both tables. */
export type TrunkParams = [trunk: string | null, did: string | null, fromNumber: string | null, toNumber: string | null];

interface TrunkSqlColumns {
  trunk: string | null;
  did: string | null;
  from_number: string | null;
  to_number: string | null;
}

export interface CdrSqlRow extends TrunkSqlColumns {
  id: number;
  call_id: string;
  a_leg_call_id: string | null;
  b_leg_call_id: string | null;
  from_uri: string;
  from_ext: string | null;
  to_uri: string;
  to_ext: string | null;
  direction: CallDirection;
  started_at: number;
  answered_at: number | null;
  ended_at: number;
  duration_ms: number;
  billable_s: number;
  disposition: CdrDisposition;
  hangup_cause: string | null;
  hangup_side: HangupSide;
  media: string | null;
  recording_id?: string | null;
  created_at: number;
}

export interface ActiveCallSqlRow extends TrunkSqlColumns {
  call_id: string;
  a_leg_call_id: string | null;
  b_leg_call_id: string | null;
  from_uri: string;
  from_ext: string | null;
  to_uri: string;
  to_ext: string | null;
  direction: CallDirection;
  started_at: number;
  answered_at: number | null;
  updated_at: number;
}

/** The key must be usable as it is: cutting it could make two calls one. */
export function checkCallId(callId: unknown): string {
  if (typeof callId !== 'string' || callId.length === 0 || callId.length > CDR_TEXT_MAX.callId) {
    throw new StoreError(`call id must be 1..${CDR_TEXT_MAX.callId} characters`);
  }
  return callId;
}

export function checkTime(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreError(`${name} must be a finite time in ms`);
  return Math.round(v);
}

function checkOneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new StoreError(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function clip(v: string | undefined, max: number): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v);
  return s.length > max ? s.slice(0, max) : s;
}

export function cdrToParams(c: CdrInput): CdrParams {
  const startedAt = checkTime('startedAt', c.startedAt);
  const endedAt = checkTime('endedAt', c.endedAt);
  const answeredAt = c.answeredAt === undefined ? undefined : checkTime('answeredAt', c.answeredAt);
  const createdAt = c.recordedAt === undefined ? endedAt : checkTime('recordedAt', c.recordedAt);
  const media = mediaToJson(c.media);
  return [
    checkCallId(c.callId),
    clip(c.aLegCallId, CDR_TEXT_MAX.callId),
    clip(c.bLegCallId, CDR_TEXT_MAX.callId),
    clip(c.fromUri, CDR_TEXT_MAX.uri) ?? '',
    clip(c.fromExt, CDR_TEXT_MAX.ext),
    clip(c.toUri, CDR_TEXT_MAX.uri) ?? '',
    clip(c.toExt, CDR_TEXT_MAX.ext),
    checkOneOf('direction', c.direction ?? 'internal', CALL_DIRECTIONS),
    startedAt,
    answeredAt ?? null,
    endedAt,
    Math.max(0, endedAt - startedAt),
    billableSeconds(answeredAt, endedAt),
    checkOneOf('disposition', c.disposition, CDR_DISPOSITIONS),
    clip(c.hangupCause, CDR_TEXT_MAX.cause),
    checkOneOf('hangupSide', c.hangupSide, HANGUP_SIDES),
    media,
    createdAt,
    ...trunkFieldsToParams(c),
  ];
}

function trunkFieldsToParams(c: Pick<CdrInput, 'trunk' | 'did' | 'fromNumber' | 'toNumber'>): TrunkParams {
  return [clip(c.trunk, CDR_TEXT_MAX.trunk), clip(c.did, CDR_TEXT_MAX.number), clip(c.fromNumber, CDR_TEXT_MAX.number), clip(c.toNumber, CDR_TEXT_MAX.number)];
}

/** Copies the trunk fields that are set (not null) from a row onto a record. */
function trunkFieldsFromSql(r: TrunkSqlColumns, out: Pick<CdrRecord, 'trunk' | 'did' | 'fromNumber' | 'toNumber'>): void {
  if (r.trunk !== null) out.trunk = r.trunk;
  if (r.did !== null) out.did = r.did;
  if (r.from_number !== null) out.fromNumber = r.from_number;
  if (r.to_number !== null) out.toNumber = r.to_number;
}

export function activeCallToParams(a: ActiveCallInput): ActiveCallParams {
  const startedAt = checkTime('startedAt', a.startedAt);
  return [
    checkCallId(a.callId),
    clip(a.aLegCallId, CDR_TEXT_MAX.callId),
    null,
    clip(a.fromUri, CDR_TEXT_MAX.uri) ?? '',
    clip(a.fromExt, CDR_TEXT_MAX.ext),
    clip(a.toUri, CDR_TEXT_MAX.uri) ?? '',
    clip(a.toExt, CDR_TEXT_MAX.ext),
    checkOneOf('direction', a.direction ?? 'internal', CALL_DIRECTIONS),
    startedAt,
    null,
    startedAt,
    ...trunkFieldsToParams(a),
  ];
}

export function cdrFromSql(r: CdrSqlRow): CdrRecord {
  const c: CdrRecord = {
    id: r.id,
    callId: r.call_id,
    fromUri: r.from_uri,
    toUri: r.to_uri,
    direction: r.direction,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    billableS: r.billable_s,
    disposition: r.disposition,
    hangupSide: r.hangup_side,
    createdAt: r.created_at,
  };
  if (r.a_leg_call_id !== null) c.aLegCallId = r.a_leg_call_id;
  if (r.b_leg_call_id !== null) c.bLegCallId = r.b_leg_call_id;
  if (r.from_ext !== null) c.fromExt = r.from_ext;
  if (r.to_ext !== null) c.toExt = r.to_ext;
  if (r.answered_at !== null) c.answeredAt = r.answered_at;
  if (r.hangup_cause !== null) c.hangupCause = r.hangup_cause;
  trunkFieldsFromSql(r, c);
  const media = r.media === null ? undefined : mediaFromJson(r.media);
  if (media) c.media = media;
  if (typeof r.recording_id === 'string') c.recordingId = r.recording_id;
  return c;
}

export function activeCallFromSql(r: ActiveCallSqlRow): ActiveCallRow {
  const a: ActiveCallRow = { callId: r.call_id, fromUri: r.from_uri, toUri: r.to_uri, direction: r.direction, startedAt: r.started_at, updatedAt: r.updated_at };
  if (r.a_leg_call_id !== null) a.aLegCallId = r.a_leg_call_id;
  if (r.b_leg_call_id !== null) a.bLegCallId = r.b_leg_call_id;
  if (r.from_ext !== null) a.fromExt = r.from_ext;
  if (r.to_ext !== null) a.toExt = r.to_ext;
  if (r.answered_at !== null) a.answeredAt = r.answered_at;
  trunkFieldsFromSql(r, a);
  return a;
}

/**
 * What a crash left behind, as a record: it ended at updatedAt, the last moment the PBX is
 * known to have had it up (not the time of recovery, which would bill the downtime).
 */
export function crashedCdr(a: ActiveCallRow, now: number): CdrInput {
  const c: CdrInput = {
    callId: a.callId,
    fromUri: a.fromUri,
    toUri: a.toUri,
    direction: a.direction,
    startedAt: a.startedAt,
    endedAt: Math.max(a.updatedAt, a.answeredAt ?? a.startedAt, a.startedAt),
    disposition: 'crashed',
    hangupCause: 'PBX stopped with the call up',
    hangupSide: 'system',
    recordedAt: now,
  };
  if (a.aLegCallId !== undefined) c.aLegCallId = a.aLegCallId;
  if (a.bLegCallId !== undefined) c.bLegCallId = a.bLegCallId;
  if (a.fromExt !== undefined) c.fromExt = a.fromExt;
  if (a.toExt !== undefined) c.toExt = a.toExt;
  if (a.answeredAt !== undefined) c.answeredAt = a.answeredAt;
  if (a.trunk !== undefined) c.trunk = a.trunk;
  if (a.did !== undefined) c.did = a.did;
  if (a.fromNumber !== undefined) c.fromNumber = a.fromNumber;
  if (a.toNumber !== undefined) c.toNumber = a.toNumber;
  return c;
}

const LEG_FIELDS = ['packets', 'bytes', 'lost', 'jitterMs'] as const;

/** Only the known legs and fields, finite numbers only; undefined when nothing is left. */
export function sanitizeMedia(v: unknown): CdrMediaStats | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const out: CdrMediaStats = {};
  for (const leg of ['caller', 'callee'] as const) {
    const s = (v as Record<string, unknown>)[leg];
    if (typeof s !== 'object' || s === null) continue;
    const stats: CdrLegStats = { packets: 0, bytes: 0, lost: 0, jitterMs: 0 };
    for (const f of LEG_FIELDS) {
      const n = (s as Record<string, unknown>)[f];
      if (typeof n === 'number' && Number.isFinite(n)) stats[f] = n;
    }
    out[leg] = stats;
  }
  return out.caller || out.callee ? out : undefined;
}

function mediaToJson(m: CdrMediaStats | undefined): string | null {
  const clean = sanitizeMedia(m);
  return clean ? JSON.stringify(clean) : null;
}

function mediaFromJson(text: string): CdrMediaStats | undefined {
  try {
    return sanitizeMedia(JSON.parse(text));
  } catch {
    return undefined;
  }
}
