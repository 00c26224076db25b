import { MetricsRegistry, type Counter } from './metrics.js';

/**
 * The process's event counters, incremented where the event happens (edge, b2bua,
 * recorder) and rendered by GET /metrics together with the gauges read at scrape time.
 * One registry per process: one PBX runs in one process.
 */
export const pbxRegistry = new MetricsRegistry();

/** How a call attempt ended: the CDR disposition, or refused before it started. */
export type CallAttemptResult = 'answered' | 'busy' | 'no_answer' | 'failed' | 'refused' | 'cancelled';

export const pbxCounters: { callAttempts: Counter; authFailures: Counter } = {
  callAttempts: pbxRegistry.counter(
    'pbx_call_attempts_total',
    'Call attempts by tenant and result (refused: turned away before the call started, e.g. a limit or no route).',
    ['tenant', 'result'],
  ),
  authFailures: pbxRegistry.counter('pbx_auth_failures_total', 'Digest authentication failures at the SIP edge (403 after a challenge), by tenant.', ['tenant']),
};

/** A digest failure of a tenant (undefined: the domain named no tenant → tenant="_unknown"). */
export function countAuthFailure(tenantId: string | undefined): void {
  pbxCounters.authFailures.inc({ tenant: pbxRegistry.tenantLabel(tenantId) });
}

export function countCallAttempt(tenantId: string, result: CallAttemptResult): void {
  pbxCounters.callAttempts.inc({ tenant: tenantId, result });
}
