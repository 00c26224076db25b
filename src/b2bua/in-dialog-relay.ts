import { createResponse } from '../sip/message/response.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Call } from './call.js';
import type { Side } from './call-registry.js';
import { relayableHeaders } from './messages.js';
import { answerSessionTimer, type NegotiatedTimer } from '../sip/dialog/session-timer.js';
import type { B2buaIo } from './b2bua-io.js';
import { answerOfferlessReinvite } from './offerless-reinvite.js';
import { farEndAddress } from './fork-targets.js';

/**
 * A request inside an answered call, from one leg, passed to the other (a B2BUA keeps two
 * independent dialogs, RFC 7092 §3): re-INVITE and UPDATE with their SDP rewritten for the
 * other leg (hold and resume pass across), INFO, OPTIONS and the rest as they are. The
 * other leg's final response comes back the same way.
 */
export function relayInDialog(io: B2buaIo, call: Call, side: Side, req: SipRequest, tx: ServerTransaction): void {
  const other: Side = side === 'a' ? 'b' : 'a';
  const dialog = other === 'a' ? call.aDialog : call.winner?.dialog;
  const target = other === 'a' ? call.callerTarget : call.winner?.target.target;
  const media = call.mediaSession;
  if (!dialog || !target) {
    tx.respond(createResponse(req, 481));
    return;
  }
  // RFC 3262 §3: we never send the callee a reliable provisional, so its PRACK matches nothing.
  if (req.method === 'PRACK') {
    tx.respond(createResponse(req, 481));
    return;
  }
  // DTMF in INFO: answered here and played as RFC 4733 or tones, or relayed to an INFO leg.
  if (req.method === 'INFO' && call.dtmf.onInfo(side, req, tx)) return;
  const isInvite = req.method === 'INVITE';
  // RFC 3311 §5.2 glare: an offer while ours to this leg waits for its answer (in an ACK): 491;
  // an UPDATE offer while this leg's own re-INVITE is still open: 500 with Retry-After.
  const offers = isInvite || (req.method === 'UPDATE' && req.body.length > 0);
  if (offers && (call.ackAnswers.waiting(side) || (req.method === 'UPDATE' && call.pendingReinvite === other))) {
    tx.respond(createResponse(req, 491));
    return;
  }
  if (req.method === 'UPDATE' && req.body.length > 0 && call.pendingReinvite === side) {
    tx.respond(createResponse(req, 500, { headers: [['Retry-After', String(1 + Math.floor(Math.random() * 10))]] }));
    return;
  }
  // RFC 4028: a re-INVITE or UPDATE refreshes the session on the leg it came from.
  let timerAnswer: { timer: NegotiatedTimer | undefined; headers: Array<[string, string]> } | undefined;
  if (isInvite || req.method === 'UPDATE') {
    const st = answerSessionTimer(req, io.sessionPolicy, call.negotiated[side]);
    if (st.kind === 'reject') {
      tx.respond(createResponse(req, st.error.status, { reason: st.error.reason, headers: st.error.headers }));
      return;
    }
    timerAnswer = { timer: st.timer, headers: st.headers };
    if (req.body.length === 0) {
      // A refresh without an offer is answered here (RFC 4028 §9, RFC 3311): the media
      // does not change, so the other leg need not hear of it. A re-INVITE without an
      // offer gets our current description of that leg as an offer, its answer comes in
      // the ACK (offerless-reinvite.ts).
      const ownDialog = side === 'a' ? call.aDialog : call.winner?.dialog;
      const ownTarget = side === 'a' ? call.callerTarget : call.winner?.target.target;
      const headers: Array<[string, string]> = [...st.headers];
      if (ownTarget) headers.push(['Contact', `<${io.contactFor(ownTarget.protocol)}>`]);
      if (!(isInvite && answerOfferlessReinvite(call, side, req, tx, headers))) tx.respond(createResponse(req, 200, { headers }));
      ownDialog?.applyTargetRefresh(req);
      call.startSessionTimer(side, st.timer);
      return;
    }
  }
  if (isInvite) {
    // RFC 3261 §14.2: one re-INVITE at a time per call.
    if (call.pendingReinvite !== undefined) {
      tx.respond(createResponse(req, 491));
      return;
    }
    call.pendingReinvite = side;
  }
  let body = req.body;
  /** Whether the offer relayed holds the other party (sendonly/inactive), for music on hold. */
  let offeredHold: boolean | undefined;
  const headers = relayableHeaders(req);
  if (req.body.length > 0 && isSdp(req) && media) {
    const r = call.sdpBridge.relayOffer(side, req.body, media, side === 'a' ? call.callerSourceAddress : (call.winner ? farEndAddress(call.winner.target) : ''));
    if (!r) {
      if (isInvite) call.pendingReinvite = undefined;
      tx.respond(createResponse(req, 488));
      return;
    }
    body = r.body;
    // A new address or port: the leg relearns where its media comes from (new SSRC too).
    void media.setRemote(side, r.remote).then(() => (r.moved ? media.resetLatch(side) : undefined)).catch(() => undefined);
    void media.setHold(r.hold).catch(() => undefined);
    offeredHold = r.hold;
  }
  const out = dialog.createRequest(req.method, {
    via: io.viaFor(target.protocol),
    contact: io.contactFor(target.protocol),
    headers: headers.filter(([n]) => n !== 'content-type'),
    body,
    ...(body.length > 0 ? { contentType: headerOf(req, 'content-type') ?? 'application/sdp' } : {}),
  });
  io.sendRequest(out, target, {
    onResponse: (res) => {
      if (res.status < 200) {
        if (res.status !== 100) tx.respond(relayResponse(req, res, res.body));
        return;
      }
      dialog.receiveResponse(res);
      if (isInvite) {
        call.pendingReinvite = undefined;
        // The 2xx of our re-INVITE is ACKed at once; the caller's ACK is then absorbed.
        if (res.status < 300) io.ackDialog(dialog, res, target);
      }
      // RFC 3261 §12.2.2: a successful target refresh moves the sender's remote target.
      if (res.status < 300) (side === 'a' ? call.aDialog : call.winner?.dialog)?.applyTargetRefresh(req);
      let resBody = res.body;
      if (res.status < 300 && res.body.length > 0 && isSdp(res) && media) {
        const r = call.sdpBridge.relayAnswer(other, res.body, media, other === 'a' ? call.callerSourceAddress : (call.winner ? farEndAddress(call.winner.target) : ''));
        if (r) {
          resBody = r.body;
          void media.setRemote(other, r.remote).then(() => (r.moved ? media.resetLatch(other) : undefined)).catch(() => undefined);
          call.useCodecs(r.codecs);
          if (offeredHold !== undefined) call.holdAnswered(side, offeredHold);
        }
      }
      const out = relayResponse(req, res, resBody);
      if (res.status < 300 && timerAnswer) {
        // Our session timer answer for this leg, not the other leg's.
        out.headers = out.headers.filter((h) => h.name !== 'session-expires' && h.name !== 'min-se' && !(h.name === 'require' && /\btimer\b/i.test(h.value)));
        for (const [n, v] of timerAnswer.headers) out.headers.push({ name: n.toLowerCase(), value: v });
        if (target) out.headers.push({ name: 'contact', value: `<${io.contactFor(side === 'a' ? call.callerTarget.protocol : (call.winner?.target.target.protocol ?? 'udp'))}>` });
        call.startSessionTimer(side, timerAnswer.timer);
      }
      tx.respond(out);
    },
    onTimeout: () => {
      if (isInvite) call.pendingReinvite = undefined;
      tx.respond(createResponse(req, 408));
    },
    onTransportError: () => {
      if (isInvite) call.pendingReinvite = undefined;
      tx.respond(createResponse(req, 503));
    },
  });
}

function relayResponse(req: SipRequest, res: SipResponse, body: Buffer): SipResponse {
  const headers: Array<[string, string]> = [];
  for (const h of res.headers) {
    if (['require', 'supported', 'allow', 'session-expires', 'min-se', 'retry-after', 'warning', 'accept', 'unsupported'].includes(h.name)) headers.push([h.name, h.value]);
  }
  if (body.length > 0) headers.push(['content-type', headerOf(res, 'content-type') ?? 'application/sdp']);
  return createResponse(req, res.status, { reason: res.reason, headers, body });
}

function headerOf(m: { headers: Array<{ name: string; value: string }> }, name: string): string | undefined {
  return m.headers.find((h) => h.name === name)?.value;
}

function isSdp(m: { headers: Array<{ name: string; value: string }> }): boolean {
  const ct = headerOf(m, 'content-type');
  return ct === undefined || /^\s*application\/sdp\b/i.test(ct);
}
