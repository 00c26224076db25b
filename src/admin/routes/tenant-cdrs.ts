import { CALL_DIRECTIONS, CDR_DISPOSITIONS, type CallDirection, type CdrDisposition } from '../../store/cdr-row.js';
import type { CdrQuery, CdrRecord } from '../../store/tenant-store.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { ApiRequest, JsonSchema, RouteDef } from '../api-types.js';
import { csvRow } from './csv.js';
import { CURSOR_PARAM, decodeCursor, encodeCursor, iso, LIMIT_PARAM, pageSize, parseTime, ROLES_ADMIN, tenantOf, TIME_PARAM, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'CDRs';
/** A page of JSON; the store's cap (CDR_LIST_MAX) is far above, so a page + 1 is always possible. */
export const CDR_PAGE_MAX = 1000;
/** The most records one CSV export holds (read in pages of CSV_CHUNK). */
export const CSV_MAX_ROWS = 100_000;
const CSV_CHUNK = 5000;

const FILTERS = {
  from: { ...TIME_PARAM, description: 'startedAt >= from (ISO 8601 or ms)' },
  to: { ...TIME_PARAM, description: 'startedAt < to (ISO 8601 or ms)' },
  ext: { type: 'string', maxLength: 64, description: 'calls this extension made or took' },
  disposition: { type: 'string', enum: [...CDR_DISPOSITIONS] },
  direction: { type: 'string', enum: [...CALL_DIRECTIONS] },
  order: { type: 'string', enum: ['asc', 'desc'], description: 'by start time; default desc (newest first)' },
};

export const CDR: JsonSchema = {
  type: 'object',
  required: ['id', 'callId', 'direction', 'disposition', 'startedAt', 'endedAt', 'durationMs', 'billableS', 'fromUri', 'toUri', 'hangupSide'],
  properties: {
    id: { type: 'integer' },
    callId: { type: 'string' },
    aLegCallId: { type: 'string' },
    bLegCallId: { type: 'string' },
    direction: { type: 'string', enum: [...CALL_DIRECTIONS] },
    disposition: { type: 'string', enum: [...CDR_DISPOSITIONS] },
    startedAt: { type: 'string', format: 'date-time' },
    answeredAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    billableS: { type: 'integer' },
    fromUri: { type: 'string' },
    fromExt: { type: 'string' },
    toUri: { type: 'string' },
    toExt: { type: 'string' },
    fromNumber: { type: 'string' },
    toNumber: { type: 'string' },
    trunk: { type: 'string' },
    did: { type: 'string' },
    hangupCause: { type: 'string' },
    hangupSide: { type: 'string', enum: ['caller', 'callee', 'system'] },
    media: { type: 'object' },
    recordingId: { type: 'string', description: "the call's first recording (GET .../recordings/{recordingId})" },
  },
};

export function cdrView(c: CdrRecord): Record<string, unknown> {
  const { createdAt: _created, ...rest } = c;
  return { ...rest, startedAt: iso(c.startedAt), endedAt: iso(c.endedAt), ...(c.answeredAt !== undefined ? { answeredAt: iso(c.answeredAt) } : {}) };
}

/** The filters of a request as a store query (no limit, no cursor). */
export function cdrFilter(req: ApiRequest<unknown>): CdrQuery {
  const q = req.query;
  const since = parseTime('from', q['from']);
  const until = parseTime('to', q['to']);
  return {
    newestFirst: q['order'] !== 'asc',
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(q['ext'] !== undefined ? { ext: q['ext'] } : {}),
    ...(q['disposition'] !== undefined ? { disposition: q['disposition'] as CdrDisposition } : {}),
    ...(q['direction'] !== undefined ? { direction: q['direction'] as CallDirection } : {}),
  };
}

export const CSV_COLUMNS = [
  'id', 'callId', 'startedAt', 'answeredAt', 'endedAt', 'durationMs', 'billableS', 'direction', 'disposition',
  'fromExt', 'toExt', 'fromNumber', 'toNumber', 'fromUri', 'toUri', 'trunk', 'did', 'hangupCause', 'hangupSide',
] as const;

export function cdrCsvRow(c: CdrRecord): string {
  return csvRow([
    c.id, c.callId, iso(c.startedAt), c.answeredAt !== undefined ? iso(c.answeredAt) : '', iso(c.endedAt), c.durationMs, c.billableS, c.direction, c.disposition,
    c.fromExt, c.toExt, c.fromNumber, c.toNumber, c.fromUri, c.toUri, c.trunk, c.did, c.hangupCause, c.hangupSide,
  ]);
}

/** Every record matching the filter, in pages (keyset), up to `max`. */
export function exportCdrs(t: TenantContext, filter: CdrQuery, max: number): { text: string; rows: number; truncated: boolean } {
  const parts: string[] = [csvRow([...CSV_COLUMNS])];
  let after: CdrQuery['after'];
  let rows = 0;
  for (;;) {
    const want = Math.min(CSV_CHUNK, max - rows);
    if (want <= 0) break;
    const page = t.store.listCdrs({ ...filter, limit: want, ...(after ? { after } : {}) });
    for (const c of page) parts.push(cdrCsvRow(c));
    rows += page.length;
    if (page.length < want) return { text: parts.join(''), rows, truncated: false };
    const last = page[page.length - 1]!;
    after = { startedAt: last.startedAt, id: last.id };
  }
  const more = t.store.listCdrs({ ...filter, limit: 1, ...(after ? { after } : {}) }).length > 0;
  return { text: parts.join(''), rows, truncated: more };
}

export function cdrRoutes(deps: TenantResourceDeps): RouteDef[] {
  const list: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/cdrs',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Call records, filtered, a page at a time (nextCursor)',
    query: { type: 'object', additionalProperties: false, properties: { ...FILTERS, limit: LIMIT_PARAM(CDR_PAGE_MAX), cursor: CURSOR_PARAM } },
    response: {
      status: 200,
      schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: CDR }, nextCursor: { type: ['string', 'null'] } } },
    },
    handler(req) {
      const t = tenantOf(deps, req);
      const limit = pageSize(req.query['limit'], 100, CDR_PAGE_MAX);
      const cursor = decodeCursor(req.query['cursor'], 2);
      const rows = t.store.listCdrs({ ...cdrFilter(req), limit: limit + 1, ...(cursor ? { after: { startedAt: cursor[0]!, id: cursor[1]! } } : {}) });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { body: { items: page.map(cdrView), nextCursor: rows.length > limit && last ? encodeCursor([last.startedAt, last.id]) : null } };
    },
  };

  const csv: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/cdrs.csv',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: `Call records as CSV (RFC 4180; cells that look like formulas are prefixed with '), at most ${CSV_MAX_ROWS} rows`,
    query: { type: 'object', additionalProperties: false, properties: FILTERS },
    response: { status: 200, contentType: 'text/csv', description: 'header X-Truncated: true when more records matched than one export holds' },
    handler(req) {
      const t = tenantOf(deps, req);
      const out = exportCdrs(t, cdrFilter(req), CSV_MAX_ROWS);
      return {
        text: out.text,
        contentType: 'text/csv; charset=utf-8',
        headers: { 'content-disposition': `attachment; filename="${t.id}-cdrs.csv"`, ...(out.truncated ? { 'x-truncated': 'true' } : {}) },
      };
    },
  };
  return [list, csv];
}
