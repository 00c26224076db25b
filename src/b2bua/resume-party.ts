import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import type { Side } from './call-registry.js';
import type { LegCodecs } from './ports.js';
import { transferOffer } from './transfer-offer.js';

/**
 * A party a transfer left on hold (the last SDP the PBX sent it is not sendrecv): a
 * re-INVITE with a sendrecv offer on its own leg brings it back (RFC 3264 §8.4). `busySide`
 * marks the call's pending re-INVITE while this one is out (RFC 3261 §14.2: one at a time).
 */
export function resumeParty(ctx: CallContext, call: Call, side: Side, busySide: Side): void {
  const media = call.mediaSession;
  const dialog = side === 'a' ? call.aDialog : call.winner?.dialog;
  const target = side === 'a' ? call.callerTarget : call.winner?.target.target;
  const body = media ? transferOffer(call.sdpBridge, side, media) : undefined;
  if (!dialog || !target || !body || !media || call.pendingReinvite !== undefined) return;
  call.pendingReinvite = busySide;
  const req = dialog.createRequest('INVITE', { via: ctx.io.viaFor(target.protocol), contact: ctx.io.contactFor(target.protocol), body, contentType: 'application/sdp' });
  ctx.io.sendRequest(req, target, {
    onResponse: (res) => {
      if (res.status < 200) return;
      call.pendingReinvite = undefined;
      dialog.receiveResponse(res);
      if (res.status >= 300) return;
      ctx.io.ackDialog(dialog, res, target);
      const a = call.sdpBridge.answerToOwnOffer(side, res.body, target.address);
      if (!a) return;
      void media.setRemote(side, a.remote).then(() => (a.moved ? media.resetLatch(side) : undefined)).catch(() => undefined);
      if (a.codec) call.useLegCodec(side, a.codec as LegCodecs['a']);
    },
    onTimeout: () => (call.pendingReinvite = undefined),
    onTransportError: () => (call.pendingReinvite = undefined),
  });
}
