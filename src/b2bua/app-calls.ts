/**
 * The calls the PBX answers itself to run an application, and everything that follows on
 * them (issue 11): where a new INVITE goes when call applications are wired (feature codes
 * before the dial plan, extension policies, every kind of destination on inbound routes),
 * taking over an unanswered call (busy, no answer: forward or voicemail), running an
 * application on an AppChannel, and carrying out its continueTo: another application, a
 * ring of an extension or group or outside number bridged on answer, a conference, a prompt.
 *
 * Which in-dialog request, ACK or CANCEL belongs to which application leg is kept here, in
 * the same way conference-calls.ts does for rooms.
 */
import type { CallApps } from '../apps/call-apps.js';
import { createResponse } from '../sip/message/response.js';
import { getHeader, tagOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import type { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Inbound, Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { AnyDestination } from './app-destination.js';
import { describeDestination } from './app-destination.js';
import { AppChannelImpl, type AppChannelPorts } from './app-channel-impl.js';
import { AppLeg, type AppLegInput, type BridgePlan } from './app-leg.js';
import type { AppLegDeps } from './app-leg-deps.js';
import type { CallLimits } from './call-limits.js';
import { dialogKey, type Side } from './call-registry.js';
import type { PlannerPorts, TrunkHandle } from './call-plan.js';
import type { ConferenceCalls } from './conference-calls.js';
import { DestinationRouter, type Route } from './destination-router.js';
import { bridgeExtensions } from './extension-bridge.js';
import type { CallMediaSession } from './ports.js';
import type { LiveCall } from './b2bua.js';
import type { TrunkChannels } from './trunk-channels.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export interface AppCallsDeps {
  clock: Clock;
  logger: Logger;
  transactions: TransactionLayer;
  planner: PlannerPorts;
  limits: CallLimits;
  trunkChannels: TrunkChannels;
  /** The call applications; undefined: none wired (the B2BUA behaves as before). */
  apps(): CallApps | undefined;
  maxForwardHops(): number;
  inboundCos(tenant: TenantContext): string | undefined;
  prompts(tenant: TenantContext, ids: readonly string[]): string[];
  trimRecordingTail?(path: string, ms: number): number;
  /** Why the tenant may not place an outbound call now (records not writable, daily minutes used up); undefined: it may. */
  outboundRefusal?(tenant: TenantContext): string | undefined;
  conferences?: ConferenceCalls;
  /** Per-tenant parts of an application leg's deps (recorder, logger). */
  legDeps(tenant: TenantContext): AppLegDeps;
}

/** The caller and what it dialled, as the B2BUA's handleInvite has them. */
export interface AppInvite {
  inbound: Inbound;
  req: SipRequest;
  tenant: TenantContext;
  caller: { kind: 'extension'; ext: string; classOfService: string } | { kind: 'trunk'; trunk: TrunkHandle; did: string };
  dialled: string;
  /** RFC 5627: the Request-URI named one device (a GRUU): the plain plan rings only that one. */
  calleeInstance?: string;
  callerTarget: Target;
}

/** What an unanswered call hands over (call.ts handOver). */
export interface CallHandover {
  id: string;
  aTag: string;
  startedAt: number;
  media: CallMediaSession;
}

export class AppCalls {
  readonly router: DestinationRouter;
  private readonly byDialog = new Map<string, { leg: AppLeg; side: Side }>();
  private readonly byInvite = new Map<string, AppLeg>();
  private readonly legs = new Set<AppLeg>();
  private readonly log: Logger;
  private readonly channelPorts: AppChannelPorts;

  constructor(private readonly d: AppCallsDeps) {
    this.log = d.logger.child('apps');
    this.channelPorts = this.channelPortsOf();
    this.router = new DestinationRouter({ planner: d.planner, apps: d.apps, maxForwardHops: d.maxForwardHops, inboundCos: d.inboundCos, log: this.log });
  }

  get size(): number {
    return this.legs.size;
  }

  /**
   * Where a new INVITE goes when that differs from the plain dial plan: a feature code of
   * the caller's tenant, an extension with a policy, an inbound route to any destination.
   * Undefined: the B2BUA plans the call as before.
   */
  routeInvite(i: AppInvite): Route | undefined {
    const apps = this.d.apps();
    const now = this.d.clock.now();
    const c = { tenant: i.tenant, now, hops: 0 };
    if (i.caller.kind === 'trunk') {
      const dest = this.d.planner.inboundDestination(i.tenant, i.caller.did) as AnyDestination | undefined;
      if (!dest) return undefined;
      const plain = dest.type === 'extension' || dest.type === 'ringGroup' || dest.type === 'hangup';
      if (plain && !apps) return undefined;
      return this.router.resolve(dest, c);
    }
    if (!apps) return undefined;
    const feature = apps.featureCode?.(i.tenant, i.caller.ext, i.dialled);
    if (feature) return { kind: 'app', app: feature, label: i.dialled, cause: 'feature-code' };
    const queue = apps.queueByNumber?.(i.tenant, i.dialled);
    if (queue !== undefined) return this.router.resolve({ type: 'queue', name: queue }, c);
    if (i.calleeInstance !== undefined) return undefined;
    const decision = this.d.planner.routeOutbound(i.tenant, i.dialled, i.caller.classOfService);
    if (decision.kind !== 'internal') return undefined;
    const ext = i.tenant.store.getExtension(i.dialled);
    if (!ext || !ext.enabled) return undefined;
    return this.router.resolve({ type: 'extension', ext: i.dialled }, c);
  }

  /**
   * A new INVITE whose route is an application, a conference or a failure (rings and
   * outside numbers go through Call). `offer` is the checked SDP; `refuse` answers and records.
   */
  startInvite(
    i: AppInvite,
    tx: ServerTransaction,
    route: Exclude<Route, { kind: 'ring' } | { kind: 'outbound' }>,
    o: { offer: Buffer; callerTimer: AppLegInput['callerTimer']; refuse(status: number, reason: string, headers?: Array<[string, string]>): void },
  ): void {
    if (route.kind === 'fail') {
      o.refuse(route.status, route.reason);
      return;
    }
    const { tenant } = i;
    const slot = this.d.limits.tryStart({
      callId: getHeader(i.req, 'call-id') ?? '',
      tenantId: tenant.id,
      ...(i.caller.kind === 'extension' ? { callerExt: i.caller.ext } : {}),
      limits: { ...(tenant.limits.calls !== undefined ? { calls: tenant.limits.calls } : {}), ...(tenant.limits.callsPerSecond !== undefined ? { callsPerSecond: tenant.limits.callsPerSecond } : {}) },
    });
    if (!slot.ok) {
      o.refuse(slot.status, reasonPhrase(slot.status), [['Reason', `SIP;cause=${slot.status};text="${slot.reason.replace(/"/g, "'")}"`]]);
      return;
    }
    let release = () => slot.release();
    // A call that came in on a trunk holds a channel of it (trunkCalls, maxChannels) while an application runs.
    if (i.caller.kind === 'trunk') {
      const channel = this.d.trunkChannels.tryTake(tenant.id, tenant.limits.trunkCalls, [i.caller.trunk]);
      if (!channel.ok) {
        slot.release();
        o.refuse(503, reasonPhrase(503), [['Reason', `SIP;cause=503;text="${channel.reason.replace(/"/g, "'")}"`]]);
        return;
      }
      release = () => {
        slot.release();
        channel.release();
      };
    }
    if (route.kind === 'conference') {
      if (!this.d.conferences) {
        slot.release();
        o.refuse(404, reasonPhrase(404));
        return;
      }
      this.d.conferences.start({
        tenant,
        invite: i.req,
        inviteTx: tx,
        callerTarget: i.callerTarget,
        callerSourceAddress: i.inbound.source.address,
        ...(i.caller.kind === 'extension' ? { callerExt: i.caller.ext } : {}),
        room: route.room,
        offer: o.offer,
        releaseLimit: release,
      });
      return;
    }
    const leg = this.newLeg({
      tenant,
      invite: i.req,
      inviteTx: tx,
      callerTarget: i.callerTarget,
      callerSourceAddress: i.inbound.source.address,
      ...(i.caller.kind === 'extension' ? { callerExt: i.caller.ext } : {}),
      caller: callerOf(i),
      dialled: i.dialled,
      offer: o.offer,
      callerTimer: o.callerTimer,
      releaseLimit: release,
      record: i.caller.kind === 'trunk' ? { direction: 'inbound', trunk: i.caller.trunk.name, did: i.caller.did, toNumber: i.caller.did } : { direction: 'internal' },
      hops: 0,
    });
    leg.begin();
    void this.run(leg, route);
  }

  /**
   * An unanswered call (call.ts) failed busy, unanswered or unavailable and its route says
   * where it goes next: the caller's INVITE, its media and its record go on in an
   * application leg. False: nothing takes it (the Call fails as before).
   */
  takeOver(i: AppInvite, input: { tx: ServerTransaction; offer: Buffer; callerTimer: AppLegInput['callerTimer']; releaseLimit(): void; record: AppLegInput['record']; handover: CallHandover }, next: Route): boolean {
    if (next.kind === 'fail') return false;
    if (next.kind === 'conference') return this.ringToRoom(i, input, next.room);
    const leg = this.newLeg({
      tenant: i.tenant,
      invite: i.req,
      inviteTx: input.tx,
      callerTarget: i.callerTarget,
      callerSourceAddress: i.inbound.source.address,
      ...(i.caller.kind === 'extension' ? { callerExt: i.caller.ext } : {}),
      caller: callerOf(i),
      dialled: i.dialled,
      offer: input.offer,
      callerTimer: input.callerTimer,
      releaseLimit: input.releaseLimit,
      record: input.record,
      handover: input.handover,
      hops: 0,
    });
    void this.run(leg, next);
    return true;
  }

  /**
   * An unanswered ring that goes on to a conference room: the room answers with a media
   * session of its own room's worker, so the ring's record ends here ('no_answer', "sent to
   * conference N") and the room writes its own; the ring's media session is released.
   */
  private ringToRoom(i: AppInvite, input: Parameters<AppCalls['takeOver']>[1], room: Extract<Route, { kind: 'conference' }>['room']): boolean {
    const conferences = this.d.conferences;
    if (!conferences) return false;
    const now = this.d.clock.now();
    const r = input.record;
    try {
      this.d.legDeps(i.tenant).recorder.ended({
        callId: input.handover.id,
        aLegCallId: getHeader(i.req, 'call-id') ?? '',
        fromUri: getHeader(i.req, 'from') ?? '',
        ...(i.caller.kind === 'extension' ? { fromExt: i.caller.ext } : {}),
        toUri: i.req.uri,
        toExt: i.dialled,
        direction: r.direction,
        ...(r.trunk !== undefined ? { trunk: r.trunk } : {}),
        ...(r.did !== undefined ? { did: r.did } : {}),
        ...(r.fromNumber !== undefined ? { fromNumber: r.fromNumber } : {}),
        ...(r.toNumber !== undefined ? { toNumber: r.toNumber } : {}),
        startedAt: input.handover.startedAt,
        endedAt: now,
        disposition: 'no_answer',
        hangupCause: `sent to conference ${room.number}`,
        hangupSide: 'system',
      });
    } catch (e) {
      this.log.error('call record not written', { call: input.handover.id, error: e });
    }
    void input.handover.media.release().catch(() => undefined);
    conferences.start({
      tenant: i.tenant,
      invite: i.req,
      inviteTx: input.tx,
      callerTarget: i.callerTarget,
      callerSourceAddress: i.inbound.source.address,
      ...(i.caller.kind === 'extension' ? { callerExt: i.caller.ext } : {}),
      room,
      offer: input.offer,
      releaseLimit: input.releaseLimit,
    });
    return true;
  }

  private newLeg(input: AppLegInput): AppLeg {
    const base = this.d.legDeps(input.tenant);
    const deps: AppLegDeps = {
      ...base,
      dialogUp: (leg, key, side) => this.byDialog.set(key, { leg, side }),
      ended: (leg) => {
        this.legs.delete(leg);
        this.byInvite.delete(leg.input.inviteTx.id);
        for (const [k, v] of this.byDialog) if (v.leg === leg) this.byDialog.delete(k);
        base.ended(leg);
      },
    };
    const leg = new AppLeg(deps, input);
    this.legs.add(leg);
    this.byInvite.set(input.inviteTx.id, leg);
    return leg;
  }

  /** Carry out a route on an application leg. Never throws. */
  async run(leg: AppLeg, route: Route): Promise<void> {
    if (leg.hungUp) return;
    try {
      switch (route.kind) {
        case 'app': {
          leg.toExt = route.label;
          leg.appCause = route.cause;
          leg.state = 'app';
          const ch = new AppChannelImpl(leg, this.channelPorts);
          try {
            await route.app.run(ch);
          } catch (e) {
            this.log.error('call application failed', { tenant: leg.tenant.id, call: leg.id, app: route.cause, error: e });
          }
          ch.ended();
          return;
        }
        case 'ring':
          await leg.ring({
            stages: route.stages,
            label: route.label,
            calleeUri: route.calleeUri,
            ...(route.noAnswerMs !== undefined ? { noAnswerMs: route.noAnswerMs } : {}),
            onFail: (why, status, reason) => {
              const next = route.onFail?.(why);
              void (next ? this.run(leg, next) : this.giveUp(leg, status, reason, why));
            },
          });
          return;
        case 'outbound':
          await this.ringOut(leg, route);
          return;
        case 'conference':
          // An answered leg cannot be handed to a room (the room answers with its own media).
          this.log.warn('conference not reachable from an answered call', { tenant: leg.tenant.id, call: leg.id, room: route.room.number });
          await this.giveUp(leg, 480, reasonPhrase(480));
          return;
        case 'fail':
          await this.giveUp(leg, route.status, route.reason);
          return;
      }
    } catch (e) {
      this.log.error('application leg failed', { tenant: leg.tenant.id, call: leg.id, error: e });
      leg.hangup('internal error');
    }
  }

  /** An outside number: a channel on the tenant's trunks (trunkCalls, maxChannels), then ring. */
  private async ringOut(leg: AppLeg, route: Extract<Route, { kind: 'outbound' }>): Promise<void> {
    const tenant = leg.tenant;
    const refusal = route.emergency ? undefined : this.d.outboundRefusal?.(tenant);
    if (refusal !== undefined) {
      this.log.info('outside number refused', { tenant: tenant.id, call: leg.id, reason: refusal });
      await this.giveUp(leg, 403, reasonPhrase(403));
      return;
    }
    const slot = this.d.trunkChannels.tryTake(tenant.id, route.emergency ? undefined : tenant.limits.trunkCalls, route.trunks);
    if (!slot.ok) {
      this.log.info('outside number: no trunk channel', { tenant: tenant.id, call: leg.id, reason: slot.reason });
      await this.giveUp(leg, 503, reasonPhrase(503));
      return;
    }
    const stages = route.stages.filter((st) => st.targets.every((t) => t.trunk === undefined || slot.usable.includes(t.trunk)));
    const plan: BridgePlan = {
      stages,
      label: route.number,
      calleeUri: route.calleeUri,
      release: () => slot.release(),
      outbound: { trunk: route.trunks[0]!.name, ...(route.toNumber !== undefined ? { toNumber: route.toNumber } : {}), ...(route.fromNumber !== undefined ? { fromNumber: route.fromNumber } : {}) },
      onFail: (why, status, reason) => void this.giveUp(leg, status, reason, why),
    };
    await leg.ring(plan);
  }

  /** Nothing more to try: a caller not answered gets the status; an answered one a prompt, then BYE. */
  private async giveUp(leg: AppLeg, status: number, reason: string, why?: string): Promise<void> {
    if (leg.hungUp) return;
    if (!leg.answered) {
      leg.refuse(status, reason, reason);
      return;
    }
    const files = this.d.prompts(leg.tenant, [why === 'noanswer' ? 'number-not-answering' : 'cannot-complete', 'goodbye']);
    if (files.length > 0 && leg.media?.play) await leg.media.play('a', files, { bargeIn: false }).catch(() => undefined);
    leg.hangup(`${status} ${reason}`);
  }

  private channelPortsOf(): AppChannelPorts {
    return {
      prompts: (tenant, ids) => this.d.prompts(tenant, ids),
      musicOnHold: (tenant) => this.d.legDeps(tenant).ringback(tenant),
      bridgeExtensions: (leg, exts, timeoutMs) => bridgeExtensions(leg, exts, timeoutMs, this.d.clock.now()),
      ...(this.d.trimRecordingTail ? { trimRecordingTail: this.d.trimRecordingTail } : {}),
      continueTo: (leg, dest, opts) => {
        // Names are looked up in the leg's own tenant only.
        const route = this.router.resolve(dest, { tenant: leg.tenant, now: this.d.clock.now(), hops: leg.hops, ...(opts.cos !== undefined ? { cos: opts.cos } : {}) });
        this.log.info('application continues', { tenant: leg.tenant.id, call: leg.id, to: describeDestination(dest), route: route.kind, ...(opts.reason ? { reason: opts.reason } : {}) });
        void this.run(leg, route);
      },
      clock: this.d.clock,
      logger: this.d.logger,
    };
  }

  // ---- SIP dispatch ---------------------------------------------------------------------

  cancel(inviteTxId: string): boolean {
    const leg = this.byInvite.get(inviteTxId);
    if (!leg) return false;
    leg.cancelByCaller();
    return true;
  }

  ack(req: SipRequest): boolean {
    const owner = this.ownerOf(req);
    if (!owner) return false;
    if (owner.side === 'a') owner.leg.onAck(req);
    return true;
  }

  inDialog(inbound: Inbound, req: SipRequest, target: Target): boolean {
    const owner = this.ownerOf(req);
    if (!owner) return false;
    const { leg, side } = owner;
    const dialog = side === 'a' ? leg.aDialog : leg.winner?.dialog;
    if (!dialog) return false;
    const tx = this.d.transactions.createServerTransaction(inbound, target);
    const check = dialog.receiveRequest(req);
    if (check !== 'ok') {
      tx.respond(createResponse(req, check.status, { reason: check.reason }));
      return true;
    }
    leg.inDialog(side, req, tx);
    return true;
  }

  /** The application legs of one tenant, as the admin API lists calls (never another tenant's). */
  list(tenantId: string): LiveCall[] {
    const out: LiveCall[] = [];
    for (const leg of this.legs) {
      if (leg.tenant.id !== tenantId || leg.hungUp) continue;
      const r = leg.input.record;
      out.push({
        callId: leg.id,
        aLegCallId: leg.aLegCallId,
        state: leg.answered ? 'answered' : 'proceeding',
        direction: r.direction,
        ...(leg.input.callerExt !== undefined ? { fromExt: leg.input.callerExt } : {}),
        to: leg.toExt,
        ...(r.trunk !== undefined ? { trunk: r.trunk } : {}),
        ...(r.did !== undefined ? { did: r.did } : {}),
        ...(r.fromNumber !== undefined ? { fromNumber: r.fromNumber } : {}),
        ...(r.toNumber !== undefined ? { toNumber: r.toNumber } : {}),
        startedAt: leg.startedAt,
      });
    }
    return out;
  }

  /** The admin API hangs up an application leg of this tenant (BYE with a Reason, RFC 3326); false: none. */
  hangupOne(tenantId: string, callId: string, reason: string): boolean {
    for (const leg of this.legs) {
      if (leg.id !== callId) continue;
      if (leg.tenant.id !== tenantId || leg.hungUp) return false;
      const text = reason.replace(/[\u0000-\u001f\u007f"\\]/g, ' ').slice(0, 128);
      leg.hangup(`hung up: ${text}`, `SIP;cause=${leg.answered ? 200 : 503};text="${text}"`);
      return true;
    }
    return false;
  }

  /** Drain: hang up every application leg. */
  hangupAll(cause: string): void {
    for (const leg of [...this.legs]) leg.hangup(cause);
  }

  private ownerOf(req: SipRequest) {
    const callId = getHeader(req, 'call-id');
    const local = tagOf(getHeader(req, 'to'));
    const remote = tagOf(getHeader(req, 'from'));
    if (!callId || !local || !remote) return undefined;
    return this.byDialog.get(dialogKey(callId, local, remote));
  }
}

function callerOf(i: AppInvite): AppLegInput['caller'] {
  const from = getHeader(i.req, 'from') ?? '';
  const name = /^\s*"([^"]{0,64})"/.exec(from)?.[1];
  const number = /sips?:([+]?[0-9*#]{2,32})@/i.exec(from)?.[1];
  if (i.caller.kind === 'extension') return { ext: i.caller.ext, number: i.caller.ext, ...(name !== undefined ? { name } : {}) };
  return { ...(number !== undefined ? { number } : {}), ...(name !== undefined ? { name } : {}) };
}
