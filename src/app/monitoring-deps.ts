import type { MediaWorkerSnapshot, MonitoringDeps, MonitoringSnapshot, ReadinessCheck } from '../admin/routes/monitoring.js';
import type { WorkerLoad } from '../media/protocol.js';
import type { PbxServer } from './pbx-server.js';

/** A media worker that does not answer its load request in this time counts as not answering. */
const WORKER_ANSWER_MS = 1_000;

/**
 * What GET /metrics and GET /readyz read from a running PbxServer: per-tenant calls and
 * registrations, trunk states, SIP and security totals, the media workers' loads (each
 * asked with a time bound), and the readiness checks.
 */
export function monitoringDeps(server: PbxServer, opts: { workerAnswerMs?: number } = {}): MonitoringDeps {
  const answerMs = opts.workerAnswerMs ?? WORKER_ANSWER_MS;
  return {
    counters: server.metrics.registry,
    snapshot: async (): Promise<MonitoringSnapshot> => {
      const p = server.monitoringParts();
      const tenants = p.system.listTenants({ status: 'active' }).map((t) => t.id);
      const activeCalls: Record<string, number> = {};
      const registrations: Record<string, number> = {};
      for (const id of tenants) {
        activeCalls[id] = p.callLimits.activeCalls(id);
        // Only open stores are counted: a tenant whose store is closed has no live binding
        // loaded (stores open on first use and close when idle).
        // A scrape is not a use: it must not keep idle tenants open (peek).
        const open = p.pool.peek(id);
        registrations[id] = open ? safeCount(() => open.countBindings()) : 0;
      }
      const trunks = server.trunkRegistrationStates().map((t) => ({
        ...(t.owner.kind === 'tenant' ? { tenant: t.owner.tenantId } : {}),
        trunk: t.trunk,
        registered: t.state === 'registered',
      }));
      const s = server.stats();
      const loads = await workerLoads(p.media, answerMs);
      return {
        tenants,
        activeCalls,
        registrations,
        trunks,
        sip: {
          serverTransactions: s.transactions.server,
          clientTransactions: s.transactions.client,
          connections: s.transport.connections,
          messagesReceived: s.transport.received,
          messagesSent: s.transport.sent,
          sendErrors: s.transport.sendErrors,
          parseErrors: s.transport.parseErrors,
          rejectedMessages: s.transport.rejectedMessages,
          droppedMessages: s.transport.dropped,
          rejectedConnections: s.transport.rejectedConnections,
          expiredConnections: s.transport.expiredConnections,
          evictedConnections: s.transport.evictedConnections,
          stunAnswered: s.transport.stunAnswered,
          stunDropped: s.transport.stunDropped,
          ws: { refusedHandshakes: s.transport.wsRefusedHandshakes, oversizedFrames: s.transport.wsOversizedFrames },
          ...(s.keepalive ? { keepalive: s.keepalive } : {}),
          bannedSources: s.security.banned,
          bansTotal: s.security.bansImposed,
          throttledTotal: s.security.throttledTotal,
          openTenantStores: s.openStores,
        },
        media: loads,
        queues: server.queues.allStats(),
      };
    },
    readiness: async (): Promise<ReadinessCheck[]> => {
      const p = server.monitoringParts();
      const checks: ReadinessCheck[] = [];
      checks.push({ name: 'not-stopping', ok: !p.stopping, ...(p.stopping ? { detail: 'the server is stopping' } : {}) });
      const sipOk = p.listening >= p.configuredListeners && p.listening > 0;
      checks.push({ name: 'sip-listeners', ok: sipOk, ...(sipOk ? {} : { detail: `${p.listening} of ${p.configuredListeners} listening` }) });
      const workers = p.media.workerStates();
      const down = workers.filter((w) => w.state !== 'ready').map((w) => w.index);
      let mediaOk = workers.length > 0 && down.length === 0;
      let mediaDetail = workers.length === 0 ? 'no media worker' : down.length > 0 ? `workers not ready: ${down.join(', ')}` : undefined;
      if (mediaOk) {
        // Ready by state; alive only if each answers in time.
        const loads = await workerLoads(p.media, answerMs);
        const silent = loads.filter((l) => !l.up).map((l) => l.worker);
        if (silent.length > 0) {
          mediaOk = false;
          mediaDetail = `workers not answering: ${silent.join(', ')}`;
        }
      }
      checks.push({ name: 'media-workers', ok: mediaOk, ...(mediaDetail ? { detail: mediaDetail } : {}) });
      let systemOk = true;
      let systemDetail: string | undefined;
      try {
        p.system.listTenants();
      } catch (e) {
        systemOk = false;
        systemDetail = e instanceof Error ? e.message : String(e);
      }
      checks.push({ name: 'system-store', ok: systemOk, ...(systemDetail ? { detail: systemDetail } : {}) });
      return checks;
    },
  };
}

function safeCount(fn: () => number): number {
  try {
    return fn();
  } catch {
    return 0;
  }
}

async function workerLoads(media: ReturnType<PbxServer['monitoringParts']>['media'], answerMs: number): Promise<MediaWorkerSnapshot[]> {
  const states = media.workerStates();
  let timer: NodeJS.Timeout | undefined;
  const loads = await Promise.race([
    media.loads(),
    new Promise<Array<WorkerLoad | null>>((resolve) => {
      timer = setTimeout(() => resolve(states.map(() => null)), answerMs);
    }),
  ]).finally(() => clearTimeout(timer));
  return states.map((w, i) => {
    const l = loads[i];
    if (!l) return { worker: w.index, up: false };
    const total = l.loopActiveMs + l.loopIdleMs;
    return {
      worker: w.index,
      up: true,
      sessions: l.sessions,
      portsInUse: l.portsInUse,
      portsFree: l.portsFree,
      packetsRelayed: l.packetsRelayed,
      bytesRelayed: l.bytesRelayed,
      packetsDropped: l.packetsDropped,
      ...(l.srtpAuthFailed !== undefined ? { srtpAuthFailed: l.srtpAuthFailed, srtpReplayed: l.srtpReplayed ?? 0 } : {}),
      ...(l.webrtcIceRefused !== undefined ? { webrtcIceRefused: l.webrtcIceRefused, webrtcDtlsRefused: l.webrtcDtlsRefused ?? 0 } : {}),
      loopUtilization: total > 0 ? Math.round((l.loopActiveMs / total) * 1e6) / 1e6 : 0,
      ...(l.cpuMs !== undefined ? { cpuSeconds: l.cpuMs / 1000 } : {}),
      ...(l.framesPaced !== undefined ? { framesPaced: l.framesPaced, framesLate: l.framesLate ?? 0 } : {}),
    };
  });
}
