/**
 * Call park (issue 12, point 3), performed by the PBX inside an answered call.
 *
 * - Park: a blind transfer (REFER) whose Refer-To is one of the tenant's slots (`701`) or
 *   the park feature code (`*85`: the first free slot). The REFER gets 202 and a final
 *   NOTIFY 200 (RFC 3515); the parked party (the transferee) hears music on hold; the
 *   parker's leg is released with a BYE. By the feature code, the PBX first plays the slot
 *   number to the parker ("7", "0", "1"), then releases it: that is how the parker learns
 *   where the call went. A slot already taken, or no free slot: the REFER gets 486; a
 *   number next to the range (same length and first digit, not an extension): 404.
 * - Retrieve: any extension of the same tenant dials the slot; the PBX answers its INVITE
 *   and the retriever takes the parker's side of the call (its media port), the music
 *   stops. A slot with nothing parked: 404. A number that is no slot is not ours: the dial
 *   plan answers it as usual (a number out of the range gets the dial plan's 404).
 * - Timeout: after `timeoutSeconds` the slot is freed and the PBX rings the parker back
 *   (on the same media session, the parked party still on hold); nobody answers: the
 *   fallback (an extension or a ring group); nobody there either, or none: the call ends.
 *
 * Slots are per tenant: a retrieval only ever looks at the caller's own tenant's slots.
 * Slot states ("park:701" idle/busy) are a port for busy-lamp fields (ParkSlotsPort).
 */
import { createResponse } from '../sip/message/response.js';
import { cseqOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import type { FeatureCodeEntry } from '../model/feature-code-table.js';
import { isParkSlot, nearParkSlot, parkSlots, type ParkFallback, type ParkSettings } from '../model/park-settings.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { newTag } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { B2buaIo } from './b2bua-io.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import { dialogKey, type Side } from './call-registry.js';
import { CallTransfer } from './call-transfer.js';
import { answerOffer } from './conference-answer.js';
import type { CallStage } from './fork-targets.js';
import { answerCaller } from './messages.js';
import type { Referrer } from './refer-guard.js';
import { ReferNotifier } from './refer-notify.js';
import { SdpBridge } from './sdp-bridge.js';
import { uasLeg } from './uas-leg.js';
import type { UasOkRetransmits } from './uas-ok-retransmits.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export type ParkSlotState = 'idle' | 'busy';

/** Slot states for busy-lamp fields: the resource "park:701" of a tenant. */
export interface ParkSlotsPort {
  /** Undefined when `slot` is not a park slot of that tenant. */
  state(tenantId: string, slot: string): ParkSlotState | undefined;
  /** Called on every change; returns the unsubscribe. */
  onChange(listener: (tenantId: string, slot: string, state: ParkSlotState) => void): () => void;
}

export interface CallParksDeps {
  log: Logger;
  clock: Clock;
  io: B2buaIo;
  settings(tenant: TenantContext): ParkSettings | undefined;
  /** Resolves a tenant by id (for slot states asked by id). */
  tenantById?(tenantId: string): TenantContext | undefined;
  featureCodes(tenant: TenantContext): readonly FeatureCodeEntry[];
  contextOf(call: Call): CallContext;
  /** Where ringing the parker back or the fallback goes: the stages, none when nobody can be rung. */
  stagesFor(tenant: TenantContext, dest: Exclude<ParkFallback, { type: 'hangup' }>): CallStage[];
  /** Prompt files of a tenant (the slot's digits: num-0 … num-9). */
  prompts(tenant: TenantContext, ids: readonly string[]): string[];
  mediaAddress: string;
  contactFor(protocol: Target['protocol']): string;
  /** 2xx retransmissions to the retriever until its ACK (RFC 3261 §13.3.1.4). */
  oks?: UasOkRetransmits;
}

interface Parked {
  call: Call;
  /** The parker's side of the call: the side a retriever (or the ring-back) takes. */
  side: Side;
  tenant: TenantContext;
  slot: string;
  parkerExt: string | undefined;
  timer: TimerHandle | undefined;
  /** The parker's leg is gone (BYE sent or received). */
  parkerGone: boolean;
}

export class CallParks implements ParkSlotsPort {
  /** tenant id → slot → the parked call. */
  private readonly lots = new Map<string, Map<string, Parked>>();
  private readonly byCall = new Map<Call, Parked>();
  /** Calls ringing back after a timeout (their transfer, to abort when the call ends). */
  private readonly ringing = new Map<Call, CallTransfer>();
  private readonly listeners = new Set<(tenantId: string, slot: string, state: ParkSlotState) => void>();

  constructor(private readonly d: CallParksDeps) {}

  // ---- ParkSlotsPort ------------------------------------------------------------------------

  state(tenantId: string, slot: string): ParkSlotState | undefined {
    const tenant = this.d.tenantById?.(tenantId);
    const s = tenant ? this.d.settings(tenant) : undefined;
    if (!s || !isParkSlot(s, slot)) return undefined;
    return this.lots.get(tenantId)?.has(slot) ? 'busy' : 'idle';
  }

  onChange(listener: (tenantId: string, slot: string, state: ParkSlotState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- park ---------------------------------------------------------------------------------

  /**
   * A REFER whose Refer-To user is `user`: true when it was a park (answered here: 202 and
   * the park, or 486/500); false when `user` is neither a slot nor the park code of the
   * tenant (the transfer goes on as usual).
   */
  tryPark(call: Call, side: Side, req: SipRequest, tx: ServerTransaction, tenant: TenantContext, referrer: Referrer, user: string): boolean {
    const s = this.d.settings(tenant);
    if (!s) return false;
    const code = this.d.featureCodes(tenant).find((e) => e.id === 'park')?.code ?? null;
    const lot = this.lotOf(tenant.id);
    let slot: string | undefined;
    const byCode = code !== null && user === code;
    const refuse = (status: number, reason: string) => {
      this.d.log.warn('park refused', { tenant: tenant.id, call: call.id, status, reason });
      tx.respond(createResponse(req, status, { reason }));
      return true;
    };
    if (byCode) {
      slot = parkSlots(s).find((x) => !lot.has(x));
      if (slot === undefined) return refuse(486, 'All Park Slots Busy');
    } else if (isParkSlot(s, user)) {
      slot = user;
      if (lot.has(slot)) return refuse(486, 'Park Slot Busy');
    } else if (nearParkSlot(s, user) && !tenant.store.getExtension(user)) {
      // "A park slot out of range" (issue 12): said as such, not left to the dial plan.
      return refuse(404, 'No Such Park Slot');
    } else {
      return false;
    }
    const media = call.mediaSession;
    if (!media || call.state !== 'answered') return refuse(481, reasonPhrase(481));
    tx.respond(createResponse(req, 202));
    const notifier = new ReferNotifier(
      this.d.io,
      () => (side === 'a' ? call.aDialog : call.winner?.dialog),
      () => (side === 'a' ? call.callerTarget : call.winner?.target.target),
      cseqOf(req).seq,
    );
    const ctx = this.d.contextOf(call);
    const p: Parked = { call, side, tenant, slot, parkerExt: referrer.kind === 'extension' && referrer.ext !== '' ? referrer.ext : undefined, timer: undefined, parkerGone: false };
    lot.set(slot, p);
    this.byCall.set(call, p);
    this.changed(tenant.id, slot, 'busy');
    p.timer = this.d.clock.setTimeout(() => this.timedOut(p), s.timeoutSeconds * 1000);
    const transferee: Side = side === 'a' ? 'b' : 'a';
    const moh = ctx.musicOnHold?.() ?? [];
    if (moh.length > 0) void media.play?.(transferee, moh, { loop: true, bargeIn: false })?.catch(() => undefined);
    this.d.log.info('call parked', { tenant: tenant.id, call: call.id, slot, parker: p.parkerExt, byCode });
    const release = () => {
      notifier.final(200, reasonPhrase(200));
      this.releaseParker(p);
    };
    const digits = byCode ? this.d.prompts(tenant, [...slot].map((c) => `num-${c}`)) : [];
    if (digits.length === 0 || !media.play) {
      release();
      return true;
    }
    // The parker hears where the call went, then its leg is released.
    void media
      .play(side, digits, { loop: false, bargeIn: false })
      .catch(() => undefined)
      .then(() => release());
    return true;
  }

  /**
   * A BYE from the parker's side of a parked call (answered 200 by the B2BUA): the parker
   * leaves, the parked party stays. True when the BYE was taken here.
   */
  parkerBye(call: Call, side: Side): boolean {
    const p = this.byCall.get(call);
    if (!p || p.side !== side) return false;
    if (!p.parkerGone) {
      p.parkerGone = true;
      call.dropLeg(side);
    }
    return true;
  }

  private releaseParker(p: Parked): void {
    if (p.parkerGone) return;
    p.parkerGone = true;
    const ctx = this.d.contextOf(p.call);
    if (p.side === 'a') ctx.byeCaller(p.call);
    else if (p.call.winner) ctx.byeFork(p.call.winner);
    p.call.dropLeg(p.side);
  }

  // ---- retrieve -----------------------------------------------------------------------------

  /**
   * An INVITE from an extension: true when it dialled a park slot of its tenant (answered
   * here: 200 and the parked call, 404 when nothing is parked there, 488 or 400 for an
   * offer or INVITE that cannot be answered). False: not a slot; the B2BUA goes on.
   */
  tryRetrieve(i: { req: SipRequest; tenant: TenantContext; caller: { kind: 'extension'; ext: string } | { kind: 'trunk' }; dialled: string; callerTarget: Target }, tx: ServerTransaction, refuse: (status: number, reason: string) => void): boolean {
    if (i.caller.kind !== 'extension') return false;
    const s = this.d.settings(i.tenant);
    if (!s || !isParkSlot(s, i.dialled)) return false;
    // The caller's own tenant's lot only.
    const p = this.lots.get(i.tenant.id)?.get(i.dialled);
    if (!p || p.tenant.id !== i.tenant.id) {
      refuse(404, 'Nothing Parked');
      return true;
    }
    try {
      SdpBridge.checkOffer(i.req);
    } catch (e) {
      refuse((e as { status?: number }).status ?? 488, (e as { reason?: string }).reason ?? reasonPhrase(488));
      return true;
    }
    const { call, side } = p;
    const media = call.mediaSession;
    if (!media || call.state !== 'answered') {
      refuse(404, 'Nothing Parked');
      return true;
    }
    const local = side === 'a' ? media.legA : media.legB;
    const answer = answerOffer(i.req.body, { address: this.d.mediaAddress, rtpPort: local.rtpPort }, call.id, i.callerTarget.address);
    if (!answer) {
      refuse(488, reasonPhrase(488));
      return true;
    }
    const tag = newTag();
    const contact = this.d.contactFor(i.callerTarget.protocol);
    const leg = uasLeg(i.req, i.caller.ext, i.callerTarget, tag, contact, this.d.clock.now());
    if (!leg) {
      refuse(400, reasonPhrase(400));
      return true;
    }
    // The parker may still be hearing the slot number: its leg goes now.
    this.releaseParker(p);
    this.unpark(p);
    const ok = answerCaller(i.req, 200, { toTag: tag, contact, body: answer.body });
    tx.respond(ok);
    const dlg = leg.dialog!;
    this.d.oks?.start(dialogKey(dlg.id.callId, dlg.id.localTag, dlg.id.remoteTag), ok, i.callerTarget, () => call.hangupBoth('system', 'no ACK for 200 from the retriever'));
    call.replaceLeg(side, leg, undefined);
    const transferee: Side = side === 'a' ? 'b' : 'a';
    void (async () => {
      await media.stopPlay?.(transferee);
      await media.stopPlay?.(side);
      await media.setRemote(side, answer.remote);
      await media.resetLatch(side);
    })().catch((e: unknown) => this.d.log.warn('retrieved call media not moved', { call: call.id, error: e }));
    call.useLegCodec(side, answer.codec);
    this.d.log.info('parked call retrieved', { tenant: i.tenant.id, call: call.id, slot: p.slot, by: i.caller.ext });
    return true;
  }

  // ---- timeout ------------------------------------------------------------------------------

  /** Nobody retrieved the call in time: ring the parker back, then the fallback. */
  private timedOut(p: Parked): void {
    if (this.byCall.get(p.call) !== p) return;
    this.unpark(p);
    this.releaseParker(p);
    const s = this.d.settings(p.tenant);
    this.d.log.info('park timed out', { tenant: p.tenant.id, call: p.call.id, slot: p.slot, parker: p.parkerExt });
    const steps: Array<{ dest: Exclude<ParkFallback, { type: 'hangup' }>; label: string }> = [];
    if (p.parkerExt !== undefined) steps.push({ dest: { type: 'extension', ext: p.parkerExt }, label: `park ${p.slot} timeout: back to ${p.parkerExt}` });
    const f = s?.fallback;
    if (f && f.type !== 'hangup') steps.push({ dest: f, label: `park ${p.slot} timeout: fallback ${f.type === 'extension' ? f.ext : f.name}` });
    this.ringNext(p, steps);
  }

  private ringNext(p: Parked, steps: Array<{ dest: Exclude<ParkFallback, { type: 'hangup' }>; label: string }>): void {
    const { call } = p;
    if (call.state !== 'answered') return;
    const step = steps.shift();
    if (!step) {
      call.hangupBoth('system', `parked at ${p.slot}: nobody answered after the timeout`);
      return;
    }
    const stages = this.d.stagesFor(p.tenant, step.dest);
    if (stages.length === 0) return this.ringNext(p, steps);
    const calleeUri = `sip:${step.dest.type === 'extension' ? step.dest.ext : step.dest.name}@${p.tenant.realm}`;
    const t = new CallTransfer(this.d.contextOf(call), call, p.side, { stages, label: step.label, calleeUri, release: () => {} }, undefined, (outcome) => {
      if (this.ringing.get(call) === t) this.ringing.delete(call);
      if (outcome.kind === 'failed') this.ringNext(p, steps);
    });
    // The parker's leg is already gone: nothing to BYE when the ring-back is answered.
    t.transferorLeft = true;
    this.ringing.set(call, t);
    t.start();
  }

  // ---- ends ---------------------------------------------------------------------------------

  /** The call ended (the parked party hung up, the API, a timeout): its slot is free. */
  ended(call: Call): void {
    const p = this.byCall.get(call);
    if (p) this.unpark(p);
    this.ringing.get(call)?.abort();
    this.ringing.delete(call);
  }

  private unpark(p: Parked): void {
    this.d.clock.clearTimeout(p.timer);
    p.timer = undefined;
    if (this.byCall.get(p.call) === p) this.byCall.delete(p.call);
    const lot = this.lots.get(p.tenant.id);
    if (lot?.get(p.slot) !== p) return;
    lot.delete(p.slot);
    this.changed(p.tenant.id, p.slot, 'idle');
  }

  private lotOf(tenantId: string): Map<string, Parked> {
    let lot = this.lots.get(tenantId);
    if (!lot) this.lots.set(tenantId, (lot = new Map()));
    return lot;
  }

  private changed(tenantId: string, slot: string, state: ParkSlotState): void {
    for (const l of this.listeners) {
      try {
        l(tenantId, slot, state);
      } catch (e) {
        this.d.log.warn('park slot listener failed', { error: e });
      }
    }
  }
}
