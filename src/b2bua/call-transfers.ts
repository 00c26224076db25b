/**
 * The B2BUA answers every REFER inside a call itself (issue 12: a REFER is never relayed,
 * so a carrier is never asked to call an internal extension): it checks the Refer-To
 * against the tenant, the transferor's class of service and the dial plan, answers 202,
 * and runs the transfer (call-transfer.ts) with NOTIFYs on the REFER's dialog (RFC 3515).
 *
 * Refusals, each logged, none revealing another tenant:
 * - Refer-To missing or unreadable: 400; a scheme other than sip/sips/tel: 403;
 * - a sip: Refer-To whose host is not one of this tenant's domains (nor the PBX's own address): 403;
 * - a number the transferor may not dial (its class of service, a trunk transferor): 403 (refer-guard.ts);
 * - Replaces (RFC 3891) naming a dialog that is not one of ours in this tenant: 481, the
 *   same answer for a dialog of another tenant as for one that does not exist; naming a
 *   dialog of another party of this tenant: 403; with early-only (the call is answered): 486.
 *   Otherwise the PBX joins the two remaining parties (attended-transfer.ts);
 * - a second transfer while one rings on the same call: 491.
 */
import { createResponse } from '../sip/message/response.js';
import { cseqOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Logger } from '../util/logger.js';
import type { B2buaIo } from './b2bua-io.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import type { CallPlan, OutboundDecision, TrunkHandle } from './call-plan.js';
import { dialogKey, type DialogOwner, type Side } from './call-registry.js';
import { checkRefer, type Referrer } from './refer-guard.js';
import { ReferNotifier } from './refer-notify.js';
import { parseReferTo, type ReplacesTarget } from './refer-to.js';
import { CallTransfer, type TransferOutcome, type TransferPlan } from './call-transfer.js';
import { AttendedTransfer } from './attended-transfer.js';
import type { InviteRequest } from './b2bua.js';
import { inviteWithReplaces } from './invite-replaces.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export interface CallTransfersDeps {
  log: Logger;
  io: B2buaIo;
  /** The tenant of a call and the transferor on a side of it. */
  tenantOf(call: Call): TenantContext | undefined;
  referrerOf(call: Call, side: Side): Referrer;
  contextOf(call: Call): CallContext;
  findDialog(key: string): DialogOwner<Call> | undefined;
  routeOutbound(tenant: TenantContext, dialled: string, classOfService: string): OutboundDecision;
  /** The plan for what the transferor dialled (an extension, a number out through a trunk), with its class of service. */
  plan(tenant: TenantContext, referrer: Referrer, dialled: string, req: SipRequest): CallPlan;
  /** A trunk channel for an outside target (tenant trunkCalls, trunks' maxChannels). */
  takeTrunk(tenant: TenantContext, trunks: TrunkHandle[]): { ok: true; release(): void } | { ok: false; reason: string };
  ownAddresses(): readonly string[];
  /** Call park (call-park.ts): a Refer-To naming a park slot or the park code parks the call. */
  park?: { tryPark(call: Call, side: Side, req: SipRequest, tx: ServerTransaction, tenant: TenantContext, referrer: Referrer, user: string): boolean; parkerBye(call: Call, side: Side): boolean; ended(call: Call): void };
}

export class CallTransfers {
  private readonly active = new Map<Call, CallTransfer>();
  /** Attended transfers being joined, under both of their calls. */
  private readonly joins = new Map<Call, AttendedTransfer>();

  constructor(private readonly d: CallTransfersDeps) {}

  /** A REFER on one leg of an answered call (already matched to its dialog). */
  onRefer(call: Call, side: Side, req: SipRequest, tx: ServerTransaction): void {
    const refuse = (status: number, reason: string) => {
      this.d.log.warn('transfer refused', { call: call.id, side, status, reason });
      tx.respond(createResponse(req, status, { reason }));
    };
    const tenant = this.d.tenantOf(call);
    if (!tenant || call.state !== 'answered') return refuse(481, reasonPhrase(481));
    if (this.active.get(call)?.active || this.joins.get(call)?.active) return refuse(491, reasonPhrase(491));
    const to = parseReferTo(req);
    if (!to.ok) return refuse(to.status, to.reason);
    if (to.replaces) return this.attended(call, side, req, tx, tenant, to.replaces, refuse);
    if (to.scheme === 'sip') {
      const host = (to.host ?? '').replace(/^\[|\]$/g, '');
      // Another tenant's domain, or anywhere else: not a destination of this tenant's dial plan.
      if (!tenant.domains.includes(host) && !this.d.ownAddresses().includes(host)) return refuse(403, 'Refer-To not in this domain');
      if (to.user === undefined) return refuse(403, 'Refer-To names no user');
    }
    const referrer = this.d.referrerOf(call, side);
    if (to.user !== undefined && this.d.park?.tryPark(call, side, req, tx, tenant, referrer, to.user)) return;
    const guard = checkRefer(req, referrer, (dialled, cos) => this.d.routeOutbound(tenant, dialled, cos));
    if (!guard.ok) return refuse(guard.status, guard.reason);
    const plan = this.d.plan(tenant, referrer, to.user!, req);
    if (plan.kind === 'refuse') return refuse(plan.status === 404 ? 404 : plan.status, plan.reason);
    if (referrer.kind === 'trunk' && plan.record.direction === 'outbound') return refuse(403, 'Transfer to an outside number not allowed from a trunk');
    let release = () => {};
    if (plan.record.direction === 'outbound') {
      const slot = this.d.takeTrunk(tenant, plan.trunks);
      if (!slot.ok) return refuse(503, slot.reason);
      release = () => slot.release();
    }
    tx.respond(createResponse(req, 202));
    const notifier = new ReferNotifier(
      this.d.io,
      () => (side === 'a' ? call.aDialog : call.winner?.dialog),
      () => (side === 'a' ? call.callerTarget : call.winner?.target.target),
      cseqOf(req).seq,
    );
    const referredBy = req.headers.find((h) => h.name === 'referred-by' || h.name === 'b')?.value;
    this.start(call, side, { stages: plan.stages, label: plan.calleeExt, calleeUri: plan.calleeUri, release, ...(referredBy ? { referredBy } : {}) }, notifier, referrer, tenant);
  }

  /**
   * A BYE from the transferor while its transfer rings: the transferor leaves, the
   * transferee stays on music on hold. True when the BYE was taken here.
   */
  transferorBye(call: Call, side: Side): boolean {
    if (this.joins.get(call)?.transferorBye(call, side)) {
      this.d.log.info('transferor left during the attended transfer', { call: call.id, side });
      return true;
    }
    if (this.d.park?.parkerBye(call, side)) return true;
    const t = this.active.get(call);
    if (!t || !t.active || t.side !== side) return false;
    t.transferorLeft = true;
    call.dropLeg(side);
    this.d.log.info('transferor left during the transfer', { call: call.id, side });
    return true;
  }

  /** An INVITE with Replaces (RFC 3891 §3) for one of our dialogs: invite-replaces.ts. */
  onInviteWithReplaces(i: InviteRequest, tx: ServerTransaction): void {
    inviteWithReplaces(this.d, i, tx);
  }

  /** The call ended: a transfer still ringing is cancelled. */
  ended(call: Call): void {
    this.joins.get(call)?.abort();
    this.d.park?.ended(call);
    this.active.get(call)?.abort();
    this.active.delete(call);
  }

  private start(call: Call, side: Side, plan: TransferPlan, notifier: ReferNotifier | undefined, referrer: Referrer, tenant: TenantContext): void {
    const t = new CallTransfer(this.d.contextOf(call), call, side, plan, notifier, (outcome, tr) => this.finished(call, tr, outcome, referrer, tenant));
    this.active.set(call, t);
    t.start();
  }

  /**
   * A transfer that failed: the transferee talks to the transferor again (its leg never
   * moved); when the transferor has hung up, the PBX rings that extension back; when that
   * fails too, or the transferor was a trunk, the call ends.
   */
  private finished(call: Call, t: CallTransfer, outcome: TransferOutcome, referrer: Referrer, tenant: TenantContext): void {
    if (this.active.get(call) === t) this.active.delete(call);
    if (outcome.kind !== 'failed' || !outcome.transferorLeft) return;
    if (call.state !== 'answered') return;
    if (referrer.kind === 'extension' && referrer.ext !== '' && t.label !== `callback:${referrer.ext}`) {
      const plan = this.d.plan(tenant, referrer, referrer.ext, call.input.invite);
      if (plan.kind === 'call') {
        this.d.log.info('transfer failed; ringing the transferor back', { call: call.id, ext: referrer.ext });
        this.start(call, t.side, { stages: plan.stages, label: `callback:${referrer.ext}`, calleeUri: plan.calleeUri, release: () => {} }, undefined, referrer, tenant);
        return;
      }
    }
    call.hangupBoth('system', `transfer failed: ${outcome.status} ${outcome.reason}`);
  }

  /**
   * Attended transfer (RFC 5589 §7): REFER with Replaces naming another dialog of ours.
   * Only this tenant's dialogs are looked at, and the answer for a dialog that is not
   * found is the same whether it belongs to another tenant or to nobody (481).
   */
  private attended(call: Call, side: Side, req: SipRequest, tx: ServerTransaction, tenant: TenantContext, r: ReplacesTarget, refuse: (s: number, reason: string) => void): void {
    const owner = this.d.findDialog(dialogKey(r.callId, r.toTag, r.fromTag)) ?? this.d.findDialog(dialogKey(r.callId, r.fromTag, r.toTag));
    if (!owner || owner.call === call || this.d.tenantOf(owner.call)?.id !== tenant.id || owner.call.state !== 'answered') return refuse(481, reasonPhrase(481));
    // RFC 3891 §3 (early-only): the consultation call is answered; a confirmed dialog is busy.
    if (r.earlyOnly) return refuse(486, reasonPhrase(486));
    // RFC 3891 §6.1: only the party on the named dialog may hand it over (the same extension).
    const referrer = this.d.referrerOf(call, side);
    const named = this.d.referrerOf(owner.call, owner.side);
    if (referrer.kind !== 'extension' || named.kind !== 'extension' || named.ext !== referrer.ext) return refuse(403, 'Replaces names a dialog of another party');
    const other = owner.call;
    if (this.active.get(other)?.active || this.joins.get(other)?.active) return refuse(491, reasonPhrase(491));
    tx.respond(createResponse(req, 202));
    const notifier = new ReferNotifier(
      this.d.io,
      () => (side === 'a' ? call.aDialog : call.winner?.dialog),
      () => (side === 'a' ? call.callerTarget : call.winner?.target.target),
      cseqOf(req).seq,
    );
    const t = new AttendedTransfer(this.d.contextOf(call), { host: call, hostSide: side, other, otherSide: owner.side }, notifier, () => {
      if (this.joins.get(call) === t) this.joins.delete(call);
      if (this.joins.get(other) === t) this.joins.delete(other);
    });
    this.joins.set(call, t);
    this.joins.set(other, t);
    this.d.log.info('attended transfer', { call: call.id, side, consultation: other.id, consultationSide: owner.side });
    t.start();
  }
}
