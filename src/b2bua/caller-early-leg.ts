import { Dialog } from '../sip/dialog/dialog.js';
import { ReliableProvisionalSender, reliabilityWanted } from '../sip/dialog/reliable-provisional.js';
import { getHeader, tagOf } from '../sip/message/headers.js';
import { createResponse } from '../sip/message/response.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import { dialogKey } from './call-registry.js';
import type { Fork } from './fork.js';

/**
 * The caller's side of a call before it is answered, as far as RFC 3262 and RFC 3311 go:
 *
 * - provisional responses to the caller: reliable (Require: 100rel, RSeq, retransmitted
 *   until PRACK, reliable-provisional.ts) when its INVITE requires 100rel, or supports it
 *   and the 18x carries SDP (early media: its answer then counts, RFC 3262 §5); else as
 *   before. Each leg is its own: a callee's reliable 18x is PRACKed by the fork, and the
 *   caller gets an unreliable one when it does not support 100rel, or the reverse;
 * - PRACK from the caller: 200 when its RAck names the provisional waiting for it, else 481
 *   (RFC 3262 §3). A PRACK with SDP gets 488: we never offer in a provisional;
 * - UPDATE from the caller before the answer (RFC 3311 §5.1): without SDP, 200; with SDP
 *   once our answer went to it in a reliable 18x, relayed as an UPDATE to the callee whose
 *   early media it hears, its answer back; before that, 500 with Retry-After (§5.2: an
 *   offer we have not answered yet), and one while another is being relayed the same.
 *
 * The caller's early dialog is found through the call registry from the first reliable 18x
 * until the call ends; its requests are checked (CSeq order) on a dialog of its own.
 */
export class CallerEarlyLeg {
  private readonly wants: 'required' | 'supported' | 'no';
  private sender: ReliableProvisionalSender | undefined;
  private dialog: Dialog | undefined;
  private earlyKey: string | undefined;
  /** The fork whose SDP the caller was given in a reliable 18x that it PRACKed. */
  private answeredFork: Fork | undefined;
  /** The fork whose SDP went in the reliable 18x waiting for its PRACK. */
  private sentFork: Fork | undefined;
  private updating = false;

  constructor(
    private readonly call: Call,
    private readonly ctx: CallContext,
  ) {
    this.wants = reliabilityWanted(call.input.invite);
  }

  /** Whether the caller's INVITE said Supported or Require 100rel (for the 200's Supported). */
  get supports100rel(): boolean {
    return this.wants !== 'no';
  }

  /**
   * Send a 101-199 to the caller; `sdpFrom` is the fork whose early SDP it carries. Reliable
   * when the caller requires 100rel, or supports it and the response carries SDP.
   */
  sendProvisional(res: SipResponse, sdpFrom: Fork | undefined): void {
    const tx = this.call.input.inviteTx;
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
    this.register();
    if (sdpFrom) this.sentFork = sdpFrom;
    this.sender.send(res);
  }

  /** PRACK (any time) and UPDATE (before the answer) on the caller's early dialog. */
  handles(req: SipRequest): boolean {
    return req.method === 'PRACK' || (req.method === 'UPDATE' && this.call.state === 'proceeding');
  }

  /**
   * `source`: the address the request came from. Only the caller's own address may act on
   * its early dialog: an UPDATE could otherwise point the caller's leg of the media at
   * anyone who learnt the dialog id (another tenant's phone among them); others get 481.
   */
  onRequest(req: SipRequest, tx: ServerTransaction, source: string): void {
    if (source !== this.call.input.callerSourceAddress) {
      this.ctx.logger.warn('early-dialog request from another address than the caller\'s refused', { call: this.call.id, method: req.method, source });
      tx.respond(createResponse(req, 481, { reason: 'Call/Transaction Does Not Exist' }));
      return;
    }
    const dialog = this.earlyDialog();
    const check = dialog ? dialog.receiveRequest(req) : { status: 481, reason: 'Call/Transaction Does Not Exist' };
    if (check !== 'ok') {
      tx.respond(createResponse(req, check.status, { reason: check.reason }));
      return;
    }
    if (req.method === 'PRACK') this.onPrack(req, tx);
    else this.onUpdate(req, tx, dialog!);
  }

  /** The final response went out, or the call ended. */
  stop(): void {
    this.sender?.stop();
    if (this.earlyKey) this.ctx.registry.removeDialog(this.earlyKey);
    this.earlyKey = undefined;
  }

  private onPrack(req: SipRequest, tx: ServerTransaction): void {
    if (req.body.length > 0) {
      tx.respond(createResponse(req, 488, { reason: 'Not Acceptable Here' }));
      return;
    }
    if (!this.sender || this.sender.onPrack(req, this.call.input.invite) !== 'ok') {
      tx.respond(createResponse(req, 481, { reason: 'Call/Transaction Does Not Exist' }));
      return;
    }
    if (this.sentFork) this.answeredFork = this.sentFork;
    this.sentFork = undefined;
    tx.respond(createResponse(req, 200));
  }

  private onUpdate(req: SipRequest, tx: ServerTransaction, own: Dialog): void {
    const contact = [['Contact', `<${this.ctx.contactFor(this.call.callerTarget.protocol)}>`]] as Array<[string, string]>;
    if (req.body.length === 0) {
      tx.respond(createResponse(req, 200, { headers: contact }));
      own.applyTargetRefresh(req);
      return;
    }
    const fork = this.answeredFork;
    const media = this.call.mediaSession;
    const fdialog = fork?.dialog;
    if (!fork || !fdialog || !media || this.updating) {
      // RFC 3311 §5.2: an offer while ours is not answered yet (or one still in progress).
      tx.respond(createResponse(req, 500, { reason: 'Server Internal Error', headers: [['Retry-After', String(1 + Math.floor(Math.random() * 10))]] }));
      return;
    }
    const r = this.call.sdpBridge.relayOffer('a', req.body, media, this.call.input.callerSourceAddress);
    if (!r) {
      tx.respond(createResponse(req, 488, { reason: 'Not Acceptable Here' }));
      return;
    }
    void media.setRemote('a', r.remote).then(() => (r.moved ? media.resetLatch('a') : undefined)).catch(() => undefined);
    const target = fork.target.target;
    const out = fdialog.createRequest('UPDATE', { via: this.ctx.viaFor(target.protocol), contact: this.ctx.contactFor(target.protocol), body: r.body, contentType: 'application/sdp' });
    this.updating = true;
    this.ctx.io.sendRequest(out, target, {
      onResponse: (res) => {
        if (res.status < 200) return;
        this.updating = false;
        fdialog.receiveResponse(res);
        if (res.status >= 300) {
          tx.respond(createResponse(req, res.status, { reason: res.reason }));
          return;
        }
        const answer = res.body.length > 0 ? this.call.sdpBridge.relayAnswer('b', res.body, media, target.address) : undefined;
        if (!answer) {
          tx.respond(createResponse(req, 488, { reason: 'Not Acceptable Here' }));
          return;
        }
        void media.setRemote('b', answer.remote).then(() => (answer.moved ? media.resetLatch('b') : undefined)).catch(() => undefined);
        this.call.useCodecs(answer.codecs);
        own.applyTargetRefresh(req);
        tx.respond(createResponse(req, 200, { headers: [...contact, ['Content-Type', 'application/sdp']], body: answer.body }));
      },
      onTimeout: () => {
        this.updating = false;
        tx.respond(createResponse(req, 408));
      },
      onTransportError: () => {
        this.updating = false;
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

  private register(): void {
    if (this.earlyKey || (this.call.state !== 'proceeding' && this.call.state !== 'routing')) return;
    const invite = this.call.input.invite;
    const remoteTag = tagOf(getHeader(invite, 'from'));
    if (remoteTag === undefined) return;
    this.earlyKey = dialogKey(getHeader(invite, 'call-id') ?? '', this.call.aTag, remoteTag);
    this.ctx.registry.addDialog(this.earlyKey, this.call, 'a');
  }
}
