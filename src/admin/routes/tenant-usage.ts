import { folderBytes } from '../folder-bytes.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { tenantDir } from '../../store/tenant-id.js';
import type { JsonSchema, RouteDef } from '../api-types.js';
import { badRequest, iso, parseTime, ROLES_ADMIN, tenantOf, TIME_PARAM, type TenantResourceDeps } from './tenant-resource-kit.js';
import { bucketBounds, nextPeriod, periodStart, usageBuckets, usageTotals, type UsagePeriod } from './usage-buckets.js';

const TAG = 'Usage';
/** Calls longer than this that began before the range are not seen by peak concurrency at its start. */
export const USAGE_LOOKBACK_MS = 86_400_000;
const MAX_BUCKETS: Record<UsagePeriod, number> = { day: 400, month: 120 };

const MINUTES: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inbound', 'outbound', 'internal'],
  properties: { inbound: { type: 'number' }, outbound: { type: 'number' }, internal: { type: 'number' } },
};
const TOTALS_PROPERTIES = {
  calls: { type: 'integer', description: 'calls started in the bucket' },
  minutes: { ...MINUTES, description: 'billable minutes by direction' },
  peakConcurrency: { type: 'integer', description: 'most calls up at one moment' },
};
const BUCKET: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end', 'calls', 'minutes', 'peakConcurrency'],
  properties: { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' }, ...TOTALS_PROPERTIES },
};


/** The tenant's folder: tenant.sqlite (with -wal, -shm) and its media. */
export function storageBytes(dataDir: string, tenantId: string): number {
  return folderBytes(tenantDir(dataDir, tenantId));
}

function range(period: UsagePeriod, now: number, from: number | undefined, to: number | undefined, back: number): [number, number] {
  const end = to ?? nextPeriod(period, now);
  let start = from;
  if (start === undefined) {
    start = periodStart(period, end - 1);
    for (let i = 1; i < back; i++) start = periodStart(period, start - 1);
  }
  if (!(start < end)) throw badRequest('from must be before to');
  return [start, end];
}

function periodOf(v: string | undefined): UsagePeriod {
  return v === 'month' ? 'month' : 'day';
}

export function tenantUsage(deps: TenantResourceDeps, t: TenantContext, period: UsagePeriod, from: number, to: number) {
  let bounds: Array<[number, number]>;
  try {
    bounds = bucketBounds(period, from, to, MAX_BUCKETS[period]);
  } catch (e) {
    throw badRequest(`${(e as Error).message}: narrow from/to`);
  }
  const start = bounds[0]![0];
  const end = bounds[bounds.length - 1]![1];
  const rows = t.store.cdrUsageRows(start, end, USAGE_LOOKBACK_MS);
  return {
    tenantId: t.id,
    period,
    from: iso(start),
    to: iso(end),
    storageBytes: storageBytes(deps.dataDir, t.id),
    buckets: usageBuckets(rows, bounds).map((b) => ({ ...b, start: iso(b.start), end: iso(b.end) })),
  };
}

export function usageRoutes(deps: TenantResourceDeps): RouteDef[] {
  const perTenant: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/usage',
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Calls, billable minutes by direction and peak concurrency per UTC day or month; storage bytes now',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: { period: { type: 'string', enum: ['day', 'month'], description: 'default day' }, from: TIME_PARAM, to: TIME_PARAM },
    },
    response: {
      status: 200,
      schema: {
        type: 'object',
        required: ['tenantId', 'period', 'from', 'to', 'storageBytes', 'buckets'],
        properties: {
          tenantId: { type: 'string' },
          period: { type: 'string', enum: ['day', 'month'] },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          storageBytes: { type: 'integer', description: "the tenant's folder (tenant.sqlite and media) as it is now" },
          buckets: { type: 'array', items: BUCKET },
        },
      },
      description: 'Default range: the last 30 days, or the last 12 months',
    },
    handler(req) {
      const t = tenantOf(deps, req);
      const period = periodOf(req.query['period']);
      const [from, to] = range(period, deps.clock.now(), parseTime('from', req.query['from']), parseTime('to', req.query['to']), period === 'day' ? 30 : 12);
      return { body: tenantUsage(deps, t, period, from, to) };
    },
  };

  const all: RouteDef = {
    method: 'GET',
    path: '/usage',
    roles: ['provider'],
    tag: TAG,
    summary: 'Usage of every tenant over one range (default: this UTC month), with storage bytes',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: { period: { type: 'string', enum: ['day', 'month'], description: 'the default range: today or this month (default)' }, from: TIME_PARAM, to: TIME_PARAM },
    },
    response: {
      status: 200,
      schema: {
        type: 'object',
        required: ['from', 'to', 'tenants'],
        properties: {
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          tenants: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['tenantId', 'name', 'status', 'calls', 'minutes', 'peakConcurrency', 'storageBytes'],
              properties: { tenantId: { type: 'string' }, name: { type: 'string' }, status: { type: 'string' }, ...TOTALS_PROPERTIES, storageBytes: { type: 'integer' } },
            },
          },
        },
      },
    },
    handler(req) {
      const period: UsagePeriod = req.query['period'] === 'day' ? 'day' : 'month';
      const [from, to] = range(period, deps.clock.now(), parseTime('from', req.query['from']), parseTime('to', req.query['to']), 1);
      const tenants = deps.tenants().map((rec) => {
        const t = deps.tenant(rec.id);
        const totals = t ? usageTotals(t.store.cdrUsageRows(from, to, USAGE_LOOKBACK_MS), from, to) : { calls: 0, minutes: { inbound: 0, outbound: 0, internal: 0 }, peakConcurrency: 0 };
        return { tenantId: rec.id, name: rec.name, status: rec.status, ...totals, storageBytes: storageBytes(deps.dataDir, rec.id) };
      });
      return { body: { from: iso(from), to: iso(to), tenants } };
    },
  };
  return [perTenant, all];
}
