import { MetricsRegistry, type Counter, type Gauge } from './metrics.js';

/** How a call attempt ended: the CDR disposition, or refused before it started. */
export type CallAttemptResult = 'answered' | 'busy' | 'no_answer' | 'failed' | 'refused' | 'cancelled';

/**
 * The server's event counters, incremented where the event happens (edge, call records,
 * recording) and rendered by GET /metrics together with the gauges read at scrape time.
 * Made and owned by the composition root (PbxServer) and handed to the parts that count:
 * there is no process-wide registry, so two servers in one process (tests) count apart.
 */
export class PbxMetrics {
  readonly callAttempts: Counter;
  readonly authFailures: Counter;
  readonly recordsPending: Gauge;
  readonly recordWriteFailures: Counter;
  readonly recordsLost: Counter;
  readonly recordingEvents: Counter;

  constructor(readonly registry: MetricsRegistry = new MetricsRegistry()) {
    const r = registry;
    this.callAttempts = r.counter(
      'pbx_call_attempts_total',
      'Call attempts by tenant and result (refused: turned away before the call started, e.g. a limit or no route).',
      ['tenant', 'result'],
    );
    this.authFailures = r.counter('pbx_auth_failures_total', 'Digest authentication failures at the SIP edge (403 after a challenge), by tenant.', ['tenant']);
    this.recordsPending = r.gauge('pbx_call_records_pending', 'Call record writes queued in memory because the tenant store could not take them (disk full, I/O error), by tenant.', ['tenant']);
    this.recordWriteFailures = r.counter('pbx_call_record_write_failures_total', 'Call record writes queued to be tried again because the tenant store could not take them, by tenant.', ['tenant']);
    this.recordsLost = r.counter('pbx_call_records_lost_total', 'Call record writes given up (queue full, unusable record, or queued at a stop), by tenant.', ['tenant']);
    this.recordingEvents = r.counter('pbx_recording_events_total', 'Call recordings started, refused (quota, media) and stopped (hangup, quota, stopped, error).', ['event']);
  }

  /** A digest failure of a tenant (undefined: the domain named no tenant → tenant="_unknown"). */
  authFailure(tenantId: string | undefined): void {
    this.authFailures.inc({ tenant: this.registry.tenantLabel(tenantId) });
  }

  callAttempt(tenantId: string, result: CallAttemptResult): void {
    this.callAttempts.inc({ tenant: tenantId, result });
  }
}
