/**
 * The call queues' statistics as /metrics gauges, labelled by tenant and queue, read from
 * the queue service at each scrape (since the server started). A tenant id that is not
 * known counts as tenant="_other" (MetricsRegistry.tenantLabel), like every tenant label.
 */
import type { QueueStats } from '../apps/queue/queue-runtime.js';
import type { MetricsRegistry } from '../util/metrics.js';

export interface QueueSnapshot {
  tenant: string;
  queue: string;
  stats: QueueStats;
}

export function queueGauges(r: MetricsRegistry, list: readonly QueueSnapshot[]): void {
  if (list.length === 0) return;
  const labels = ['tenant', 'queue'];
  const g = {
    waiting: r.gauge('pbx_queue_waiting', 'Callers waiting in a call queue now.', labels),
    longest: r.gauge('pbx_queue_longest_wait_seconds', 'Longest wait of a caller waiting in a call queue now.', labels),
    answered: r.gauge('pbx_queue_answered', 'Queue calls answered by an agent since the server started.', labels),
    abandoned: r.gauge('pbx_queue_abandoned', 'Queue callers who hung up while waiting, since the server started.', labels),
    overflowed: r.gauge('pbx_queue_overflowed', 'Queue callers sent to the overflow (full, max wait, nobody logged in), since the server started.', labels),
    level: r.gauge('pbx_queue_service_level', 'Share of queue calls answered within the queue\'s serviceLevelSeconds (of answered and abandoned), 0-1.', labels),
  };
  for (const q of list) {
    const l = { tenant: r.tenantLabel(q.tenant), queue: q.queue };
    g.waiting.inc(l, q.stats.waiting);
    g.longest.set(l, q.stats.longestWaitSeconds);
    g.answered.inc(l, q.stats.answered);
    g.abandoned.inc(l, q.stats.abandoned);
    g.overflowed.inc(l, q.stats.overflowed);
    g.level.set(l, q.stats.serviceLevel);
  }
}
