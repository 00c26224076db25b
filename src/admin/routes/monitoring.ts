import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type ELDHistogram } from 'node:perf_hooks';
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE, renderExposition, TENANT_PROVIDER } from '../../util/metrics.js';
import type { ApiResult, RawRoute } from '../api-types.js';
import { queueGauges, type QueueSnapshot } from '../queue-gauges.js';

/** What the running server looks like at one scrape; every field is read, nothing is kept. */
export interface MonitoringSnapshot {
  /** Tenant ids that may appear as label values (the others count as tenant="_other"). */
  tenants: readonly string[];
  /** Call queues with live state (tenant, queue, statistics); absent: none. */
  queues?: readonly QueueSnapshot[];
  /** Calls in progress, by tenant id. */
  activeCalls: Readonly<Record<string, number>>;
  /** Registered contacts, by tenant id. */
  registrations: Readonly<Record<string, number>>;
  /** Register trunks: the owning tenant (undefined: the provider's) and whether the carrier has us registered. */
  trunks: ReadonlyArray<{ tenant?: string; trunk: string; registered: boolean }>;
  sip: {
    serverTransactions: number;
    clientTransactions: number;
    connections: number;
    messagesReceived: number;
    messagesSent: number;
    sendErrors: number;
    parseErrors: number;
    rejectedMessages: number;
    droppedMessages: number;
    rejectedConnections: number;
    /** Closed by a deadline (idle, message deadline, no first message, handshake); absent: not reported. */
    expiredConnections?: number;
    /** Idle unpinned connections closed to make room at the total cap; absent: not reported. */
    evictedConnections?: number;
    /** STUN Binding requests answered / STUN datagrams dropped on the SIP UDP ports (RFC 5626 §4.4.2); absent: not reported. */
    stunAnswered?: number;
    stunDropped?: number;
    /** SIP over WebSocket (RFC 7118): upgrades refused (no `sip` subprotocol) and frames over the size cap; absent: not reported. */
    ws?: { refusedHandshakes: number; oversizedFrames: number };
    /** OPTIONS keep-alives to UDP phones (natKeepalive): sent, answered, unanswered, bindings removed; absent: not reported. */
    keepalive?: { sent: number; answered: number; missed: number; dropped: number };
    bannedSources: number;
    bansTotal: number;
    throttledTotal: number;
    openTenantStores: number;
  };
  /** One entry per media worker; the load fields are absent when it did not answer. */
  media: ReadonlyArray<MediaWorkerSnapshot>;
}

export interface MediaWorkerSnapshot {
  worker: number;
  up: boolean;
  sessions?: number;
  portsInUse?: number;
  portsFree?: number;
  packetsRelayed?: number;
  bytesRelayed?: number;
  packetsDropped?: number;
  /** SRTP packets dropped for a bad tag or a replayed index since the worker started. */
  srtpAuthFailed?: number;
  srtpReplayed?: number;
  /** Browser legs: STUN checks and DTLS records refused (media/worker/leg-webrtc.ts). */
  webrtcIceRefused?: number;
  webrtcDtlsRefused?: number;
  /** Busy share of the worker's event loop since it started, 0..1. */
  loopUtilization?: number;
  cpuSeconds?: number;
  /** 20 ms frame ticks of the worker's pacer (transcoding, playback, mixing) since it started, and those run more than 10 ms late. */
  framesPaced?: number;
  framesLate?: number;
}

export interface ReadinessCheck {
  /** e.g. 'sip-listeners', 'media-workers', 'system-store'. */
  name: string;
  ok: boolean;
  detail?: string;
}

export interface MonitoringDeps {
  /** The server's parts as gauges, read at each scrape of /metrics. */
  snapshot(): MonitoringSnapshot | Promise<MonitoringSnapshot>;
  /** The checks /readyz runs; all must pass for 200. */
  readiness(): ReadonlyArray<ReadinessCheck> | Promise<ReadonlyArray<ReadinessCheck>>;
  /** Counters incremented at the event: the server's PbxMetrics registry. */
  counters: MetricsRegistry;
  /** /readyz answers 503 'timeout' when the checks take longer. Default 2 000 ms. */
  readinessTimeoutMs?: number;
}

/** GET /readyz's answer: each check by name, 'ok' or why it fails. */
const READY_BODY = {
  type: 'object',
  required: ['status', 'checks'],
  properties: { status: { enum: ['ready', 'not ready'] }, failing: { type: 'array', items: { type: 'string' } }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
};

/**
 * GET /metrics (Prometheus text format 0.0.4, provider token), GET /healthz (the process
 * answers) and GET /readyz (SIP listeners up, media workers alive, system store readable).
 */
export function monitoringRoutes(deps: MonitoringDeps): RawRoute[] {
  const counters = deps.counters;
  const processGauges = new ProcessGauges();
  return [
    {
      method: 'GET',
      path: '/metrics',
      auth: 'provider',
      summary: 'Prometheus metrics (text exposition format)',
      doc: { tag: 'service', responses: { 200: { description: 'Counters and gauges', contentType: PROMETHEUS_CONTENT_TYPE }, 401: { description: 'No token or session' }, 403: { description: 'Not a provider' } } },
      handler: async (): Promise<ApiResult> => {
        const snap = await deps.snapshot();
        counters.setKnownTenants(snap.tenants);
        const gauges = new MetricsRegistry({ maxSeriesPerMetric: counters.maxSeries });
        gauges.setKnownTenants(snap.tenants);
        serverGauges(gauges, snap);
        if (snap.queues) queueGauges(gauges, snap.queues);
        processGauges.fill(gauges);
        return { status: 200, text: await renderExposition([counters, gauges]), contentType: PROMETHEUS_CONTENT_TYPE };
      },
    },
    {
      method: 'GET',
      path: '/healthz',
      auth: 'none',
      summary: 'Liveness: the process answers',
      doc: { tag: 'service', responses: { 200: { description: 'Alive', schema: { type: 'object', required: ['status', 'uptimeSeconds'], properties: { status: { const: 'ok' }, uptimeSeconds: { type: 'integer' } } } } } },
      handler: (): ApiResult => ({ status: 200, body: { status: 'ok', uptimeSeconds: Math.round(process.uptime()) } }),
    },
    {
      method: 'GET',
      path: '/readyz',
      auth: 'none',
      summary: 'Readiness: every check passes (stores open, listeners up, not stopping)',
      doc: { tag: 'service', responses: { 200: { description: 'Ready', schema: READY_BODY }, 503: { description: 'Not ready: the failing checks, and each check by name with why', schema: READY_BODY } } },
      handler: async (): Promise<ApiResult> => {
        const checks = await withTimeout(Promise.resolve().then(() => deps.readiness()), deps.readinessTimeoutMs ?? 2_000).catch(
          (e: unknown): ReadinessCheck[] => [{ name: e instanceof TimeoutError ? 'timeout' : 'readiness', ok: false, detail: e instanceof Error ? e.message : String(e) }],
        );
        const failing = checks.filter((c) => !c.ok).map((c) => c.name);
        const byName = Object.fromEntries(checks.map((c) => [c.name, c.ok ? 'ok' : (c.detail ?? 'failed')]));
        return failing.length === 0
          ? { status: 200, body: { status: 'ready', checks: byName } }
          : { status: 503, body: { status: 'not ready', failing, checks: byName } };
      },
    },
  ];
}

/** The server's gauges (and the transport's own running totals) into a registry made for one scrape. */
export function serverGauges(r: MetricsRegistry, s: MonitoringSnapshot): void {
  const calls = r.gauge('pbx_active_calls', 'Calls in progress, by tenant.', ['tenant']);
  const regs = r.gauge('pbx_registrations', 'Registered contacts (bindings), by tenant.', ['tenant']);
  for (const t of s.tenants) {
    calls.set({ tenant: t }, s.activeCalls[t] ?? 0);
    regs.set({ tenant: t }, s.registrations[t] ?? 0);
  }
  for (const [t, n] of Object.entries(s.activeCalls)) if (!s.tenants.includes(t)) calls.inc({ tenant: t }, n);
  for (const [t, n] of Object.entries(s.registrations)) if (!s.tenants.includes(t)) regs.inc({ tenant: t }, n);

  const trunk = r.gauge('pbx_trunk_registered', 'Whether a register trunk is registered with its carrier (1) or not (0); tenant="_provider" for the provider\'s trunks.', ['tenant', 'trunk']);
  for (const t of s.trunks) trunk.set({ tenant: t.tenant ?? TENANT_PROVIDER, trunk: t.trunk }, t.registered ? 1 : 0);

  const tx = r.gauge('pbx_sip_transactions', 'SIP transactions in progress, by kind.', ['kind']);
  tx.set({ kind: 'server' }, s.sip.serverTransactions);
  tx.set({ kind: 'client' }, s.sip.clientTransactions);
  r.gauge('pbx_sip_connections', 'Open SIP connections (TCP and TLS).').set(undefined, s.sip.connections);
  r.counter('pbx_sip_messages_received_total', 'Well-formed SIP messages received.').inc(undefined, s.sip.messagesReceived);
  r.counter('pbx_sip_messages_sent_total', 'SIP messages handed to a socket.').inc(undefined, s.sip.messagesSent);
  r.counter('pbx_sip_send_errors_total', 'SIP messages that could not be sent.').inc(undefined, s.sip.sendErrors);
  r.counter('pbx_sip_parse_errors_total', 'Datagrams and stream messages that failed to parse or frame.').inc(undefined, s.sip.parseErrors);
  r.counter('pbx_sip_messages_rejected_total', 'Stateless 400/505/513 answers to malformed messages.').inc(undefined, s.sip.rejectedMessages);
  r.counter('pbx_sip_messages_dropped_total', 'Messages dropped without an answer (refused source, or malformed beyond answering).').inc(undefined, s.sip.droppedMessages);
  r.counter('pbx_sip_connections_rejected_total', 'Connections closed at accept (banned source or over a cap).').inc(undefined, s.sip.rejectedConnections);
  if (s.sip.expiredConnections !== undefined) {
    r.counter('pbx_sip_connections_expired_total', 'Connections closed by a deadline: idle, a message not read whole in time, no first message, TLS handshake.').inc(undefined, s.sip.expiredConnections);
  }
  if (s.sip.evictedConnections !== undefined) {
    r.counter('pbx_sip_connections_evicted_total', 'Idle connections with no registration or call closed to make room for a new one at sip.tcp.maxConnections.').inc(undefined, s.sip.evictedConnections);
  }
  if (s.sip.stunAnswered !== undefined) r.counter('pbx_sip_stun_answered_total', 'STUN Binding requests answered on the SIP UDP ports (RFC 5626 keep-alives), error responses included.').inc(undefined, s.sip.stunAnswered);
  if (s.sip.stunDropped !== undefined) r.counter('pbx_sip_stun_dropped_total', 'STUN datagrams not answered: malformed, not a request, or from a throttled source.').inc(undefined, s.sip.stunDropped);
  if (s.sip.ws) {
    const w = r.counter('pbx_sip_ws_refused_total', 'SIP over WebSocket refused: a handshake without the sip subprotocol (or plain HTTP), a frame over sip.maxMessageBytes.', ['reason']);
    w.inc({ reason: 'handshake' }, s.sip.ws.refusedHandshakes);
    w.inc({ reason: 'oversized' }, s.sip.ws.oversizedFrames);
  }
  if (s.sip.keepalive) {
    const k = r.counter('pbx_sip_keepalive_options_total', 'OPTIONS keep-alives to UDP phones (tenant natKeepalive), by outcome.', ['outcome']);
    for (const outcome of ['sent', 'answered', 'missed', 'dropped'] as const) k.inc({ outcome }, s.sip.keepalive[outcome]);
  }
  r.gauge('pbx_security_banned_sources', 'Source addresses banned now.').set(undefined, s.sip.bannedSources);
  r.counter('pbx_security_bans_total', 'Bans imposed (flood or authentication failures).').inc(undefined, s.sip.bansTotal);
  r.counter('pbx_security_throttled_total', 'Requests dropped by flood throttling.').inc(undefined, s.sip.throttledTotal);
  r.gauge('pbx_tenant_stores_open', 'Tenant SQLite stores open now.').set(undefined, s.sip.openTenantStores);

  r.gauge('pbx_media_workers', 'Media worker threads configured.').set(undefined, s.media.length);
  const up = r.gauge('pbx_media_worker_up', 'Whether a media worker takes commands (1) or not (0).', ['worker']);
  const sessions = r.gauge('pbx_media_worker_sessions', 'Media sessions (two relay legs each) on a worker.', ['worker']);
  const inUse = r.gauge('pbx_media_worker_ports_in_use', 'RTP ports of a worker in use.', ['worker']);
  const free = r.gauge('pbx_media_worker_ports_free', 'RTP ports of a worker free.', ['worker']);
  const relayed = r.counter('pbx_media_worker_packets_relayed_total', 'RTP and RTCP packets a worker relayed since it started.', ['worker']);
  const bytes = r.counter('pbx_media_worker_bytes_relayed_total', 'RTP bytes a worker relayed since it started.', ['worker']);
  const dropped = r.counter('pbx_media_worker_packets_dropped_total', 'Packets a worker dropped since it started (stray source, invalid, nowhere to send).', ['worker']);
  const srtpAuth = r.counter('pbx_media_worker_srtp_auth_failed_total', 'SRTP/SRTCP packets a worker dropped for a bad authentication tag (RFC 3711 §3.3).', ['worker']);
  const srtpReplay = r.counter('pbx_media_worker_srtp_replayed_total', 'SRTP/SRTCP packets a worker dropped as replays (RFC 3711 §3.3.2).', ['worker']);
  const webrtcRefused = r.counter('pbx_media_worker_webrtc_refused_total', 'Browser legs: STUN checks and DTLS records a worker refused (from an address that did not signal, or failing ICE credentials).', ['worker', 'kind']);
  const elu = r.gauge('pbx_media_worker_event_loop_utilization', 'Busy share of a worker\'s event loop since it started (0..1).', ['worker']);
  const cpu = r.counter('pbx_media_worker_cpu_seconds_total', 'CPU time of a worker thread (Linux only).', ['worker']);
  const paced = r.counter('pbx_media_worker_frames_paced_total', '20 ms frame ticks of a worker\'s pacer (transcoding, playback, mixing) since it started.', ['worker']);
  const late = r.counter('pbx_media_worker_frames_late_total', 'Frame ticks of a worker\'s pacer run more than 10 ms after their due time.', ['worker']);
  for (const w of s.media) {
    const l = { worker: w.worker };
    up.set(l, w.up ? 1 : 0);
    if (w.sessions !== undefined) sessions.set(l, w.sessions);
    if (w.portsInUse !== undefined) inUse.set(l, w.portsInUse);
    if (w.portsFree !== undefined) free.set(l, w.portsFree);
    if (w.packetsRelayed !== undefined) relayed.inc(l, w.packetsRelayed);
    if (w.bytesRelayed !== undefined) bytes.inc(l, w.bytesRelayed);
    if (w.packetsDropped !== undefined) dropped.inc(l, w.packetsDropped);
    if (w.srtpAuthFailed !== undefined) srtpAuth.inc(l, w.srtpAuthFailed);
    if (w.srtpReplayed !== undefined) srtpReplay.inc(l, w.srtpReplayed);
    if (w.webrtcIceRefused !== undefined) webrtcRefused.inc({ ...l, kind: 'stun' }, w.webrtcIceRefused);
    if (w.webrtcDtlsRefused !== undefined) webrtcRefused.inc({ ...l, kind: 'dtls' }, w.webrtcDtlsRefused);
    if (w.loopUtilization !== undefined) elu.set(l, w.loopUtilization);
    if (w.cpuSeconds !== undefined) cpu.inc(l, w.cpuSeconds);
    if (w.framesPaced !== undefined) paced.inc(l, w.framesPaced);
    if (w.framesLate !== undefined) late.inc(l, w.framesLate);
  }
}

/** Memory, CPU, uptime, file descriptors and event-loop health of this process. */
class ProcessGauges {
  private lag: ELDHistogram | undefined;
  private lastElu: EventLoopUtilization | undefined;

  fill(r: MetricsRegistry): void {
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    r.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.').set(undefined, m.rss);
    r.gauge('nodejs_heap_size_total_bytes', 'V8 heap size in bytes.').set(undefined, m.heapTotal);
    r.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use in bytes.').set(undefined, m.heapUsed);
    r.gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers) in bytes.').set(undefined, m.external);
    r.counter('process_cpu_seconds_total', 'User and system CPU time of the process in seconds.').inc(undefined, (cpu.user + cpu.system) / 1e6);
    r.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds.').set(undefined, Math.round((Date.now() - process.uptime() * 1000) / 1000));
    r.gauge('process_uptime_seconds', 'Seconds since the process started.').set(undefined, Math.round(process.uptime()));
    const fds = openFds();
    if (fds !== undefined) r.gauge('process_open_fds', 'Open file descriptors.').set(undefined, fds);
    // Event loop: utilisation and delay since the previous scrape (the first scrape: since start).
    const now = performance.eventLoopUtilization();
    const since = this.lastElu ? performance.eventLoopUtilization(now, this.lastElu) : now;
    this.lastElu = now;
    r.gauge('nodejs_eventloop_utilization', 'Busy share of the main event loop since the previous scrape (0..1).').set(undefined, round(since.utilization));
    if (!this.lag) {
      this.lag = monitorEventLoopDelay({ resolution: 20 });
      this.lag.enable();
    }
    const h = this.lag;
    const mean = Number.isFinite(h.mean) ? h.mean / 1e9 : 0;
    r.gauge('nodejs_eventloop_lag_seconds', 'Mean event-loop delay since the previous scrape, in seconds.').set(undefined, round(mean));
    r.gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile of the event-loop delay since the previous scrape, in seconds.').set(undefined, round(h.count > 0 ? h.percentile(99) / 1e9 : 0));
    r.gauge('nodejs_eventloop_lag_max_seconds', 'Largest event-loop delay since the previous scrape, in seconds.').set(undefined, round(h.count > 0 ? h.max / 1e9 : 0));
    h.reset();
  }
}

function openFds(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the one readdir itself opened
  } catch {
    return undefined;
  }
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`readiness checks took more than ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
