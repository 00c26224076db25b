import { Dialog } from '../sip/dialog/dialog.js';
import { answerSessionTimer, sessionTimerOfferHeaders, type SessionTimerPolicy } from '../sip/dialog/session-timer.js';
import { createResponse } from '../sip/message/response.js';
import { cseqOf, getHeader, tagOf } from '../sip/message/headers.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import { clientOf, type Inbound, type Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Clock } from '../util/clock.js';
import { newCallId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { B2buaIo, RequestUser } from './b2bua-io.js';
import { Call, type CallState } from './call.js';
import type { CallContext } from './call-context.js';
import type { CallLimits } from './call-limits.js';
import { CallRegistry, dialogKey } from './call-registry.js';
import type { CallStage } from './fork-targets.js';
import { trunkStages } from './trunk-failover.js';
import { destinationStages, extensionStages, trunkIdentityHeaders, wantsPrivacy, type CallPlan, type PlannerPorts, type TrunkHandle } from './call-plan.js';
import { TrunkChannels } from './trunk-channels.js';
import type { Fork, ForkTransport } from './fork.js';
import { relayInDialog } from './in-dialog-relay.js';
import { sendPrack } from './prack.js';
import { isLateOffer } from './late-offer.js';
import type { Referrer } from './refer-guard.js';
import { CallTransfers } from './call-transfers.js';
import type { LocalVia } from './messages.js';
import type { CallRecorder, MediaProvider, WebrtcIdentity } from './ports.js';
import { SdpBridge } from './sdp-bridge.js';
import type { CallRecordingService } from './call-recording.js';
import type { ConferenceCalls } from './conference-calls.js';
import { AppCalls } from './app-calls.js';
import { callerNumberOf } from './caller-number.js';
import { transfersDeps } from './call-transfers-wiring.js';
import { hasReplaces } from './invite-replaces.js';
import { appCallsOf, planOfRoute, unansweredHook, type AppCallsOptions } from './app-calls-wiring.js';
import { reportCallActivity, type CallActivitySink } from './call-activity.js';
import { callSrtpPolicies } from './srtp-call-policy.js';
import { directMediaPolicyFor } from './direct-media-wiring.js';
import { checkSrtpOffer } from './srtp-legs.js';
import { CallPickups } from './call-pickup.js';
import { CallParks, type ParkSlotsPort } from './call-park.js';
import { parksDeps, pickupsDeps } from './pickup-park-wiring.js';
import { UasOkRetransmits } from './uas-ok-retransmits.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export interface B2buaSettings {
  /** RFC 4028 policy for both legs. */
  sessionTimer: SessionTimerPolicy;
  noAnswerMs: number;
  t1: number;
  t2: number;
  /** Concurrent calls per extension (caller and callee each); undefined = no cap. */
  callsPerExtension?: number;
}

export interface B2buaDeps {
  clock: Clock;
  logger: Logger;
  transactions: TransactionLayer;
  transport: { send(msg: SipRequest | SipResponse, target: Target): Promise<void> };
  media: MediaProvider;
  limits: CallLimits;
  /** Dial plan, trunks and inbound routes (from src/routing and src/trunk). */
  planner: PlannerPorts;
  recorderFor(tenant: TenantContext): CallRecorder;
  /**
   * Call-record writes the tenant store could not take yet (issue 16, finding 7): while a
   * tenant has some, its new outbound trunk calls are refused, and its queued outbound
   * seconds count against the daily cap. Absent: records are always written.
   */
  records?: { blocked(tenantId: string): boolean; pendingOutboundSecondsSince(tenantId: string, sinceMs: number): number };
  viaFor(protocol: Target['protocol']): LocalVia;
  contactFor(protocol: Target['protocol']): string;
  mediaAddress: string;
  /** The PBX's own IPs (rtp.address, SIP listeners, publicAddress): never a far end's media address. */
  ownAddresses?: () => readonly string[];
  /** The DTLS certificate for browser legs; absent (or undefined): browser offers get 488. */
  webrtcIdentity?: () => WebrtcIdentity | undefined;
  settings: () => B2buaSettings;
  /** A tenant's music-on-hold files (real, checked paths); absent: a held party hears what the holding phone sends. */
  musicOnHold?(tenant: TenantContext): readonly string[] | undefined;
  /** Call recording (call-recording.ts); absent: no call is recorded. */
  recording?: CallRecordingService;
  /** A tenant being moved to another node (src/cluster/tenant-drains.ts): its new calls get 503, calls up go on. */
  tenantDraining?(tenantId: string): boolean;
  /** Conference rooms (conference-calls.ts); absent: no number is a room. */
  conferences?: ConferenceCalls;
  /** Call applications, forwards, feature codes and every kind of destination (app-calls-wiring.ts). */
  apps?: AppCallsOptions;
  /** Where calls report the extensions they ring and busy (call-activity.ts); absent: nobody listens. */
  activity?: CallActivitySink;
  /** A tenant by id (park slot states asked by id); absent: states are not answered by id. */
  tenantById?(tenantId: string): TenantContext | undefined;
}

/** Who is calling: an authenticated extension, or a trunk delivering a call to a DID. */
export type Caller = { kind: 'extension'; ext: string; classOfService: string } | { kind: 'trunk'; trunk: TrunkHandle; did: string };

/** What the edge hands over: a caller admitted in one tenant, and what it dialled. */
export interface InviteRequest {
  inbound: Inbound;
  req: SipRequest;
  tenant: TenantContext;
  caller: Caller;
  /** The Request-URI user: an extension or a number (extension callers), or the DID (trunk callers). */
  dialled: string;
  /** RFC 5627: the Request-URI named one instance of the callee (a GRUU). */
  calleeInstance?: string;
  /** Where responses and requests to the caller go. */
  callerTarget: Target;
}

/**
 * The back-to-back user agent: turns an authenticated INVITE into a Call, finds the call
 * an in-dialog request, ACK or CANCEL belongs to, and keeps count of calls for draining.
 */
export class B2bua implements B2buaIo {
  private readonly registry = new CallRegistry<Call>();
  private readonly trunkChannels = new TrunkChannels();
  private readonly calls = new Set<Call>();
  /** Who placed each call, in which tenant (for the transfer check). */
  private readonly callInfo = new WeakMap<Call, { tenant: TenantContext; caller: Caller }>();
  private draining = false;
  private drainWaiters: Array<() => void> = [];
  private readonly log: Logger;
  private readonly apps: AppCalls;
  private readonly transfers: CallTransfers;
  private readonly pickups: CallPickups;
  private readonly parks: CallParks;
  /** 2xx retransmissions to the legs answered in place of a party (pickup, park retrieval). */
  private readonly uasOks: UasOkRetransmits;

  constructor(private readonly d: B2buaDeps) {
    this.log = d.logger.child('b2bua');
    this.apps = appCallsOf(d, this.trunkChannels, (tenant) => this.contextFor(tenant), () => this.checkDrained());
    this.uasOks = new UasOkRetransmits(d.clock, () => d.settings(), (res, target) => void d.transport.send(res, target).catch(() => undefined));
    this.parks = new CallParks(parksDeps(d, this.log, this, this.uasOks, (call) => this.contextFor(this.callInfo.get(call)!.tenant), d.tenantById));
    this.transfers = new CallTransfers({ park: this.parks, ...transfersDeps(this, {
      tenantOf: (call) => this.callInfo.get(call)?.tenant,
      referrerOf: (call, side) => this.referrerOf(call, side),
      plan: (i) => this.plan(i),
      takeTrunk: (tenant, trunks) => this.trunkChannels.tryTake(tenant.id, tenant.limits.trunkCalls, trunks),
      contextFor: (tenant) => this.contextFor(tenant),
      findDialog: (key) => this.registry.findDialog(key),
    }, d) });
    this.pickups = new CallPickups(pickupsDeps(d, this.log, this.uasOks, () => this.calls, (call) => this.callInfo.get(call)?.tenant.id));
  }

  /** Park slot states ("park:701") for busy-lamp fields. */
  get parkSlots(): ParkSlotsPort {
    return this.parks;
  }

  get activeCalls(): number {
    return this.calls.size + this.apps.size;
  }

  private checkDrained(): void {
    if (this.draining && this.activeCalls === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  // ---- new calls ----------------------------------------------------------------------

  handleInvite(i: InviteRequest): void {
    const { req, inbound, tenant } = i;
    if (this.draining) {
      this.replyStateless(inbound, createResponse(req, 503, { headers: [['Retry-After', '30'], ['Reason', 'SIP;cause=503;text="server is shutting down"']] }));
      return;
    }
    if (this.d.tenantDraining?.(tenant.id)) {
      this.replyStateless(inbound, createResponse(req, 503, { headers: [['Retry-After', '5'], ['Reason', 'SIP;cause=503;text="tenant is moving to another node"']] }));
      return;
    }
    const tx = this.d.transactions.createServerTransaction(inbound, i.callerTarget);
    // RFC 3891: a new caller taking the place of a party of one of our calls (call-transfers.ts).
    if (hasReplaces(i)) return this.transfers.onInviteWithReplaces(i, tx);
    const callerExt = i.caller.kind === 'extension' ? i.caller.ext : undefined;
    // A call refused before it starts still leaves a record in the caller's tenant.
    let direction: 'internal' | 'inbound' | 'outbound' = i.caller.kind === 'trunk' ? 'inbound' : 'internal';
    const refuse = (status: number, reason: string, headers: Array<[string, string]> = [], calleeExt = i.dialled) => {
      tx.respond(createResponse(req, status, { reason, headers }));
      this.recordRefused({ req, tenant, ...(callerExt !== undefined ? { callerExt } : {}), calleeExt, direction, ...(i.caller.kind === 'trunk' ? { trunk: i.caller.trunk.name, did: i.caller.did } : {}) }, status, reason);
    };
    if (this.pickups.tryPickup(i, tx, refuse) || this.parks.tryRetrieve(i, tx, refuse)) return;
    if (this.startConference(i, tx, refuse)) return;
    const routed = this.apps.routeInvite(i);
    if (routed && routed.kind !== 'ring' && routed.kind !== 'outbound') return this.startApp(i, tx, routed, refuse);
    const plan = routed ? planOfRoute(routed, i) : this.plan(i);
    direction = plan.kind === 'refuse' ? (plan.direction ?? direction) : plan.record.direction;
    if (plan.kind === 'refuse') {
      refuse(plan.status, plan.reason);
      return;
    }
    let prepared: Buffer;
    const srtp = callSrtpPolicies(i.tenant.store, callerExt, plan.record.direction === 'outbound' ? undefined : plan.calleeExt);
    try {
      // An INVITE without SDP: the B2BUA makes the offers (late-offer.ts).
      prepared = isLateOffer(req) ? req.body : SdpBridge.checkOffer(req);
      checkSrtpOffer(prepared, srtp.caller, i.callerTarget.protocol); // 488 when the leg's SRTP policy cannot be met
    } catch (e) {
      refuse((e as { status?: number }).status ?? 488, (e as { reason?: string }).reason ?? reasonPhrase(488));
      return;
    }
    const s = this.d.settings();
    // RFC 4028 §6/§8: an interval below our minimum gets 422 before anything is set up.
    const callerTimer = answerSessionTimer(req, s.sessionTimer);
    if (callerTimer.kind === 'reject') {
      refuse(callerTimer.error.status, callerTimer.error.reason, [...callerTimer.error.headers].map(([n, v]) => [n, v] as [string, string]));
      return;
    }
    const perExtension = Math.min(s.callsPerExtension ?? Infinity, tenant.limits.callsPerExtension ?? Infinity);
    const limited = (status: number, reason: string) => refuse(status, reasonPhrase(status), [['Reason', `SIP;cause=${status};text="${reason.replace(/"/g, "'")}"`]]);
    // Toll fraud: a daily cap on outbound minutes, from the tenant's own records.
    const minutes = tenant.limits.outboundMinutesPerDay;
    // Toll fraud again: a call whose record cannot be written would escape that cap.
    if (plan.record.direction === 'outbound' && !plan.emergency && this.d.records?.blocked(tenant.id)) {
      limited(503, 'call records cannot be written');
      return;
    }
    if (plan.record.direction === 'outbound' && minutes !== undefined && !plan.emergency) {
      const dayStart = Math.floor(this.d.clock.now() / 86_400_000) * 86_400_000;
      if (tenant.store.outboundSecondsSince(dayStart) + (this.d.records?.pendingOutboundSecondsSince(tenant.id, dayStart) ?? 0) >= minutes * 60) {
        limited(403, `daily outbound minutes (${minutes}) used up`);
        return;
      }
    }
    const trunkSlot =
      plan.record.direction === 'internal' ? { ok: true as const, release: () => {}, usable: [] } : this.trunkChannels.tryTake(tenant.id, plan.emergency ? undefined : tenant.limits.trunkCalls, plan.trunks);
    if (!trunkSlot.ok) {
      limited(503, trunkSlot.reason);
      return;
    }
    // An outbound call skips the trunks that are full (maxChannels) and tries the others.
    const stages =
      plan.record.direction === 'outbound' ? plan.stages.filter((st) => st.targets.every((t) => t.trunk === undefined || trunkSlot.usable.includes(t.trunk))) : plan.stages;
    const slot = this.d.limits.tryStart({
      callId: getHeader(req, 'call-id') ?? '',
      tenantId: tenant.id,
      ...(callerExt !== undefined ? { callerExt } : {}),
      ...(plan.calleeExts.length === 1 ? { calleeExt: plan.calleeExts[0] } : {}),
      // An emergency call goes through whatever the tenant's caps say.
      limits: plan.emergency ? {} : { ...(tenant.limits.calls !== undefined ? { calls: tenant.limits.calls } : {}), ...(tenant.limits.callsPerSecond !== undefined ? { callsPerSecond: tenant.limits.callsPerSecond } : {}), ...(Number.isFinite(perExtension) ? { perExtension } : {}) },
    });
    if (!slot.ok) {
      trunkSlot.release();
      // RFC 3326: say why in a Reason header.
      limited(slot.status, slot.reason);
      return;
    }
    const call = new Call(this.contextFor(tenant), {
      invite: req,
      inviteTx: tx,
      callerTarget: i.callerTarget,
      callerSourceAddress: clientOf(inbound).address,
      ...(callerExt !== undefined ? { callerExt } : {}),
      calleeExt: plan.calleeExt,
      calleeUri: plan.calleeUri,
      stages,
      srtp,
      record: plan.record,
      releaseLimit: () => {
        slot.release();
        trunkSlot.release();
      },
      callerTimer: { timer: callerTimer.timer, headers: callerTimer.headers },
      ...(routed?.kind === 'ring' ? unansweredHook(this.apps, routed, i, { tx, offer: prepared, callerTimer: { timer: callerTimer.timer, headers: callerTimer.headers }, record: plan.record, releaseLimit: () => (slot.release(), trunkSlot.release()) }) : {}),
    });
    this.calls.add(call);
    this.callInfo.set(call, { tenant, caller: i.caller });
    this.registry.addInvite(tx.id, call);
    void call.start(prepared).catch((e: unknown) => this.log.error('call start failed', { tenant: tenant.id, call: call.id, error: e }));
  }

  /** A new call the PBX answers itself (an application), joins to a room, or refuses (app-calls.ts). */
  private startApp(i: InviteRequest, tx: ServerTransaction, route: Parameters<AppCalls['startInvite']>[2], refuse: (status: number, reason: string, headers?: Array<[string, string]>) => void): void {
    let offer: Buffer;
    try {
      // An INVITE without SDP: the application leg offers in its 200 (app-late-offer.ts).
      offer = isLateOffer(i.req) ? i.req.body : SdpBridge.checkOffer(i.req);
    } catch (e) {
      refuse((e as { status?: number }).status ?? 488, (e as { reason?: string }).reason ?? reasonPhrase(488));
      return;
    }
    const timer = answerSessionTimer(i.req, this.d.settings().sessionTimer);
    if (timer.kind === 'reject') {
      refuse(timer.error.status, timer.error.reason, [...timer.error.headers].map(([n, v]) => [n, v] as [string, string]));
      return;
    }
    this.apps.startInvite(i, tx, route, { offer, callerTimer: { timer: timer.timer, headers: timer.headers }, refuse });
  }

  /**
   * An extension dialling one of its own tenant's conference rooms: the PBX answers the
   * call itself (conference-calls.ts). False when the number is not a room of this tenant.
   */
  private startConference(i: InviteRequest, tx: ServerTransaction, refuse: (status: number, reason: string, headers?: Array<[string, string]>) => void): boolean {
    const conferences = this.d.conferences;
    if (!conferences || i.caller.kind !== 'extension') return false;
    const room = this.d.planner.conference?.(i.tenant, i.dialled);
    if (!room) return false;
    let offer: Buffer;
    try {
      offer = SdpBridge.checkOffer(i.req);
    } catch (e) {
      refuse((e as { status?: number }).status ?? 488, (e as { reason?: string }).reason ?? reasonPhrase(488));
      return true;
    }
    const { tenant } = i;
    const slot = this.d.limits.tryStart({
      callId: getHeader(i.req, 'call-id') ?? '',
      tenantId: tenant.id,
      callerExt: i.caller.ext,
      limits: { ...(tenant.limits.calls !== undefined ? { calls: tenant.limits.calls } : {}), ...(tenant.limits.callsPerSecond !== undefined ? { callsPerSecond: tenant.limits.callsPerSecond } : {}) },
    });
    if (!slot.ok) {
      refuse(slot.status, reasonPhrase(slot.status), [['Reason', `SIP;cause=${slot.status};text="${slot.reason.replace(/"/g, "'")}"`]]);
      return true;
    }
    conferences.start({ tenant, invite: i.req, inviteTx: tx, callerTarget: i.callerTarget, callerSourceAddress: clientOf(i.inbound).address, callerExt: i.caller.ext, room, offer, releaseLimit: () => slot.release() });
    return true;
  }

  /** Where a call goes: an extension, a ring group, or out through trunks in order. */
  private plan(i: InviteRequest): CallPlan {
    const { tenant } = i;
    const now = this.d.clock.now();
    const ports = this.d.planner;
    if (i.caller.kind === 'trunk') {
      // Inbound: only ever to the tenant's own destinations, never back out (no open relay).
      const dest = ports.inboundDestination(tenant, i.caller.did);
      if (!dest) return { kind: 'refuse', status: 404, reason: reasonPhrase(404) };
      if (dest.type === 'hangup') return { kind: 'refuse', status: 603, reason: reasonPhrase(603) };
      const { stages, exts } = destinationStages(ports, tenant, dest, now);
      if (stages.length === 0) return { kind: 'refuse', status: 480, reason: reasonPhrase(480) };
      const from = callerNumberOf(i.req);
      return {
        kind: 'call',
        stages,
        calleeExt: dest.type === 'extension' ? dest.ext : dest.type === 'ringGroup' ? dest.name : i.caller.did,
        calleeUri: dest.type === 'extension' ? `sip:${dest.ext}@${tenant.realm}` : `sip:${i.caller.did}@${tenant.realm}`,
        record: { direction: 'inbound', trunk: i.caller.trunk.name, did: i.caller.did, ...(from ? { fromNumber: from } : {}), toNumber: i.caller.did },
        trunks: [i.caller.trunk],
        calleeExts: exts,
      };
    }
    const decision = ports.routeOutbound(tenant, i.dialled, i.caller.classOfService);
    if (decision.kind === 'refused') return { kind: 'refuse', status: decision.status, reason: decision.reason, direction: 'outbound' };
    if (decision.kind === 'internal') {
      const ext = tenant.store.getExtension(i.dialled);
      if (!ext || !ext.enabled) return { kind: 'refuse', status: 404, reason: reasonPhrase(404) };
      const stages = extensionStages(tenant, i.dialled, now, undefined, i.calleeInstance);
      if (stages.length === 0) return { kind: 'refuse', status: 480, reason: reasonPhrase(480) };
      return { kind: 'call', stages, calleeExt: i.dialled, calleeUri: `sip:${i.dialled}@${tenant.realm}`, record: { direction: 'internal' }, trunks: [], calleeExts: [i.dialled] };
    }
    const trunks = decision.trunks.map((n) => ports.trunk(tenant, n)).filter((t): t is TrunkHandle => t !== undefined);
    if (trunks.length === 0) return { kind: 'refuse', status: 503, reason: reasonPhrase(503) };
    const callerId = ports.callerIdOf(tenant, i.caller.ext);
    const privacy = wantsPrivacy(getHeader(i.req, 'privacy'), getHeader(i.req, 'from'));
    const stages: CallStage[] = trunkStages(trunks, (t, target) => {
      const uri = `sip:${decision.number}@${t.domain}`;
      const identity = trunkIdentityHeaders(callerId, t.domain, privacy);
      return { requestUri: uri, target, trunk: t.name, ...(t.codecs ? { codecs: t.codecs } : {}), toUri: uri, ...(identity.fromValue ? { fromValue: identity.fromValue } : {}), headers: [...(t.route ? ([['Route', t.route]] as Array<[string, string]>) : []), ...identity.headers], answerChallenge: (inv, res) => t.answerChallenge(inv, res) };
    });
    return {
      kind: 'call',
      stages,
      calleeExt: decision.number,
      calleeUri: `sip:${decision.number}@${trunks[0]!.domain}`,
      record: { direction: 'outbound', trunk: trunks[0]!.name, ...(callerId ? { fromNumber: callerId } : {}), ...(decision.e164 ? { toNumber: decision.e164 } : {}) },
      trunks,
      calleeExts: [],
      ...(decision.emergency ? { emergency: true } : {}),
    };
  }

  /**
   * The record of a call refused before it started (unknown or unregistered callee, a
   * limit, unusable SDP, another tenant's callee): disposition failed, or busy for a
   * callee already on its limit of calls.
   */
  recordRefused(
    i: { req: SipRequest; tenant: TenantContext; callerExt?: string; calleeExt: string; direction?: 'internal' | 'inbound' | 'outbound'; trunk?: string; did?: string },
    status: number,
    reason: string,
  ): void {
    const now = this.d.clock.now();
    const callId = newCallId();
    try {
      this.d.recorderFor(i.tenant).ended({
        callId,
        aLegCallId: getHeader(i.req, 'call-id') ?? '',
        fromUri: getHeader(i.req, 'from') ?? '',
        ...(i.callerExt !== undefined ? { fromExt: i.callerExt } : {}),
        toUri: i.req.uri,
        toExt: i.calleeExt,
        direction: i.direction ?? 'internal',
        ...(i.trunk !== undefined ? { trunk: i.trunk } : {}),
        ...(i.did !== undefined ? { did: i.did } : {}),
        startedAt: now,
        endedAt: now,
        disposition: status === 486 ? 'busy' : 'failed',
        hangupCause: `${status} ${reason}`,
        hangupSide: 'system',
      });
    } catch (e) {
      this.log.error('call record not written', { error: e });
    }
  }

  // ---- CANCEL, ACK, in-dialog ----------------------------------------------------------

  /** The caller's CANCEL matched this INVITE transaction (RFC 3261 §9.2). */
  handleCancel(inviteTx: ServerTransaction): boolean {
    if (this.d.conferences?.cancel(inviteTx.id)) return true;
    if (this.apps.cancel(inviteTx.id)) return true;
    const call = this.registry.findInvite(inviteTx.id);
    if (!call) return false;
    call.cancelByCaller();
    return true;
  }

  /** An ACK for a 2xx (the transaction layer passes those to the TU). */
  handleAck(req: SipRequest): void {
    const conf = this.conferenceOf(req);
    if (conf) return conf.onAck();
    if (this.apps.ack(req)) return;
    const owner = this.ownerOf(req);
    if (!owner) return;
    this.uasOks.ack(dialogKey(getHeader(req, 'call-id') ?? '', tagOf(getHeader(req, 'to')) ?? '', tagOf(getHeader(req, 'from')) ?? ''));
    if (owner.side === 'a') owner.call.onCallerAck();
    owner.call.ackAnswers.onAck(owner.side, req);
  }

  /** A request with a To tag. False when no dialog of ours matches (the caller answers 481). */
  handleInDialog(inbound: Inbound, req: SipRequest, target: Target): boolean {
    const conf = this.conferenceOf(req);
    if (conf?.dialog) {
      const tx = this.d.transactions.createServerTransaction(inbound, target);
      const check = conf.dialog.receiveRequest(req);
      if (check !== 'ok') tx.respond(createResponse(req, check.status, { reason: check.reason }));
      else if (req.method === 'BYE') {
        tx.respond(createResponse(req, 200));
        conf.byeFromCaller();
      } else if (req.method === 'INVITE') {
        // The room's media stays as answered: a new offer is not taken (RFC 3261 §14.2).
        tx.respond(createResponse(req, 488));
      } else tx.respond(createResponse(req, 200));
      return true;
    }
    if (this.apps.inDialog(inbound, req, target)) return true;
    const owner = this.ownerOf(req);
    if (!owner) return false;
    const { call, side } = owner;
    const dialog = side === 'a' ? call.aDialog : call.winner?.dialog;
    // RFC 3262 PRACK and RFC 3311 UPDATE on the early dialogs (caller-early-leg.ts).
    if ((!dialog || req.method === 'PRACK') && call.callerEarly.handles(req, side)) {
      call.callerEarly.onRequest(req, this.d.transactions.createServerTransaction(inbound, target), inbound.source.address, side);
      return true;
    }
    if (!dialog) return false;
    const tx = this.d.transactions.createServerTransaction(inbound, target);
    const check = dialog.receiveRequest(req);
    if (check !== 'ok') {
      tx.respond(createResponse(req, check.status, { reason: check.reason }));
      return true;
    }
    if (req.method === 'BYE') {
      tx.respond(createResponse(req, 200));
      if (!this.transfers.transferorBye(call, side)) call.hangupFrom(side, `BYE from ${side === 'a' ? 'caller' : 'callee'}`);
      return true;
    }
    // Transfers are performed by the PBX, never relayed (call-transfers.ts).
    if (req.method === 'REFER') return this.transfers.onRefer(call, side, req, tx), true;
    relayInDialog(this, call, side, req, tx);
    return true;
  }

  /** Who transfers from one side of a call: an extension with its class of service, or a trunk. */
  private referrerOf(call: Call, side: 'a' | 'b'): Referrer {
    const info = this.callInfo.get(call);
    if (!info) return { kind: 'trunk' };
    // The extension on that side now: a transfer may have put another party there (Call.partyExt).
    const ext = call.partyExt(side);
    const row = ext !== undefined ? info.tenant.store.getExtension(ext) : undefined;
    return row ? { kind: 'extension', ext: row.ext, classOfService: row.classOfService } : { kind: 'trunk' };
  }

  private conferenceOf(req: SipRequest) {
    const callId = getHeader(req, 'call-id');
    const local = tagOf(getHeader(req, 'to'));
    const remote = tagOf(getHeader(req, 'from'));
    if (!callId || !local || !remote) return undefined;
    return this.d.conferences?.findDialog(dialogKey(callId, local, remote));
  }

  private ownerOf(req: SipRequest) {
    const callId = getHeader(req, 'call-id');
    const local = tagOf(getHeader(req, 'to'));
    const remote = tagOf(getHeader(req, 'from'));
    if (!callId || !local || !remote) return undefined;
    return this.registry.findDialog(dialogKey(callId, local, remote));
  }

  // ---- the admin API: live calls of one tenant ------------------------------------------

  /** The calls of one tenant that are up or being set up, oldest first; never another tenant's. */
  listCalls(tenantId: string): LiveCall[] {
    const out: LiveCall[] = [];
    for (const call of this.calls) {
      const info = this.callInfo.get(call);
      if (!info || info.tenant.id !== tenantId || !call.live) continue;
      out.push(liveCallOf(call));
    }
    out.push(...this.apps.list(tenantId));
    return out.sort((a, b) => a.startedAt - b.startedAt || (a.callId < b.callId ? -1 : 1));
  }

  /**
   * Hangs up a call of this tenant (by the PBX's call id, the key of its record): BYE to
   * both sides with `Reason: SIP;cause=200;text="<reason>"` (RFC 3326), or 503 with that
   * Reason to a caller still waiting. False when the tenant has no such live call: a call
   * of another tenant is not found, never hung up.
   */
  hangup(tenantId: string, callId: string, reason = 'Terminated by the administrator'): boolean {
    if (this.apps.hangupOne(tenantId, callId, reason)) return true;
    for (const call of this.calls) {
      if (call.id !== callId) continue;
      const info = this.callInfo.get(call);
      if (!info || info.tenant.id !== tenantId || !call.live || call.state === 'ending') return false;
      const text = reason.replace(/[\u0000-\u001f\u007f"\\]/g, ' ').slice(0, 128);
      this.log.info('call hung up by the API', { tenant: tenantId, call: call.id, reason: text });
      call.hangupBoth('system', `hung up: ${text}`, `SIP;cause=${call.state === 'answered' ? 200 : 503};text="${text}"`);
      return true;
    }
    return false;
  }

  // ---- draining -----------------------------------------------------------------------

  /**
   * Graceful stop: refuse new calls, let the current ones go on; after `timeoutMs` hang up
   * what is left. Resolves when every call has ended and written its record.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    if (this.activeCalls === 0) return;
    this.log.info('draining calls', { calls: this.calls.size, timeoutMs });
    const done = new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    const timer = this.d.clock.setTimeout(() => {
      this.apps.hangupAll('server shutting down');
      for (const c of [...this.calls]) c.hangupBoth('system', 'server shutting down');
    }, timeoutMs);
    await done;
    this.d.clock.clearTimeout(timer);
  }

  // ---- B2buaIo ------------------------------------------------------------------------

  get sessionPolicy(): SessionTimerPolicy {
    return this.d.settings().sessionTimer;
  }

  viaFor(protocol: Target['protocol']): LocalVia {
    return this.d.viaFor(protocol);
  }

  contactFor(protocol: Target['protocol']): string {
    return this.d.contactFor(protocol);
  }

  sendRequest(req: SipRequest, target: Target, user: RequestUser): void {
    try {
      this.d.transactions.sendRequest(req, target, {
        onResponse: (res) => user.onResponse(res),
        onTimeout: () => user.onTimeout(),
        onTransportError: () => user.onTransportError(),
      });
    } catch (e) {
      this.log.warn('request not sent', { method: req.method, error: e });
      user.onTransportError();
    }
  }

  ackDialog(dialog: Dialog, res: SipResponse, target: Target): void {
    const ack = dialog.createAck(cseqOf(res).seq, { via: this.viaFor(target.protocol) });
    this.d.transport.send(ack, target).catch((e: unknown) => this.log.debug('ACK not sent', { error: e }));
  }

  private replyStateless(inbound: Inbound, res: SipResponse): void {
    const tx = this.d.transactions.createServerTransaction(inbound, { protocol: inbound.source.protocol, address: inbound.source.address, port: inbound.source.port, ...(inbound.connectionId ? { connectionId: inbound.connectionId } : {}) });
    tx.respond(res);
  }

  private contextFor(tenant: TenantContext): CallContext {
    const forkIo: ForkTransport = {
      sendInvite: (req, fork) =>
        this.d.transactions.sendRequest(req, fork.target.target, {
          onResponse: (res) => fork.onResponse(res),
          onTimeout: () => fork.onTimeout(),
          onTransportError: () => fork.onTransportError(),
        }),
      sendCancel: (req, fork) => this.sendRequest(req, fork.target.target, { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} }),
      sendPrack: (dialog, res, fork) => sendPrack(this, dialog, res, fork.target.target),
    };
    const s = this.d.settings();
    const ignore: RequestUser = { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} };
    return {
      clock: this.d.clock,
      // Every line a call logs names its tenant (and the call, which Call adds to each line).
      logger: this.log.with({ tenant: tenant.id }),
      media: this.d.media,
      recorder: this.d.recorderFor(tenant),
      registry: this.registry,
      mediaAddress: this.d.mediaAddress,
      ownAddresses: this.d.ownAddresses?.() ?? [this.d.mediaAddress],
      ...(this.d.webrtcIdentity?.() ? { webrtcIdentity: this.d.webrtcIdentity()! } : {}),
      settings: { noAnswerMs: s.noAnswerMs, t1: s.t1, t2: s.t2 },
      sessionPolicy: s.sessionTimer,
      io: this,
      viaFor: (p) => this.viaFor(p),
      contactFor: (p) => this.contactFor(p),
      forkHeaders: () => sessionTimerOfferHeaders(s.sessionTimer),
      musicOnHold: () => this.d.musicOnHold?.(tenant),
      directMedia: (call: Call) => directMediaPolicyFor(tenant, call, this.d.recording),
      answerHeaders: () => [],
      forkIo,
      ackFork: (fork: Fork, res: SipResponse) => {
        if (fork.dialog) this.ackDialog(fork.dialog, res, fork.target.target);
      },
      byeFork: (fork: Fork, headers?: ReadonlyArray<readonly [string, string]>) => {
        if (!fork.dialog) return;
        const bye = fork.dialog.createRequest('BYE', { via: this.viaFor(fork.target.target.protocol), ...(headers ? { headers } : {}) });
        this.sendRequest(bye, fork.target.target, ignore);
      },
      byeCaller: (call: Call, headers?: ReadonlyArray<readonly [string, string]>) => {
        if (!call.aDialog) return;
        const bye = call.aDialog.createRequest('BYE', { via: this.viaFor(call.callerTarget.protocol), ...(headers ? { headers } : {}) });
        this.sendRequest(bye, call.callerTarget, ignore);
      },
      sendToCaller: (call: Call, res: SipResponse) => {
        this.d.transport.send(res, call.input.inviteTx.target).catch(() => undefined);
      },
      uasDialog: (invite, localTag, contact) => Dialog.asUas(invite, localTag, contact),
      ...(this.d.activity ? { activity: (call: Call) => reportCallActivity(this.d.activity!, tenant.id, call) } : {}),
      onAnswered: (call: Call) => {
        if (this.d.activity) reportCallActivity(this.d.activity, tenant.id, call);
        this.d.recording?.answered(tenant, {
          id: call.id,
          ...(call.input.callerExt !== undefined ? { callerExt: call.input.callerExt } : {}),
          ...(call.input.record.direction !== 'outbound' ? { calleeExt: call.winner?.target.binding?.aor ?? call.input.calleeExt } : {}),
          media: call.mediaSession,
        });
      },
      onEnded: (call: Call) => {
        this.transfers.ended(call);
        // Every way a call ends reaches here: no lamp stays lit for it (a no-op when finish() told already).
        if (this.d.activity) reportCallActivity(this.d.activity, tenant.id, call);
        this.d.recording?.ended(tenant.id, call.id);
        this.calls.delete(call);
        this.registry.removeInvite(call.input.inviteTx.id);
        this.checkDrained();
      },
    };
  }
}

/** A call as the admin API lists it (B2bua.listCalls). */
export interface LiveCall {
  /** The PBX's id of the call: the key of its record, and what hangup() takes. */
  callId: string;
  /** The caller's Call-ID, as received. */
  aLegCallId: string;
  state: CallState;
  direction: 'internal' | 'inbound' | 'outbound';
  fromExt?: string;
  /** The extension (or ring group) called; for outbound calls the number dialled. */
  to: string;
  /** The extension that answered, when one did. */
  answeredBy?: string;
  trunk?: string;
  did?: string;
  fromNumber?: string;
  toNumber?: string;
  startedAt: number;
  answeredAt?: number;
}

function liveCallOf(call: Call): LiveCall {
  const r = call.input.record;
  const trunk = call.winner?.target.trunk ?? r.trunk;
  const answeredBy = call.winner?.target.binding?.aor;
  return {
    callId: call.id,
    aLegCallId: call.aLegCallId,
    state: call.state,
    direction: r.direction,
    ...(call.input.callerExt !== undefined ? { fromExt: call.input.callerExt } : {}),
    to: call.input.calleeExt,
    ...(answeredBy !== undefined ? { answeredBy } : {}),
    ...(trunk !== undefined ? { trunk } : {}),
    ...(r.did !== undefined ? { did: r.did } : {}),
    ...(r.fromNumber !== undefined ? { fromNumber: r.fromNumber } : {}),
    ...(r.toNumber !== undefined ? { toNumber: r.toNumber } : {}),
    startedAt: call.startedAt,
    ...(call.answeredAt !== undefined ? { answeredAt: call.answeredAt } : {}),
  };
}

/** The calling number of an inbound call: the From user, when it looks like a number. */
