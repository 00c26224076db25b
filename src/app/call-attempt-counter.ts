import type { CallRecorder } from '../b2bua/ports.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { PbxMetrics } from '../util/pbx-metrics.js';

/**
 * Wraps the recorder of each call so that every call attempt is counted once, when it
 * ends (pbx_call_attempts_total{tenant,result}): with its disposition when the call had
 * started, or result="refused" when it was turned away before it started (a record
 * written with no start: limits, no route, unusable SDP, unknown callee).
 */
export function countingRecorders(inner: (tenant: TenantContext) => CallRecorder, metrics: Pick<PbxMetrics, 'callAttempt'>): (tenant: TenantContext) => CallRecorder {
  const started = new Set<string>();
  return (tenant) => {
    const r = inner(tenant);
    return {
      started: (rec) => {
        started.add(rec.callId);
        r.started(rec);
      },
      answered: (callId, at) => r.answered(callId, at),
      ended: (rec) => {
        const wasStarted = started.delete(rec.callId);
        try {
          metrics.callAttempt(tenant.id, wasStarted ? rec.disposition : 'refused');
        } catch {
          // counting never breaks a call
        }
        r.ended(rec);
      },
    };
  };
}
