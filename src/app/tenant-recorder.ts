import type { CallRecorder } from '../b2bua/ports.js';
import { billableSeconds, type CdrMediaStats } from '../store/cdr-row.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Logger } from '../util/logger.js';
import type { MediaStats, LegStats } from '../media/protocol.js';
import type { RecordSpool } from './record-spool.js';

/**
 * The tenant's store as a call's recorder. Leg A of the media session faces the caller,
 * leg B the callee. A failing write never breaks the call: with a spool it is queued and
 * retried (issue 16, finding 7), without one it is logged.
 */
export function tenantRecorder(tenant: TenantContext, logger: Logger, spool?: RecordSpool): CallRecorder {
  const safe = (what: 'start' | 'answer' | 'end', fn: () => void, outbound?: { startedAt: number; billableS: number }) => {
    if (spool) {
      spool.write(tenant.id, { what, run: fn, ...(outbound ? { outbound } : {}) });
      return;
    }
    try {
      fn();
    } catch (e) {
      logger.error(`call record: ${what} failed`, { tenant: tenant.id, error: e });
    }
  };
  return {
    started: (r) => safe('start', () => tenant.store.callStarted(r)),
    answered: (callId, at) => safe('answer', () => tenant.store.callAnswered(callId, at)),
    ended: (r) =>
      safe('end', () => {
        const media = mediaOf(r.media);
        tenant.store.callEnded({
          callId: r.callId,
          aLegCallId: r.aLegCallId,
          ...(r.bLegCallId !== undefined ? { bLegCallId: r.bLegCallId } : {}),
          fromUri: r.fromUri,
          ...(r.fromExt !== undefined ? { fromExt: r.fromExt } : {}),
          toUri: r.toUri,
          ...(r.toExt !== undefined ? { toExt: r.toExt } : {}),
          direction: r.direction,
          ...(r.trunk !== undefined ? { trunk: r.trunk } : {}),
          ...(r.did !== undefined ? { did: r.did } : {}),
          ...(r.fromNumber !== undefined ? { fromNumber: r.fromNumber } : {}),
          ...(r.toNumber !== undefined ? { toNumber: r.toNumber } : {}),
          startedAt: r.startedAt,
          ...(r.answeredAt !== undefined ? { answeredAt: r.answeredAt } : {}),
          endedAt: r.endedAt,
          disposition: r.disposition,
          hangupCause: r.hangupCause,
          hangupSide: r.hangupSide,
          ...(media ? { media } : {}),
        });
      }, r.direction === 'outbound' ? { startedAt: r.startedAt, billableS: billableSeconds(r.answeredAt, r.endedAt) } : undefined),
  };
}

function mediaOf(m: unknown): CdrMediaStats | undefined {
  const s = m as MediaStats | undefined;
  if (!s || typeof s !== 'object' || !s.a || !s.b) return undefined;
  const leg = (l: LegStats) => ({ packets: l.packetsReceived, bytes: l.bytesReceived, lost: l.lost, jitterMs: l.jitterMs });
  return { caller: leg(s.a), callee: leg(s.b) };
}
