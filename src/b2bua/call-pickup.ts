/**
 * Call pickup (issue 12, point 2). An extension dials the pickup code (`*8`: a call ringing
 * another member of one of its pickup groups) or the directed pickup code (`**1002`: a call
 * ringing 1002). The PBX answers the picking phone's INVITE itself and joins it to the
 * ringing call in place of the forks, which are cancelled (CANCEL with Reason "Call
 * completed elsewhere", RFC 3326); the caller gets its 200; the call record names the
 * extension that picked it up.
 *
 * Only calls of the picker's own tenant are ever looked at: a `**2001` where 2001 is an
 * extension of another tenant looks for 2001 in the caller's tenant, finds nothing, and
 * gets 404, exactly as for a number nobody has. When several calls qualify, the oldest
 * is taken. A ring group's call rings its members' phones: it is picked up the same way.
 * Other kinds of ringing calls (queues) join through `PickupCandidate`.
 */
import type { SipRequest } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import { pickupPeers, type PickupGroups } from '../model/pickup-groups.js';
import { matchFeatureCode, type FeatureCodeEntry } from '../model/feature-code-table.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Clock } from '../util/clock.js';
import { newTag } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { Call } from './call.js';
import { uasLeg } from './uas-leg.js';
import type { UasOkRetransmits } from './uas-ok-retransmits.js';
import { dialogKey } from './call-registry.js';
import { answerCaller } from './messages.js';
import { pickupAnswers, renumbered } from './pickup-answer.js';
import { SdpBridge } from './sdp-bridge.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/** The phone that dialled a pickup code: its INVITE (with an offer), already authenticated. */
export interface PickerLeg {
  ext: string;
  req: SipRequest;
  tx: ServerTransaction;
  /** Where requests to the picker go. */
  target: Target;
}

export type TakeResult = { ok: true } | { ok: false; status: number; reason: string };

/** A call that rings some extensions of one tenant now and can be answered by a picker. */
export interface PickupCandidate {
  tenantId: string;
  /** The extensions whose phones ring for it now. */
  ringing: readonly string[];
  /** The extension that placed it, if one did (a phone never picks up its own call). */
  callerExt?: string;
  startedAt: number;
  take(picker: PickerLeg): TakeResult;
}

export interface CallPickupsDeps {
  log: Logger;
  clock: Clock;
  featureCodes(tenant: TenantContext): readonly FeatureCodeEntry[];
  pickupGroups(tenant: TenantContext): PickupGroups;
  /** Every ringing call of one tenant (the B2BUA's, and queue calls once queues exist). */
  candidates(tenantId: string): Iterable<PickupCandidate>;
}

export interface PickupInvite {
  req: SipRequest;
  tenant: TenantContext;
  caller: { kind: 'extension'; ext: string } | { kind: 'trunk' };
  dialled: string;
  callerTarget: Target;
}

export class CallPickups {
  constructor(private readonly d: CallPickupsDeps) {}

  /**
   * True when `i` dialled a pickup code of its tenant (and got an answer: 200 from the
   * picked call, 404 when nothing of the tenant rings for it, 488 for no common codec).
   * False: not a pickup code; the B2BUA goes on as usual.
   */
  tryPickup(i: PickupInvite, tx: ServerTransaction, refuse: (status: number, reason: string) => void): boolean {
    if (i.caller.kind !== 'extension') return false;
    const m = matchFeatureCode(this.d.featureCodes(i.tenant), i.dialled);
    if (!m || (m.id !== 'pickup' && m.id !== 'directedPickup')) return false;
    const picker = i.caller.ext;
    const log = this.d.log.with({ tenant: i.tenant.id, picker, code: m.id });
    let wanted: Set<string>;
    if (m.id === 'directedPickup') {
      // The extension is looked up in the caller's tenant only.
      const ext = m.arg !== undefined ? i.tenant.store.getExtension(m.arg) : undefined;
      wanted = ext && m.arg !== picker ? new Set([m.arg!]) : new Set();
    } else {
      wanted = pickupPeers(this.d.pickupGroups(i.tenant), picker);
    }
    try {
      SdpBridge.checkOffer(i.req);
    } catch (e) {
      refuse((e as { status?: number }).status ?? 488, (e as { reason?: string }).reason ?? reasonPhrase(488));
      return true;
    }
    const found = [...this.d.candidates(i.tenant.id)]
      .filter((c) => c.tenantId === i.tenant.id && c.callerExt !== picker && c.ringing.some((e) => wanted.has(e)))
      .sort((a, b) => a.startedAt - b.startedAt);
    let last: TakeResult | undefined;
    for (const c of found) {
      last = c.take({ ext: picker, req: i.req, tx, target: i.callerTarget });
      if (last.ok) {
        log.info('call picked up', { ringing: c.ringing.filter((e) => wanted.has(e)) });
        return true;
      }
    }
    const status = last && !last.ok ? last.status : 404;
    const reason = last && !last.ok ? last.reason : 'No Call To Pick Up';
    log.info('nothing picked up', { status, wanted: wanted.size });
    refuse(status, reason);
    return true;
  }
}

/**
 * A ringing Call of the B2BUA as a pickup candidate. The picker's leg becomes the call's
 * leg B: a UAS dialog of the PBX with the picking phone, kept in a Fork that is already
 * answered (BYE, re-INVITE and the record go through it like any answered fork).
 */
export function callCandidate(call: Call, tenantId: string, o: { clock: Clock; mediaAddress: string; contactFor(protocol: Target['protocol']): string; oks: UasOkRetransmits }): PickupCandidate {
  return {
    tenantId,
    ringing: [...new Set(call.ringingForks.flatMap((f) => (f.target.binding && f.target.trunk === undefined ? [f.target.binding.aor] : [])))],
    ...(call.input.callerExt !== undefined ? { callerExt: call.input.callerExt } : {}),
    startedAt: call.startedAt,
    take(p: PickerLeg): TakeResult {
      const media = call.mediaSession;
      const offer = call.calleeOffer;
      if (!media || !offer) return { ok: false, status: 488, reason: reasonPhrase(488) };
      const answers = pickupAnswers(p.req.body, offer, { address: o.mediaAddress, rtpPort: media.legB.rtpPort }, Math.floor(o.clock.now() / 1000));
      if (!answers) return { ok: false, status: 488, reason: reasonPhrase(488) };
      const tag = newTag();
      const contact = o.contactFor(p.target.protocol);
      const leg = uasLeg(p.req, p.ext, p.target, tag, contact, o.clock.now());
      if (!leg) return { ok: false, status: 400, reason: reasonPhrase(400) };
      if (!call.pickUp(leg, answers.asCallee, p.req, p.ext, (c) => renumbered(c, answers))) return { ok: false, status: 481, reason: reasonPhrase(481) };
      const ok = answerCaller(p.req, 200, { toTag: tag, contact, body: answers.toPicker });
      p.tx.respond(ok);
      const d = leg.dialog!;
      o.oks.start(dialogKey(d.id.callId, d.id.localTag, d.id.remoteTag), ok, p.target, () => call.hangupBoth('system', 'no ACK for 200 from the picker'));
      return { ok: true };
    },
  };
}
