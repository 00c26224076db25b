import { Dialog } from '../sip/dialog/dialog.js';
import { ReliableProvisionalSender, reliabilityWanted } from '../sip/dialog/reliable-provisional.js';
import { getHeader, getHeaderValues, tagOf } from '../sip/message/headers.js';
import { createResponse } from '../sip/message/response.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import { dialogKey, type Side } from './call-registry.js';
import type { Fork } from './fork.js';
import { farEndAddress } from './fork-targets.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/**
 * A call before it is answered, as far as RFC 3262 and RFC 3311 go:
 *
 * - provisional responses to the caller: reliable (Require: 100rel, RSeq, retransmitted
 *   until PRACK, reliable-provisional.ts) when its INVITE requires 100rel, or supports it
 *   and the 18x carries SDP (early media: its answer then counts, RFC 3262 §5); else as
 *   before. Each leg is its own: a callee's reliable 18x is PRACKed by the fork, and the
 *   caller gets an unreliable one when it does not support 100rel, or the reverse;
 * - PRACK from the caller: 200 when its RAck names the provisional waiting for it, else 481
 *   (RFC 3262 §3). A PRACK with SDP gets 488: we never offer in a provisional;
 * - UPDATE on the early dialogs (RFC 3311 §5.1), from either side: without SDP, 200; with
 *   SDP once the offer/answer of the INVITE is complete on both legs (the caller PRACKed
 *   the reliable 18x that carried the callee's answer), relayed as an UPDATE on the other
 *   leg's early dialog (to the caller only when its Allow names UPDATE), its answer back.
 *   §5.2: an offer while ours to that side is open (the other side's UPDATE is being
 *   relayed to it) gets 491 (glare); one before the INVITE's offer/answer is complete, or
 *   while the same side's previous UPDATE is open, 500 with Retry-After.
 *
 * The early dialogs are found through the call registry from the first 18x (the caller's)
 * and from the 18x whose SDP the caller got reliably (the callee's) until the call
 * is answered or ends; requests on them are checked (CSeq order) and must come from that
 * leg's own address. The caller's early dialog goes on as the confirmed one (its CSeqs).
 */
export class CallerEarlyLeg {
  private readonly wants: 'required' | 'supported' | 'no';
  private sender: ReliableProvisionalSender | undefined;
  private dialog: Dialog | undefined;
  private readonly keys: string[] = [];
  /** The fork whose SDP the caller was given in a reliable 18x that it PRACKed. */
  private answeredFork: Fork | undefined;
  /** The fork whose SDP went in the reliable 18x waiting for its PRACK. */
  private sentFork: Fork | undefined;
  /** The side whose UPDATE is being relayed to the other. */
  private updating: Side | undefined;

  constructor(
    private readonly call: Call,
    private readonly ctx: CallContext,
  ) {
    this.wants = reliabilityWanted(call.input.invite);
  }

  /**
   * Send a 101-199 to the caller; `sdpFrom` is the fork whose early SDP it carries. Reliable
   * when the caller requires 100rel, or supports it and the response carries SDP.
   */
  sendProvisional(res: SipResponse, sdpFrom: Fork | undefined): void {
    const tx = this.call.input.inviteTx;
    // Any 18x with our To tag makes the caller's early dialog (RFC 3261 §12.1): requests on it find the call.
    const invite = this.call.input.invite;
    this.register(getHeader(invite, 'call-id') ?? '', this.call.aTag, tagOf(getHeader(invite, 'from')), 'a');
    if (!(this.wants === 'required' || (this.wants === 'supported' && sdpFrom))) {
      tx.respond(res);
      return;
    }
    this.sender ??= new ReliableProvisionalSender({
      clock: this.ctx.clock,
      t1: this.ctx.settings.t1,
      send: (r) => tx.respond(r),
      // §3: no PRACK within 64*T1: the INVITE is rejected with a 5xx.
      onNoPrack: () => this.call.hangupBoth('system', 'no PRACK for a reliable provisional response'),
    });
    if (sdpFrom) this.sentFork = sdpFrom;
    this.sender.send(res);
  }

  /** PRACK (from the caller, any time) and UPDATE (before the answer) on an early dialog. */
  handles(req: SipRequest, side: Side): boolean {
    return (req.method === 'PRACK' && side === 'a') || (req.method === 'UPDATE' && this.call.state === 'proceeding');
  }

  /**
   * `source`: the address the request came from. Only a leg's own address may act on its
   * early dialog: an UPDATE could otherwise point that leg's media at anyone who learnt the
   * dialog id (another tenant's phone among them); others get 481.
   */
  onRequest(req: SipRequest, tx: ServerTransaction, source: string, side: Side = 'a'): void {
    const own = side === 'a' ? this.earlyDialog() : this.answeredFork?.dialog;
    const address = side === 'a' ? this.call.input.callerSourceAddress : (this.answeredFork ? farEndAddress(this.answeredFork.target) : undefined);
    if (source !== address) {
      this.ctx.logger.warn("early-dialog request from another address than the leg's refused", { call: this.call.id, method: req.method, side, source });
      tx.respond(createResponse(req, 481));
      return;
    }
    const check = own ? own.receiveRequest(req) : { status: 481, reason: reasonPhrase(481) };
    if (check !== 'ok') {
      tx.respond(createResponse(req, check.status, { reason: check.reason }));
      return;
    }
    if (req.method === 'PRACK') this.onPrack(req, tx);
    else this.onUpdate(side, req, tx, own!);
  }

  /** At the answer: the caller's early dialog, confirmed, when it exists (its CSeqs go on). */
  confirmedDialog(): Dialog | undefined {
    this.dialog?.confirm();
    return this.dialog;
  }

  /** The final response went out, or the call ended. */
  stop(): void {
    this.sender?.stop();
    for (const k of this.keys.splice(0)) this.ctx.registry.removeDialog(k);
  }

  private onPrack(req: SipRequest, tx: ServerTransaction): void {
    if (req.body.length > 0) {
      tx.respond(createResponse(req, 488));
      return;
    }
    if (!this.sender || this.sender.onPrack(req, this.call.input.invite) !== 'ok') {
      tx.respond(createResponse(req, 481));
      return;
    }
    const fork = this.sentFork;
    this.sentFork = undefined;
    if (fork) {
      this.answeredFork = fork;
      // The callee's early dialog, for its UPDATEs (RFC 3311 §5.1).
      const d = fork.dialog;
      if (d) this.register(d.id.callId, d.id.localTag, d.id.remoteTag, 'b');
    }
    tx.respond(createResponse(req, 200));
  }

  private onUpdate(side: Side, req: SipRequest, tx: ServerTransaction, own: Dialog): void {
    const ownTarget = side === 'a' ? this.call.callerTarget : this.answeredFork!.target.target;
    const contact: Array<[string, string]> = [['Contact', `<${this.ctx.contactFor(ownTarget.protocol)}>`]];
    if (req.body.length === 0) {
      tx.respond(createResponse(req, 200, { headers: contact }));
      own.applyTargetRefresh(req);
      return;
    }
    const other: Side = side === 'a' ? 'b' : 'a';
    if (this.updating === other) {
      // RFC 3311 §5.2: our offer to this side (the other side's UPDATE) is not answered yet.
      tx.respond(createResponse(req, 491));
      return;
    }
    const fork = this.answeredFork;
    const media = this.call.mediaSession;
    const otherDialog = other === 'a' ? this.dialog : fork?.dialog;
    const otherTarget: Target | undefined = other === 'a' ? this.call.callerTarget : fork?.target.target;
    if (!fork || !media || !otherDialog || !otherTarget || this.updating === side) {
      // §5.2: the INVITE's offer is not answered on both legs yet, or this side's last UPDATE is open.
      tx.respond(createResponse(req, 500, { headers: [['Retry-After', String(1 + Math.floor(Math.random() * 10))]] }));
      return;
    }
    if (other === 'a' && !allowsUpdate(this.call.input.invite)) {
      tx.respond(createResponse(req, 488, { headers: [['Warning', '399 pbx "the caller cannot take an UPDATE"']] }));
      return;
    }
    const ip = (s: Side) => (s === 'a' ? this.call.input.callerSourceAddress : farEndAddress(fork.target));
    const r = this.call.sdpBridge.relayOffer(side, req.body, media, ip(side));
    if (!r) {
      tx.respond(createResponse(req, 488));
      return;
    }
    void media.setRemote(side, r.remote).then(() => (r.moved ? media.resetLatch(side) : undefined)).catch(() => undefined);
    const out = otherDialog.createRequest('UPDATE', { via: this.ctx.viaFor(otherTarget.protocol), contact: this.ctx.contactFor(otherTarget.protocol), body: r.body, contentType: 'application/sdp' });
    this.updating = side;
    const done = () => {
      if (this.updating === side) this.updating = undefined;
    };
    this.ctx.io.sendRequest(out, otherTarget, {
      onResponse: (res) => {
        if (res.status < 200) return;
        done();
        otherDialog.receiveResponse(res);
        if (res.status >= 300) {
          tx.respond(createResponse(req, res.status, { reason: res.reason }));
          return;
        }
        const answer = res.body.length > 0 ? this.call.sdpBridge.relayAnswer(other, res.body, media, ip(other)) : undefined;
        if (!answer) {
          tx.respond(createResponse(req, 488));
          return;
        }
        void media.setRemote(other, answer.remote).then(() => (answer.moved ? media.resetLatch(other) : undefined)).catch(() => undefined);
        this.call.useCodecs(answer.codecs);
        own.applyTargetRefresh(req);
        tx.respond(createResponse(req, 200, { headers: [...contact, ['Content-Type', 'application/sdp']], body: answer.body }));
      },
      onTimeout: () => {
        done();
        tx.respond(createResponse(req, 408));
      },
      onTransportError: () => {
        done();
        tx.respond(createResponse(req, 503));
      },
    });
  }

  /** The caller's early dialog, as our UAS side of it (RFC 3261 §12.1.1); undefined when its INVITE cannot make one. */
  private earlyDialog(): Dialog | undefined {
    if (!this.dialog) {
      try {
        this.dialog = Dialog.asUas(this.call.input.invite, this.call.aTag, this.ctx.contactFor(this.call.callerTarget.protocol));
      } catch {
        return undefined;
      }
    }
    return this.dialog;
  }

  private register(callId: string, localTag: string, remoteTag: string | undefined, side: Side): void {
    if (remoteTag === undefined || (this.call.state !== 'proceeding' && this.call.state !== 'routing')) return;
    const key = dialogKey(callId, localTag, remoteTag);
    if (this.keys.includes(key)) return;
    this.keys.push(key);
    this.ctx.registry.addDialog(key, this.call, side);
  }
}

/** Whether the caller's INVITE lists UPDATE in its Allow (RFC 3311 §5.1: only then may we send one). */
function allowsUpdate(invite: SipRequest): boolean {
  try {
    return getHeaderValues(invite, 'allow').some((m) => m.trim().toUpperCase() === 'UPDATE');
  } catch {
    return false;
  }
}
