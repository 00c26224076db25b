import { readFileSync } from 'node:fs';
import type { CallApps } from '../apps/call-apps.js';
import { appCallsOptions } from './call-apps-wiring.js';
import type { PbxConfig } from '../config/types.js';
import { SourceGuard, type SourceGuardPolicy } from '../edge/security/source-guard.js';
import { TrustedEdges } from '../edge/trusted-edge.js';
import { TenantDrains } from '../cluster/tenant-drains.js';
import { SipEdge } from '../edge/sip-edge.js';
import { AuthFailLog } from '../edge/security/auth-fail-log.js';
import { B2bua } from '../b2bua/b2bua.js';
import { CallLimits } from '../b2bua/call-limits.js';
import { MediaController } from '../media/controller.js';
import { musicOnHoldFiles } from './music-on-hold-files.js';
import { conferenceCalls } from './conference-wiring.js';
import { recoverVoicemail } from '../apps/voicemail/voicemail-recovery.js';
import { voicemailApps, type VoicemailApps } from '../apps/voicemail/voicemail-apps.js';
import type { ConferenceCalls } from '../b2bua/conference-calls.js';
import { recordToggleSettings } from './record-toggle-settings.js';
import { tenantRecorder } from './tenant-recorder.js';
import { countingRecorders } from './call-attempt-counter.js';
import { CallCheckpoint } from './call-checkpoint.js';
import { RecordSpool } from './record-spool.js';
import { monitoringDeps } from './monitoring-deps.js';
import { sessionTimerPolicy } from '../sip/dialog/session-timer.js';
import { Registrar } from '../registrar/registrar.js';
import { DigestAuthenticator } from '../sip/auth/digest-authenticator.js';
import { overloadParts } from './overload-wiring.js';
import { SipThreads } from './sip-threads-wiring.js';
import { frontChallenges } from './front-challenge-wiring.js';
import { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import { TransportLayer } from '../sip/transport/transport-layer.js';
import type { TransportProtocol } from '../sip/transport/types.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { TenantResolver } from '../tenant/tenant-resolver.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ConfigErrors } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { readPbxConfig, type Env } from './config-files.js';
import { BindingSweeper } from '../registrar/binding-sweeper.js';
import { optionsKeepalive } from './nat-keepalive-wiring.js';
import type { KeepaliveStats, OptionsKeepalive } from '../registrar/options-keepalive.js';
import { loadServerSecret } from './server-secret.js';
import { GruuIssuer } from '../registrar/gruu.js';
import { bumpServerEpoch } from './server-epoch.js';
import { retireTenantFile, TenantSync, type TenantSyncReport } from './tenant-sync.js';
import { routingPorts } from './routing-ports.js';
import { promptExistsIn } from './prompt-exists.js';
import type { MailboxCounts } from '../events/mailbox-counts.js';
import { composeCallApps, depositEvent, VoicemailMailboxCounts } from './call-apps-composition.js';
import { callHandlingApps } from './call-handling-apps.js';
import { parkSlotLamps } from './park-lamps.js';
import { callFlowApps } from '../apps/call-flow-apps.js';
import { QueueService } from '../apps/queue/queue-service.js';
import { readCallFlows } from '../store/call-flows-store.js';
import { outsideForwardCheck } from '../routing/outside-forward-check.js';
import { TrunkBook } from '../trunk/trunk-book.js';
import { TenantTrunkIndex } from '../trunk/tenant-trunk-index.js';
import { trunkAddressPolicy } from './trunk-address-policy.js';
import { TrunkResolver } from '../trunk/trunk-target.js';
import { outboundLocator } from './outbound-locator.js';
import { PROVIDER, tenantOwner, TrunkRegistrations } from '../trunk/trunk-registrations.js';
import { LiveEvents, liveCallSink } from '../admin/live-events.js';
import { consoleWiring, type ConsoleWiring } from './console-wiring.js';
import { ApiServer } from '../admin/api-server.js';
import { consoleSite } from './console-site.js';
import { TenantLifecycle } from '../admin/tenant-lifecycle.js';
import { BearerTokens } from '../admin/token-auth.js';
import { adminRoutes } from './admin-routes.js';
import type { TimerHandle } from '../util/clock.js';
import { listenTargets, probeListeners } from './listen-probe.js';
import { ensureAdminTokenFile } from './admin-token-file.js';
import { CallRecordingService, finishLeftoverRecordings } from '../b2bua/call-recording.js';
import { folderBytes } from '../admin/folder-bytes.js';
import { tenantDir } from '../store/tenant-id.js';
import { PbxMetrics } from '../util/pbx-metrics.js';
import { eventWiring, type EventWiring } from './event-wiring.js';
import { ExtensionStates } from '../events/extension-states.js';
import { notifyWiring, type NotifyWiring } from './notify-wiring.js';
import { createDtlsIdentity, type DtlsIdentity } from '../media/webrtc/dtls-identity.js';


/** How often deleted tenants past their grace period are looked for (also once at start). */
const PURGE_INTERVAL_MS = 3_600_000;

export interface PbxServerOptions {
  logger: Logger;
  clock?: Clock;
  env?: Env;
  /** Message counts for MWI instead of the voicemail service's (tests of the subscription machinery alone). */
  mailboxCounts?: MailboxCounts;
  /** Sees the SQL of every statement the tenant stores run (tests count the SQLite work of a request). */
  onStoreStatement?: (sql: string) => void;
}

/**
 * The composition root: config → stores → SIP stack → services → listeners, and the
 * reverse on stop. The only place that wires concrete stores and sockets together.
 */
export class PbxServer {
  private readonly clock: Clock;
  /** The server's counters (GET /metrics); owned here, handed to the parts that count. */
  readonly metrics = new PbxMetrics();
  private readonly log: Logger;
  private readonly env: Env;
  private config: PbxConfig;
  private webrtcIdentity: DtlsIdentity | undefined;
  private system!: SystemStore;
  private pool!: TenantStorePool;
  private resolver!: TenantResolver;
  private guard!: SourceGuard;
  private trustedEdges!: TrustedEdges;
  private readonly drains = new TenantDrains();
  private authFailLog!: AuthFailLog;
  private transport!: TransportLayer;
  private transactions!: TransactionLayer;
  private overload: ReturnType<typeof overloadParts> | undefined;
  private sipThreads: SipThreads | undefined;
  private registrar!: Registrar;
  private auth!: DigestAuthenticator;
  private tenantSync!: TenantSync;
  private sweeper!: BindingSweeper;
  private keepalive: OptionsKeepalive | undefined;
  private checkpoint!: CallCheckpoint;
  private records!: RecordSpool;
  private media!: MediaController;
  private b2bua!: B2bua;
  private recording!: CallRecordingService;
  /** Voicemail: the one service the call apps and the admin API share (counts-changed events for MWI). */
  private voicemail!: VoicemailApps;
  /** Calls into conference rooms (the B2BUA answers them itself). */
  conferences!: ConferenceCalls;
  /** The call applications (voicemail, IVR, time conditions, feature codes, forwards); undefined: none. */
  callApps: CallApps | undefined;
  /** Call queues of every tenant (src/apps/queue): live state, logins, statistics. */
  readonly queues: QueueService;
  private trunkBook!: TrunkBook;
  private tenantTrunks!: TenantTrunkIndex;
  private trunkRegistrations!: TrunkRegistrations;
  private callLimits!: CallLimits;
  private lifecycle!: TenantLifecycle;
  private api: ApiServer | undefined;
  private apiAddress: { host: string; port: number } | undefined;
  private purgeTimer: TimerHandle | undefined;
  /** The console's logins and sessions (its session sweep stops with the server). */
  private console: ConsoleWiring | undefined;
  private stopping: Promise<void> | undefined;
  /** SUBSCRIBE/NOTIFY and MWI (src/events). */
  events!: EventWiring;
  /** Registrations and calls as they change, for the console's event stream (GET /api/v1/events). */
  readonly live = new LiveEvents();
  /** Voicemail e-mail and webhooks (src/notify). */
  notifications!: NotifyWiring;

  private constructor(
    config: PbxConfig,
    private readonly opts: PbxServerOptions,
  ) {
    this.config = config;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger;
    // An agent in any other call is skipped (the call limits count every call an extension is in).
    this.queues = new QueueService({ clock: this.clock, logger: opts.logger.child('queues'), inCall: (tenantId, ext) => this.callLimits.activeForExtension(tenantId, ext) > 0 });
    this.env = opts.env ?? process.env;
  }

  /**
   * Read the config, open the stores, apply the tenant files and start listening. A
   * listener that cannot be bound fails the start before the data directory is touched
   * (ListenError); any later failure closes what was opened, so nothing keeps the
   * process alive.
   */
  static async start(configFile: string, opts: PbxServerOptions): Promise<PbxServer> {
    const config = readPbxConfig(configFile, opts.env ?? process.env);
    await probeListeners(listenTargets(config));
    const server = new PbxServer(config, opts);
    try {
      await server.boot();
    } catch (e) {
      await server.abortStart();
      throw e;
    }
    return server;
  }

  /** After a failed boot: close whatever was opened, in stop()'s order, ignoring what was not. */
  private async abortStart(): Promise<void> {
    const quietly = async (what: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        this.log.warn(`closing ${what} after a failed start failed`, { error: e });
      }
    };
    this.stopping ??= Promise.resolve();
    this.clock.clearTimeout(this.purgeTimer);
    this.console?.stop();
    await quietly('the api', () => this.api?.close());
    await quietly('the binding sweeper', () => this.sweeper?.stop());
    await quietly('the keep-alive pinger', () => this.keepalive?.stop());
    await quietly('the call checkpoint', () => this.checkpoint?.stop());
    await quietly('the record spool', () => this.records?.stop());
    await quietly('trunk registrations', () => this.trunkRegistrations?.stopAll());
    await quietly('the sip threads', () => this.sipThreads?.stop());
    await quietly('the transports', () => this.transport?.stop());
    await quietly('the auth failure log', () => this.authFailLog?.close());
    await quietly('the transactions', () => this.transactions?.stop());
    await quietly('the media workers', () => this.media?.stop());
    await quietly('the tenant stores', () => this.pool?.closeAll());
    await quietly('the system store', () => this.system?.close());
  }

  get currentConfig(): PbxConfig {
    return this.config;
  }

  private async boot(): Promise<void> {
    const c = this.config;
    const log = this.log;
    // Browser legs' DTLS certificate (RFC 5763 §5: self-signed, bound by the SDP fingerprint), one per run.
    this.webrtcIdentity = await createDtlsIdentity();
    this.system = SystemStore.open(c.dataDir, { clock: this.clock });
    this.pool = new TenantStorePool({
      dataDir: c.dataDir,
      clock: this.clock,
      logger: log.child('store'),
      bindingWriteDelayMs: c.registrar.writeDelayMs,
      ...(this.opts.onStoreStatement ? { store: { onStatement: this.opts.onStoreStatement } } : {}),
      ...(c.tenantStores ? { maxOpen: c.tenantStores.maxOpen, idleMs: c.tenantStores.idleSeconds * 1000 } : {}),
      // Calls that were up when a previous process died become 'crashed' call records.
      onFirstOpen: (store) => {
        const n = store.recoverCrashedCalls(this.clock.now());
        if (n > 0) log.warn('calls left over from a stopped process recorded as crashed', { tenant: store.tenantId, calls: n });
        const r = finishLeftoverRecordings(store, tenantDir(c.dataDir, store.tenantId), this.clock.now());
        if (r > 0) log.warn('recordings left over from a stopped process finished from their files', { tenant: store.tenantId, recordings: r });
        const vm = recoverVoicemail(store.voicemail, tenantDir(c.dataDir, store.tenantId), this.clock.now());
        if (vm.indexed + vm.removed > 0) log.warn('voicemail left over from a stopped process indexed from its files', { tenant: store.tenantId, ...vm });
      },
    });
    this.tenantTrunks = new TenantTrunkIndex({ system: this.system, pool: this.pool, logger: log.child('trunk') });
    this.resolver = new TenantResolver({ system: this.system, pool: this.pool, logger: log.child('tenant'), clock: this.clock });
    this.tenantSync = new TenantSync({ system: this.system, pool: this.pool, dataDir: c.dataDir, tenantsDir: c.tenantsDir, clock: this.clock, logger: log.child('tenants'), env: this.env, providerTrunks: () => this.config.trunks, trunkAddresses: () => trunkAddressPolicy(this.config), promptExists: promptExistsIn(() => ({ dataDir: this.config.dataDir, ...(this.config.media?.prompts ? { operatorDir: this.config.media.prompts } : {}) })), outsideForward: outsideForwardCheck(() => this.config.emergencyNumbers), operatorPrompts: () => this.config.media?.prompts });
    const report = this.tenantSync.sync();
    this.resolver.refresh();
    log.info('tenants loaded', { active: this.system.listTenants({ status: 'active' }).length, applied: report.applied.length, failed: report.failed.length });

    // Trunk addresses are never blocked by a ban and are served first (issue 16 findings 6, 9).
    this.guard = new SourceGuard({ clock: this.clock, logger: log.child('security'), isTrunkAddress: (a) => this.trunkBook?.isTrunkAddress(a) ?? false, ...guardPolicy(c) });
    const serverSecret = loadServerSecret(c.dataDir);
    const gruu = new GruuIssuer(serverSecret);
    const epoch = bumpServerEpoch(c.dataDir);
    const auth = (this.auth = new DigestAuthenticator({
      secret: serverSecret,
      epoch,
      clock: this.clock,
      nonceTtlSeconds: c.auth.nonceTtlSeconds,
      algorithms: c.auth.algorithms,
    }));
    this.registrar = new Registrar({ clock: this.clock, policy: c.registrar, logger: log.child('registrar'), gruu });

    this.authFailLog = new AuthFailLog({ clock: this.clock, logger: log.child('edge') });
    this.trustedEdges = new TrustedEdges(c.sip.trustedEdges, { clock: this.clock, logger: log.child('edge') });
    let edge: SipEdge | undefined;
    const overload = (this.overload = overloadParts({ clock: this.clock, logger: log.child('overload'), registry: this.metrics.registry, settings: () => this.config.sip.overload, queuedDatagrams: () => this.transport?.queuedDatagrams() ?? 0, onLevel: (l) => this.sipThreads?.setShedding(l !== 'normal') }));
    const sipThreads = (this.sipThreads = new SipThreads({ threads: c.sip.threads, transport: () => this.transport, guard: this.guard, maxMessageBytes: c.sip.maxMessageBytes, maxInFlight: overload.receiveQueue.maxMessages, ...(c.sip.userAgent !== undefined ? { serverHeader: c.sip.userAgent } : {}), clock: this.clock, logger: log.child('sip-threads'), registry: this.metrics.registry, challenges: frontChallenges({ secret: serverSecret, epoch, nonceTtlSeconds: c.auth.nonceTtlSeconds, auth, resolver: this.resolver, pool: this.pool, config: () => this.config }) }));
    this.transport = new TransportLayer({
      reusePort: sipThreads.useReusePort,
      receiveQueue: overload.receiveQueue,
      listen: c.sip.listen,
      ...(c.sip.tls ? { tls: { cert: readFileSync(c.sip.tls.cert), key: readFileSync(c.sip.tls.key) } } : {}),
      clock: this.clock,
      logger: log.child('transport'),
      limits: {
        maxMessageBytes: c.sip.maxMessageBytes,
        idleConnectionMs: c.sip.idleConnectionSeconds * 1000,
        maxConnectionsPerSource: c.sip.maxConnectionsPerSource,
        maxConnections: c.sip.tcp.maxConnections,
        unpinnedIdleMs: c.sip.tcp.idleSeconds * 1000,
        messageDeadlineMs: c.sip.tcp.messageDeadlineSeconds * 1000,
      },
      admit: (address, port) => this.guard.admit(address, port),
      isTrusted: (address) => this.guard.isTrusted(address),
      onMessage: (inbound) => edge?.onMessage(inbound),
      ...(c.sip.userAgent !== undefined ? { serverHeader: c.sip.userAgent } : {}),
    });
    this.transactions = new TransactionLayer({ sender: this.transport, clock: this.clock, timers: c.sip.timers, logger: log, maxServerTransactions: overload.maxServerTransactions, onServerCap: overload.onServerCap });
    this.media = new MediaController({
      workers: c.rtp.workers,
      address: c.rtp.address,
      portMin: c.rtp.portMin,
      portMax: c.rtp.portMax,
      rtpTimeoutMs: c.calls.rtpTimeoutSeconds * 1000,
      logger: log.child('media'),
      clock: this.clock,
    });
    const locator = outboundLocator(c, this.clock);
    const trunkResolver = new TrunkResolver({ clock: this.clock, logger: log.child('trunk'), ...(locator ? { locator } : {}), blacklistMs: (c.dns?.blacklistSeconds ?? 60) * 1000 });
    const trunkRefusal = (owner: { kind: string }) => (owner.kind === 'tenant' ? (a: string) => trunkAddressPolicy(this.config, this.listeningAddresses()).refusal(a) : undefined);
    this.trunkBook = new TrunkBook({ resolver: trunkResolver, logger: log.child('trunk'), refusalFor: trunkRefusal });
    this.trunkRegistrations = new TrunkRegistrations({
      clock: this.clock,
      logger: log.child('trunk-register'),
      transactions: this.transactions,
      resolver: trunkResolver,
      refusalFor: trunkRefusal,
      isFromTrunk: (t, a) => trunkResolver.isFromTrunk(t, a),
      viaFor: (protocol) => ({ transport: protocol, host: this.config.sip.publicAddress, port: this.listenerPort(protocol) }),
      contactFor: (protocol) => this.contactUri(protocol),
    });
    this.callLimits = new CallLimits({ clock: this.clock });
    this.records = new RecordSpool({ clock: this.clock, logger: log.child('cdr'), retryMs: 1_000, maxPerTenant: 100_000, metrics: this.metrics });
    this.checkpoint = new CallCheckpoint({ clock: this.clock, logger: log.child('cdr'), intervalMs: c.calls.checkpointSeconds * 1000 });
    this.recording = new CallRecordingService({
      dataDir: c.dataDir,
      usedBytes: (tenantId) => folderBytes(tenantDir(c.dataDir, tenantId)),
      clock: this.clock,
      logger: log,
      layout: () => this.config.media?.recordingLayout ?? 'two-channel',
      count: (event) => this.metrics.recordingEvents.inc({ event }),
      recordToggle: recordToggleSettings({ dataDir: c.dataDir, operatorPrompts: () => this.config.media?.prompts, logger: log.child('recording') }),
    });
    const mailboxCounts = new VoicemailMailboxCounts((id) => this.resolver.getTenant(id), () => this.voicemail.service);
    this.voicemail = voicemailApps({
      dataDir: c.dataDir,
      clock: this.clock,
      logger: log.child('voicemail'),
      storageBytes: (t) => folderBytes(tenantDir(c.dataDir, t.id)),
      authFailures: this.authFailLog,
      onCountsChanged: (t, box, counts) => mailboxCounts.changed(t, box, counts),
      onMessage: (t, box, m) => this.notifications.deposits.emit(depositEvent(c.dataDir, t, box, m)),
    });
    const recorderFor = countingRecorders(this.checkpoint.wrap((tenant) => tenantRecorder(tenant, log, this.records)), this.metrics);
    const moh = musicOnHoldFiles({ dataDir: c.dataDir, logger: log.child('moh') });
    const extensionStates = new ExtensionStates();
    this.conferences = conferenceCalls({ activity: extensionStates, b2bua: () => this.b2bua, media: this.media, clock: this.clock, logger: log.child('conference'), dataDir: c.dataDir, promptsDir: () => this.config.media?.prompts, recorderFor, musicOnHold: moh, send: (res, target) => this.transport.send(res, target), timers: () => ({ t1: this.config.sip.timers.t1, t2: this.config.sip.timers.t2 }), webrtcIdentity: () => this.webrtcIdentity });
    this.b2bua = new B2bua({
      activity: liveCallSink(extensionStates, this.live),
      conferences: this.conferences,
      apps: appCallsOptions({ callApps: () => this.callApps, maxForwardHops: () => this.config.calls.maxForwardHops, dataDir: c.dataDir, promptsDir: () => this.config.media?.prompts, logger: log.child('apps') }),
      planner: routingPorts({ trunks: this.trunkBook, emergencyNumbers: () => this.config.emergencyNumbers }),
      clock: this.clock,
      logger: log,
      transactions: this.transactions,
      transport: this.transport,
      media: this.media,
      limits: this.callLimits,
      recording: this.recording,
      tenantDraining: (id) => this.drains.has(id),
      recorderFor,
      records: this.records,
      viaFor: (protocol) => ({ transport: protocol, host: this.config.sip.publicAddress, port: this.listenerPort(protocol) }),
      contactFor: (protocol) => this.contactUri(protocol),
      mediaAddress: c.rtp.address,
      ownAddresses: () => [c.rtp.address, this.config.sip.publicAddress, ...this.listeningAddresses()],
      webrtcIdentity: () => this.webrtcIdentity,
      musicOnHold: moh,
      tenantById: (id) => this.resolver.getTenant(id),
      settings: () => ({
        sessionTimer: sessionTimerPolicy({ mode: 'originate', sessionExpires: this.config.calls.sessionExpiresSeconds, minSE: 90, preferRefresher: 'remote' }),
        noAnswerMs: this.config.calls.noAnswerSeconds * 1000,
        t1: this.config.sip.timers.t1,
        t2: this.config.sip.timers.t2,
        callsPerExtension: this.config.calls.perExtension,
      }),
    });
    this.events = eventWiring({ config: () => this.config, clock: this.clock, logger: log, transactions: this.transactions, viaFor: (p) => ({ transport: p, host: this.config.sip.publicAddress, port: this.listenerPort(p) }), contactFor: (p) => this.contactUri(p), decorate: (res) => (this.config.sip.userAgent !== undefined && !res.headers.some((h) => h.name === 'server') ? (res.headers.push({ name: 'server', value: this.config.sip.userAgent }), res) : res), tenantById: (id) => this.resolver.getTenant(id), boxes: this.opts.mailboxCounts ?? mailboxCounts, extensions: extensionStates });
    parkSlotLamps(this.b2bua.parkSlots, extensionStates);
    this.notifications = notifyWiring({
      config: () => this.config,
      clock: this.clock,
      logger: log,
      pool: this.pool,
      listening: () => this.listeningAddresses(),
      addressOf: (t, box) => this.resolver.getTenant(t)?.store.voicemail.box(box)?.email,
      timeZoneOf: (t) => {
        const tenant = this.resolver.getTenant(t);
        return tenant ? readCallFlows(tenant.store).timezone : undefined;
      },
    });
    const promptExists = promptExistsIn(() => ({ dataDir: this.config.dataDir, ...(this.config.media?.prompts ? { operatorDir: this.config.media.prompts } : {}) }));
    this.callApps = composeCallApps({
      voicemail: this.voicemail,
      flows: callFlowApps({ clock: this.clock, logger: log.child('flows') }),
      handling: callHandlingApps({ routeOutbound: routingPorts({ trunks: this.trunkBook, emergencyNumbers: () => this.config.emergencyNumbers }).routeOutbound, clock: this.clock, logger: log.child('feature-codes'), promptExists }),
      queues: this.queues,
    });
    edge = new SipEdge({
      metrics: this.metrics,
      subscriptions: this.events.subscriptions,
      onRegistered: (tenant, ext) => this.events.unsolicited.registered(tenant, ext),
      onBindingsChanged: (tenant, ext) => (this.events.bindingsChanged(tenant.id, ext), this.registrationChanged(tenant.id, ext)),
      transport: this.transport,
      transactions: this.transactions,
      tenants: this.resolver,
      trunks: this.trunkBook,
      auth,
      guard: this.guard,
      registrar: this.registrar,
      b2bua: this.b2bua,
      refusals: { refused: (r, status, reason) => this.b2bua?.recordRefused(r, status, reason) },
      isLocalAddress: (host) => this.isLocalAddress(host),
      logger: log,
      serverHeader: () => this.config.sip.userAgent,
      authFailLog: this.authFailLog,
      gruu,
      clock: this.clock,
      trustedEdges: this.trustedEdges,
      admitClient: (address, port) => this.guard.admit(address, port),
      overload: overload.control,
    });
    this.sweeper = new BindingSweeper({ system: this.system, pool: this.pool, clock: this.clock, logger: log.child('registrar'), onExpired: (t, ext) => (this.events.bindingsChanged(t, ext), this.registrationChanged(t, ext)) });
    this.sweeper.start();
    this.keepalive = optionsKeepalive({ system: this.system, pool: this.pool, clock: this.clock, logger: log.child('keepalive'), sendRequest: (r, t, u) => this.transactions.sendRequest(r, t, u), publicAddress: () => this.config.sip.publicAddress });
    this.keepalive.start();
    this.checkpoint.start();
    await this.media.start();
    await this.transport.start();
    await this.sipThreads.start();
    // Registrations go out once we listen: their answers must find us.
    this.syncTrunks();
    await this.startApi();
    log.info('ready', { listen: this.transport.localEndpoints().map((e) => `${e.protocol}://${e.address}:${e.port}`).join(' ') });
  }

  /**
   * The admin API (issue 5) on api.listen, after the SIP stack. Deleted tenants past
   * their grace period are purged now and every hour.
   */
  private async startApi(): Promise<void> {
    const log = this.log;
    this.lifecycle = new TenantLifecycle({
      system: this.system,
      dataDir: this.config.dataDir,
      clock: this.clock,
      logger: log.child('tenants'),
      stores: this.pool,
      onChange: (id) => this.tenantsChanged(id),
      retireFile: (id) => retireTenantFile(this.config.tenantsDir, id, this.clock.now()),
    });
    this.lifecycle.purge();
    const armPurge = () => {
      this.purgeTimer = this.clock.setTimeout(() => {
        this.lifecycle.purge();
        armPurge();
      }, PURGE_INTERVAL_MS);
    };
    armPurge();
    const web = (this.console = consoleWiring({ config: () => this.config, system: this.system, pool: this.pool, clock: this.clock, logger: log.child('console'), live: this.live, sourceGuard: this.guard, metrics: this.metrics.registry }));
    const { routes, rawRoutes } = adminRoutes({
      config: () => this.config,
      system: this.system,
      pool: this.pool,
      resolver: this.resolver,
      lifecycle: this.lifecycle,
      clock: this.clock,
      logger: log.child('api'),
      tenantsChanged: (id) => this.tenantsChanged(id),
      calls: this.b2bua,
      recording: this.recording,
      conferences: this.conferences,
      queues: this.queues,
      voicemail: this.voicemail.service,
      parkSlots: this.b2bua.parkSlots,
      monitoring: monitoringDeps(this),
      routeOutbound: routingPorts({ trunks: this.trunkBook, emergencyNumbers: () => this.config.emergencyNumbers }).routeOutbound,
      drains: this.drains,
      moreRoutes: [...web.routes, ...(this.sipThreads?.routes() ?? [])],
    });
    // No api.adminToken in pbx.yaml: the provider's token lives in <dataDir>/admin-token.
    const tokenFile = this.config.api.adminToken === undefined ? ensureAdminTokenFile(this.config.dataDir) : undefined;
    if (tokenFile) log.info(tokenFile.created ? 'admin token created (api.adminToken is not set)' : 'admin token from file (api.adminToken is not set)', { file: tokenFile.file });
    const site = consoleSite(undefined, web.sipWs);
    this.api = new ApiServer({
      routes,
      rawRoutes: [...rawRoutes, ...site.rawRoutes],
      site: site.site,
      httpRoutes: web.httpRoutes,
      sessions: web.sessions,
      openApi: {},
      ...(this.config.api.tls ? { tls: { cert: readFileSync(this.config.api.tls.cert), key: readFileSync(this.config.api.tls.key) } } : {}),
      tokens: new BearerTokens({ tokens: this.system.tokens, system: this.system, adminToken: () => this.config.api.adminToken ?? tokenFile?.token }),
      logger: log.child('api'),
      clock: this.clock,
      uploadLimitBytes: (this.config.api.uploadLimitMB ?? 20) * 1024 * 1024,
    });
    const c = this.config.api;
    this.apiAddress = await this.api.listen(c.host, c.port);
    const host = this.apiAddress.host.includes(':') ? `[${this.apiAddress.host}]` : this.apiAddress.host;
    log.info('api listening', { url: `${this.config.api.tls ? 'https' : 'http'}://${host}:${this.apiAddress.port}/api/v1`, adminToken: c.adminToken !== undefined ? 'pbx.yaml' : 'file' });
  }

  /** A registration changed: the console's live view hears of it (contacts now). */
  private registrationChanged(tenantId: string, ext: string): void {
    try {
      this.live.publish({ type: 'registration', tenantId, ext, contacts: this.pool.get(tenantId).getBindings(ext).length });
    } catch (e) {
      this.log.warn('live registration event failed', { error: e });
    }
  }

  /** Where the admin API listens (the bound port). */
  apiEndpoint(): { host: string; port: number } | undefined {
    return this.apiAddress;
  }

  /** After a tenant change through the API: what reload() does after applying files. */
  private tenantsChanged(tenantId?: string): void {
    if (this.stopping) return;
    if (tenantId !== undefined) this.tenantTrunks.forget(tenantId);
    this.resolver.refresh();
    this.sipThreads?.tenantsChanged();
    this.syncTrunks();
    this.events.subscriptions.retainTenants();
  }

  /**
   * SIGHUP: re-read pbx.yaml for what can change at run time (security, registrar
   * policy, auth: digest algorithms and nonce lifetime; log level is fixed) and re-apply every tenant file that changed. A broken
   * pbx.yaml is reported and the running configuration stays.
   */
  reload(): TenantSyncReport | undefined {
    if (this.stopping) return undefined;
    try {
      const next = readPbxConfig(this.config.file, this.env);
      this.guard.reconfigure(guardPolicy(next));
      this.trustedEdges.reconfigure(next.sip.trustedEdges);
      this.registrar.setPolicy(next.registrar);
      this.auth.setPolicy(next.auth);
      if (JSON.stringify(next.sip.listen) !== JSON.stringify(this.config.sip.listen) || next.dataDir !== this.config.dataDir) {
        this.log.warn('listeners and dataDir change only on restart; keeping the running ones');
      }
      this.config = { ...next, sip: { ...next.sip, listen: this.config.sip.listen }, dataDir: this.config.dataDir, tenantsDir: next.tenantsDir };
      this.overload?.settingsChanged();
      this.reloadTlsCredentials();
    } catch (e) {
      const lines = e instanceof ConfigErrors ? e.message.split('\n') : [(e as Error).message];
      for (const l of lines) this.log.error(l);
      this.log.error('pbx.yaml not reloaded; the running configuration stays');
    }
    this.sipThreads?.reloaded();
    const report = this.tenantSync.sync();
    this.resolver.refresh();
    this.sipThreads?.tenantsChanged();
    this.syncTrunks();
    this.events.subscriptions.retainTenants();
    this.log.info('reloaded', { applied: report.applied.length, unchanged: report.unchanged.length, failed: report.failed.length, disabled: report.disabled.length });
    return report;
  }

  /** sip.tls cert and key read again (a renewed certificate): new connections use them; a bad pair keeps the old. */
  private reloadTlsCredentials(): void {
    const tls = this.config.sip.tls;
    if (!tls) return;
    try {
      this.transport.setTlsCredentials(readFileSync(tls.cert), readFileSync(tls.key));
      this.log.info('tls certificate reloaded', { cert: tls.cert });
    } catch (e) {
      this.log.error('tls certificate not reloaded; the running one stays', { cert: tls.cert, error: (e as Error).message });
    }
  }

  /**
   * The provider's trunks from pbx.yaml, and every active or suspended tenant's own from
   * its store (a suspended tenant's trunks stay known, so that calls from them are refused
   * with 403, but do not register).
   */
  private syncTrunks(): void {
    const all = this.system.listTenants({ status: ['active', 'suspended'] });
    const suspended = new Set(all.filter((t) => t.status === 'suspended').map((t) => t.id));
    const tenants = this.tenantTrunks.trunksOf(all);
    const provider = providerTrunksWithCa(this.config.trunks, this.log);
    this.trunkBook.sync(provider, tenants);
    this.trunkRegistrations.sync([
      ...provider.map(({ tenants: _who, ...trunk }) => ({ owner: PROVIDER, trunk })),
      ...tenants.filter(({ tenantId }) => !suspended.has(tenantId)).flatMap(({ tenantId, trunks }) => trunks.map((trunk) => ({ owner: tenantOwner(tenantId), trunk }))),
    ]);
  }

  /** Where each register trunk stands with its carrier (for monitoring and the admin API). */
  trunkRegistrationStates(): ReturnType<TrunkRegistrations['states']> {
    return this.trunkRegistrations.states();
  }

  /** Counters for monitoring (and tests): transactions, transports, security. */
  stats(): { transactions: { server: number; client: number }; transport: ReturnType<TransportLayer['stats']>; security: ReturnType<SourceGuard['stats']>; openStores: number; calls: number; keepalive?: KeepaliveStats } {
    return {
      ...(this.keepalive ? { keepalive: { ...this.keepalive.stats } } : {}),
      transactions: this.transactions.stats(),
      transport: this.sipThreads?.withFronts(this.transport.stats()) ?? this.transport.stats(),
      security: this.guard.stats(),
      openStores: this.pool.openCount,
      calls: this.b2bua.activeCalls,
    };
  }

  /** The running parts that monitoring reads at scrape time (src/app/monitoring-deps.ts). */
  monitoringParts(): { system: SystemStore; pool: TenantStorePool; media: MediaController; callLimits: CallLimits; transport: TransportLayer; listening: number; configuredListeners: number; stopping: boolean } {
    return {
      system: this.system,
      pool: this.pool,
      media: this.media,
      callLimits: this.callLimits,
      transport: this.transport,
      listening: this.transport.localEndpoints().length,
      configuredListeners: this.config.sip.listen.length,
      stopping: this.stopping !== undefined,
    };
  }

  /** Registered contacts over the tenants whose stores are open (the active ones). */
  registeredContacts(): number {
    let n = 0;
    for (const t of this.system.listTenants({ status: 'active' })) n += this.pool.peek(t.id)?.countBindings() ?? 0;
    return n;
  }

  /**
   * The report SIGUSR2 prints: counters and memory in use, after a full garbage
   * collection when node runs with --expose-gc (so the figure is live data, not garbage).
   */
  statsReport(): Record<string, number | boolean> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc === 'function') gc();
    const s = this.stats();
    const m = process.memoryUsage();
    return {
      contacts: this.registeredContacts(),
      trunksRegistered: this.trunkRegistrations.states().filter((r) => r.state === 'registered').length,
      trunksNotRegistered: this.trunkRegistrations.states().filter((r) => r.state !== 'registered').length,
      calls: s.calls,
      openStores: s.openStores,
      serverTransactions: s.transactions.server,
      clientTransactions: s.transactions.client,
      connections: s.transport.connections,
      bans: s.security.banned,
      gc: typeof gc === 'function',
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      externalBytes: m.external,
    };
  }

  /** Where the listeners really are (port 0 in the config becomes the bound port). */
  endpoints(): Array<{ protocol: string; address: string; port: number }> {
    return this.transport.localEndpoints();
  }

  /** The port of our listener for a transport (the first of its kind), for Via and Contact. */
  private listenerPort(protocol: TransportProtocol): number {
    const eps = this.transport.localEndpoints();
    return (eps.find((e) => e.protocol === protocol) ?? eps[0])?.port ?? 5060;
  }

  private contactUri(protocol: TransportProtocol): string {
    const host = this.config.sip.publicAddress.includes(':') ? `[${this.config.sip.publicAddress}]` : this.config.sip.publicAddress;
    return `sip:pbx@${host}:${this.listenerPort(protocol)}${protocol === 'udp' ? '' : `;transport=${protocol}`}`;
  }

  private listeningAddresses(): string[] {
    return this.transport.localEndpoints().map((e) => e.address);
  }

  private isLocalAddress(host: string): boolean {
    const h = host.startsWith('[') ? host.slice(1, -1) : host;
    if (h === this.config.sip.publicAddress) return true;
    return this.transport.localEndpoints().some((e) => e.address === h);
  }

  /** Graceful stop: stop listening, drop transactions, close the stores cleanly. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('stopping');
      this.clock.clearTimeout(this.purgeTimer);
      // New calls are refused; calls in progress go on until they end or the drain time
      // is up, and every call record is written before the stores close. The API stays
      // open meanwhile: /readyz answers 503 (not-stopping), so load balancers take us out
      // of rotation, and /healthz 200; it closes when the drain is over.
      await this.b2bua.drain(this.config.calls.drainSeconds * 1000);
      await this.api?.close().catch((e: unknown) => this.log.warn('closing the api failed', { error: e }));
      this.sweeper.stop();
      this.keepalive?.stop();
      this.checkpoint.stop();
      this.records.stop();
      // Bindings at carriers are removed while we can still hear their answers.
      await this.trunkRegistrations.stopAll().catch((e: unknown) => this.log.warn('trunk unregistration failed', { error: e }));
      this.events.stop();
      this.notifications.stop();
      await this.sipThreads?.stop();
      await this.transport.stop();
      this.authFailLog.close();
      this.transactions.stop();
      this.overload?.stop();
      this.console?.stop();
      await this.media.stop();
      this.pool.closeAll();
      this.system.close();
      this.log.info('stopped');
    })();
    return this.stopping;
  }
}

/** Provider trunks with the PEM of their tls.ca read (at start and on SIGHUP); an unreadable file is logged and left out. */
function providerTrunksWithCa(trunks: PbxConfig['trunks'], log: Logger): Array<PbxConfig['trunks'][number] & { tlsCa?: string }> {
  return trunks.map((t) => {
    if (t.tls?.ca === undefined) return t;
    try {
      return { ...t, tlsCa: readFileSync(t.tls.ca, 'utf8') };
    } catch (e) {
      log.error('trunk tls.ca not readable; the system CAs are used', { trunk: t.name, file: t.tls.ca, error: (e as Error).message });
      return t;
    }
  });
}

function guardPolicy(c: PbxConfig): SourceGuardPolicy {
  return {
    // An edge's own address is never throttled: its phones are judged one by one (trusted-edge.ts).
    trusted: [...c.security.trusted, ...c.sip.trustedEdges],
    floodRate: c.security.floodRate,
    floodBanSeconds: c.security.floodBanSeconds,
    admissionRate: c.security.admissionRate,
    authFailBan: c.security.authFailBan,
  };
}
