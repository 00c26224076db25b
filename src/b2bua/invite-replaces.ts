/**
 * An INVITE with Replaces (RFC 3891) for one of our dialogs: a phone finishing an attended
 * transfer itself (or a phone taking over a colleague's call) wants to take the place of
 * the party on that dialog. The new caller N takes that party's side of the call: N's offer
 * is relayed to the party that stays as a re-INVITE on its own dialog, the answer comes
 * back to N in our 200, the replaced party gets a BYE (§3), and N's dialog becomes that
 * side of the call (Call.replaceLeg).
 *
 * Refusals (§3), none revealing another tenant:
 * - more than one Replaces, or one that cannot be read: 400;
 * - no dialog of this tenant by that id (another tenant's, none, or one of our early
 *   dialogs, which are not registered: taking over a ringing call is not done here): 481;
 * - a dialog whose call is ending: 603; early-only for a confirmed dialog: 486;
 * - a caller that is not an extension of this tenant (§6: who may replace): 403;
 * - no offer in the INVITE (late offer is not taken here): 488; a re-INVITE under way: 491.
 */
import { createResponse } from '../sip/message/response.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import { adopt, byeLeg, legOf } from './attended-transfer.js';
import type { InviteRequest } from './b2bua.js';
import type { CallTransfersDeps } from './call-transfers.js';
import { dialogKey, type Side } from './call-registry.js';
import { answerCaller } from './messages.js';
import { parseReplaces } from './refer-to.js';
import { SdpBridge } from './sdp-bridge.js';
import { newTag } from '../util/ids.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/** Whether an INVITE carries a Replaces header (then inviteWithReplaces takes it). */
export function hasReplaces(i: InviteRequest): boolean {
  return i.req.headers.some((h) => h.name === 'replaces');
}

export function inviteWithReplaces(d: CallTransfersDeps, i: InviteRequest, tx: ServerTransaction): void {
  const { req, tenant } = i;
  const refuse = (status: number, reason: string) => {
    d.log.warn('INVITE with Replaces refused', { tenant: tenant.id, status, reason });
    tx.respond(createResponse(req, status, { reason }));
  };
  const values = req.headers.filter((h) => h.name === 'replaces');
  if (values.length !== 1) return refuse(400, 'One Replaces header only');
  const r = parseReplaces(values[0]!.value);
  if (!r) return refuse(400, 'Bad Replaces');
  // The Replaces names the dialog as its other end (the replaced party) sees it: to-tag is ours.
  const owner = d.findDialog(dialogKey(r.callId, r.toTag, r.fromTag)) ?? d.findDialog(dialogKey(r.callId, r.fromTag, r.toTag));
  if (!owner || d.tenantOf(owner.call)?.id !== tenant.id) return refuse(481, reasonPhrase(481));
  const { call, side } = owner;
  if (call.state !== 'answered') return refuse(603, reasonPhrase(603));
  if (r.earlyOnly) return refuse(486, reasonPhrase(486));
  if (i.caller.kind !== 'extension') return refuse(403, 'Only an extension may replace a dialog');
  let offer: Buffer;
  try {
    offer = SdpBridge.checkOffer(req);
  } catch (e) {
    return refuse((e as { status?: number }).status ?? 488, (e as { reason?: string }).reason ?? reasonPhrase(488));
  }
  if (offer.length === 0) return refuse(488, 'An offer is needed');
  if (call.pendingReinvite !== undefined) return refuse(491, reasonPhrase(491));
  const media = call.mediaSession;
  const stay: Side = side === 'a' ? 'b' : 'a';
  const stayLeg = legOf(call, stay);
  if (!media || !stayLeg) return refuse(481, reasonPhrase(481));
  const relayed = call.sdpBridge.relayOffer(side, offer, media, i.inbound.source.address);
  if (!relayed) return refuse(488, reasonPhrase(488));
  const ctx = d.contextOf(call);
  const tag = newTag();
  tx.respond(answerCaller(req, 100, { toTag: tag }));
  call.pendingReinvite = side;
  const { dialog, target } = stayLeg;
  const reinvite = dialog.createRequest('INVITE', { via: ctx.io.viaFor(target.protocol), contact: ctx.io.contactFor(target.protocol), body: relayed.body, contentType: 'application/sdp' });
  const fail = (status: number, reason: string) => {
    call.pendingReinvite = undefined;
    refuse(status, reason);
  };
  ctx.io.sendRequest(reinvite, target, {
    onResponse: (res) => {
      if (res.status < 200) return;
      dialog.receiveResponse(res);
      if (res.status >= 300) return fail(res.status === 491 ? 491 : 488, reasonPhrase(res.status === 491 ? 491 : 488));
      ctx.io.ackDialog(dialog, res, target);
      const answer = call.sdpBridge.relayAnswer(stay, res.body, media, target.address);
      if (!answer || call.state !== 'answered') return fail(488, reasonPhrase(488));
      call.pendingReinvite = undefined;
      const contact = ctx.contactFor(i.callerTarget.protocol);
      tx.respond(answerCaller(req, 200, { toTag: tag, contact, body: answer.body }));
      const uas = ctx.uasDialog(req, tag, contact);
      // §3: the replaced party's dialog ends with a BYE; the new caller takes its side.
      byeLeg(ctx, call, side);
      call.replaceLeg(side, adopt(ctx, call, { dialog: uas, target: i.callerTarget }, req, undefined), undefined, i.caller.kind === 'extension' ? i.caller.ext : undefined);
      void media
        .setRemote(side, relayed.remote)
        .then(() => media.resetLatch(side))
        .then(() => media.setRemote(stay, answer.remote))
        .catch((e: unknown) => ctx.logger.warn('replaced leg media not moved', { call: call.id, error: e }));
      if (answer.codecs) call.useCodecs(answer.codecs);
      d.log.info('dialog replaced', { tenant: tenant.id, call: call.id, side, by: i.caller.kind === 'extension' ? i.caller.ext : 'trunk' });
    },
    onTimeout: () => fail(408, reasonPhrase(408)),
    onTransportError: () => fail(503, reasonPhrase(503)),
  });
}
