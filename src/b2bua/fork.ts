import { Dialog } from '../sip/dialog/dialog.js';
import { tagOf } from '../sip/message/headers.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ClientTransaction } from '../sip/transaction/types.js';
import type { ForkTarget } from './fork-targets.js';
import { createCancel } from '../sip/dialog/cancel.js';
import { isReliable, ReliableProvisionalReceiver } from '../sip/dialog/reliable-provisional.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export type ForkState = 'calling' | 'ringing' | 'answered' | 'failed' | 'cancelled';

/** What a fork reports to its call. */
export interface ForkOwner {
  onProvisional(fork: Fork, res: SipResponse): void;
  onSuccess(fork: Fork, res: SipResponse): void;
  onFailure(fork: Fork, status: number, reason: string): void;
  /** A 2xx retransmission (RFC 6026: the client transaction hands every 2xx to the TU). */
  onSuccessRetransmission(fork: Fork, res: SipResponse): void;
}

export interface ForkTransport {
  sendInvite(req: SipRequest, fork: Fork): ClientTransaction;
  sendCancel(req: SipRequest, fork: Fork): void;
  /** RFC 3262 §4: PRACK a reliable provisional response on its early dialog (absent: none is sent). */
  sendPrack?(dialog: Dialog, res: SipResponse, fork: Fork): void;
}

/**
 * One branch of a call (RFC 3261 §16.6 done by a B2BUA): our own INVITE to one registered
 * contact, its early dialog, and its CANCEL. The call decides; the fork only reports.
 */
export class Fork {
  state: ForkState = 'calling';
  dialog: Dialog | undefined;
  tx: ClientTransaction | undefined;
  private cancelWanted: string | undefined;
  private cancelSent = false;

  private challenged = false;
  private readonly reliable = new ReliableProvisionalReceiver();

  constructor(
    readonly index: number,
    readonly target: ForkTarget,
    public invite: SipRequest,
    private readonly owner: ForkOwner,
    private readonly io: ForkTransport,
  ) {}

  start(): void {
    this.tx = this.io.sendInvite(this.invite, this);
  }

  get done(): boolean {
    return this.state === 'answered' || this.state === 'failed' || this.state === 'cancelled';
  }

  /** Response from the client transaction. */
  onResponse(res: SipResponse): void {
    if (res.status < 200) {
      if (res.status === 100) return;
      if (this.state === 'calling') this.state = 'ringing';
      // RFC 3261 §9.1: a CANCEL waits for a provisional response.
      if (this.cancelWanted !== undefined && !this.cancelSent) this.sendCancel(this.cancelWanted);
      if (tagOf(res.headers.find((h) => h.name === 'to')?.value) !== undefined && !this.dialog) {
        this.dialog = this.dialogFrom(res);
      }
      if (isReliable(res) && !this.prack(res)) return;
      if (this.cancelWanted === undefined) this.owner.onProvisional(this, res);
      return;
    }
    if (res.status < 300) {
      if (this.state === 'answered') {
        this.owner.onSuccessRetransmission(this, res);
        return;
      }
      this.state = 'answered';
      if (this.dialog && tagOf(res.headers.find((h) => h.name === 'to')?.value) === this.dialog.id.remoteTag) this.dialog.receiveResponse(res);
      else this.dialog = this.dialogFrom(res);
      this.owner.onSuccess(this, res);
      return;
    }
    if (this.done) return;
    // A trunk's challenge to our INVITE, answered once with its credentials (RFC 3261 §22.2).
    if ((res.status === 401 || res.status === 407) && !this.challenged && this.cancelWanted === undefined && this.target.answerChallenge) {
      this.challenged = true;
      const again = this.target.answerChallenge(this.invite, res);
      if (again) {
        this.invite = again;
        this.dialog = undefined;
        this.state = 'calling';
        this.tx = this.io.sendInvite(again, this);
        return;
      }
    }
    this.state = this.cancelWanted !== undefined ? 'cancelled' : 'failed';
    this.owner.onFailure(this, res.status, res.reason);
  }

  onTimeout(): void {
    if (this.done) return;
    this.state = this.cancelWanted !== undefined ? 'cancelled' : 'failed';
    this.owner.onFailure(this, 408, reasonPhrase(408));
  }

  onTransportError(): void {
    if (this.done) return;
    this.state = 'failed';
    this.owner.onFailure(this, 503, reasonPhrase(503));
  }

  /**
   * A reliable provisional (RFC 3262 §4): a new one is PRACKed on its early dialog and goes
   * on to the call; a retransmission or one out of order goes no further (false).
   */
  private prack(res: SipResponse): boolean {
    const tag = tagOf(res.headers.find((h) => h.name === 'to')?.value);
    if (tag === undefined) return false;
    const verdict = this.reliable.receive(res, tag);
    if (verdict !== 'new') return false;
    const dialog = this.dialog?.id.remoteTag === tag ? this.dialog : this.dialogFrom(res);
    if (dialog) this.io.sendPrack?.(dialog, res, this);
    return true;
  }

  /** A dialog from a response; a malformed one (bad Contact) leaves the fork without a dialog. */
  private dialogFrom(res: SipResponse): Dialog | undefined {
    try {
      return Dialog.asUac(this.invite, res);
    } catch {
      return undefined;
    }
  }

  /** Stop this branch: CANCEL it now, or as soon as it has sent a provisional (§9.1). */
  cancel(reason = 'SIP;cause=200;text="Call completed elsewhere"'): void {
    if (this.done || this.cancelWanted !== undefined) return;
    this.cancelWanted = reason;
    if (this.state === 'ringing') this.sendCancel(reason);
  }

  private sendCancel(reason: string): void {
    this.cancelSent = true;
    this.io.sendCancel(createCancel(this.invite, reason), this);
    this.tx?.cancelSent();
  }
}
