import type { TimerHandle } from '../../util/clock.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Target } from '../transport/types.js';
import { buildNon2xxAck } from './non-2xx-ack.js';
import { callTu, transmit, type TransactionContext } from './transaction-context.js';
import type { ClientTransaction, ClientTransactionState, ClientTransactionUser } from './types.js';

/**
 * RFC 3261 §17.1.1, the INVITE client transaction, as updated by RFC 6026 §8.4:
 *
 *   Calling --1xx--> Proceeding --300-699: send ACK--> Completed --Timer D--> Terminated
 *      |                 `--2xx--> Accepted --Timer M--> Terminated
 *      `--Timer B or transport error: inform TU--> Terminated
 *
 * Over UDP the INVITE is retransmitted on Timer A (T1, doubling) while Calling. The ACK
 * for a non-2xx final response is built and sent here (§17.1.1.3); the ACK for a 2xx is
 * the TU's. In Accepted every 2xx (retransmissions, other forks) is passed to the TU.
 */
export class InviteClientTransaction implements ClientTransaction {
  readonly isInvite = true;
  private st: ClientTransactionState = 'calling';
  private timerA: TimerHandle | undefined;
  private intervalA = 0;
  private timerB: TimerHandle | undefined;
  private timerD: TimerHandle | undefined;
  private timerM: TimerHandle | undefined;
  private timerCancel: TimerHandle | undefined;
  private ack: SipRequest | undefined;

  constructor(
    private readonly ctx: TransactionContext,
    readonly id: string,
    readonly request: SipRequest,
    readonly target: Target,
    private readonly user: ClientTransactionUser,
    private readonly release: (tx: InviteClientTransaction) => void,
  ) {}

  get state(): ClientTransactionState {
    return this.st;
  }

  /** Send the INVITE and arm the timers (§17.1.1.2). Called once by the layer. */
  start(): void {
    this.send(this.request, 'request');
    if (!this.reliable()) {
      this.intervalA = this.ctx.timers.A;
      this.timerA = this.ctx.clock.setTimeout(() => this.onTimerA(), this.intervalA);
    }
    this.timerB = this.ctx.clock.setTimeout(() => this.onTimerB(), this.ctx.timers.B);
  }

  /**
   * The TU sent a CANCEL for this INVITE. RFC 3261 §9.1: if no final response has been
   * received 64*T1 after sending the CANCEL, the client SHOULD consider the original
   * transaction cancelled and destroy it; the TU then gets onTimeout.
   */
  cancelSent(): void {
    if ((this.st !== 'calling' && this.st !== 'proceeding') || this.timerCancel) return;
    this.timerCancel = this.ctx.clock.setTimeout(() => this.onCancelTimer(), this.ctx.timers.B);
  }

  /** A response matched this transaction (§17.1.3). */
  receiveResponse(res: SipResponse): void {
    const s = res.status;
    switch (this.st) {
      case 'calling':
      case 'proceeding':
        if (s < 200) {
          // §17.1.1.2: a provisional response stops the retransmissions (Timer A) and moves
          // to Proceeding, where Timer B no longer applies.
          this.clearAB();
          this.st = 'proceeding';
          this.deliver(res);
        } else if (s < 300) {
          // RFC 6026 §8.4: a 2xx moves to Accepted and starts Timer M; the 2xx goes to the TU.
          this.clearAll();
          this.st = 'accepted';
          this.timerM = this.ctx.clock.setTimeout(() => this.onTimerM(), this.ctx.timers.M);
          this.deliver(res);
        } else {
          // §17.1.1.2: a 300-699 moves to Completed; the transaction sends the ACK and starts
          // Timer D (at least 32 s over UDP, zero over a reliable transport).
          this.clearAll();
          this.st = 'completed';
          this.ack = buildNon2xxAck(this.request, res);
          this.send(this.ack, 'ack');
          this.deliver(res);
          if (this.st !== 'completed') return;
          const d = this.ctx.timers.D(this.reliable());
          if (d === 0) this.terminate();
          else this.timerD = this.ctx.clock.setTimeout(() => this.onTimerD(), d);
        }
        break;
      case 'accepted':
        // RFC 6026 §8.4: any 2xx received in Accepted is passed to the TU.
        if (s >= 200 && s < 300) this.deliver(res);
        break;
      case 'completed':
        // §17.1.1.2: a retransmitted final response in Completed causes the ACK to be
        // re-sent, and is not passed to the TU.
        if (s >= 300 && this.ack) this.send(this.ack, 'ack');
        break;
      default:
        break;
    }
  }

  /** Cancel the timers and drop out without telling the TU (TransactionLayer.stop). */
  dispose(): void {
    this.clearAll();
    this.ctx.clock.clearTimeout(this.timerD);
    this.ctx.clock.clearTimeout(this.timerM);
    this.timerD = this.timerM = undefined;
    this.st = 'terminated';
  }

  private reliable(): boolean {
    return this.ctx.sender.isReliable(this.target.protocol);
  }

  private clearAB(): void {
    this.ctx.clock.clearTimeout(this.timerA);
    this.ctx.clock.clearTimeout(this.timerB);
    this.timerA = this.timerB = undefined;
  }

  private clearAll(): void {
    this.clearAB();
    this.ctx.clock.clearTimeout(this.timerCancel);
    this.timerCancel = undefined;
  }

  private onTimerA(): void {
    this.timerA = undefined;
    if (this.st !== 'calling') return;
    // §17.1.1.2: on Timer A the request is retransmitted and A reset to twice its value.
    this.send(this.request, 'request');
    this.intervalA = this.ctx.timers.nextA(this.intervalA);
    this.timerA = this.ctx.clock.setTimeout(() => this.onTimerA(), this.intervalA);
  }

  private onTimerB(): void {
    this.timerB = undefined;
    // §17.1.1.2: Timer B in Calling: inform the TU of the timeout; Terminated.
    if (this.st === 'calling') this.timeout();
  }

  private onCancelTimer(): void {
    this.timerCancel = undefined;
    if (this.st === 'calling' || this.st === 'proceeding') this.timeout();
  }

  private onTimerD(): void {
    this.timerD = undefined;
    if (this.st === 'completed') this.terminate();
  }

  private onTimerM(): void {
    this.timerM = undefined;
    // RFC 6026 §8.4: when Timer M fires in Accepted, the transaction is Terminated.
    if (this.st === 'accepted') this.terminate();
  }

  private timeout(): void {
    this.terminate(() => callTu(this.ctx.logger, 'onTimeout', () => this.user.onTimeout(this)));
  }

  private deliver(res: SipResponse): void {
    callTu(this.ctx.logger, 'onResponse', () => this.user.onResponse(res, this));
  }

  private send(msg: SipRequest, what: 'request' | 'ack'): void {
    transmit(this.ctx, msg, this.target, (e) => this.onSendError(e, what));
  }

  private onSendError(e: unknown, what: 'request' | 'ack'): void {
    this.ctx.logger.warn('transport error sending ' + what, { tx: this.id, error: e });
    // §17.1.4 and Figure 5: a transport failure for the INVITE (Calling; Proceeding when
    // the report comes late) or for the ACK (Completed) informs the TU; Terminated.
    const applies = what === 'request' ? this.st === 'calling' || this.st === 'proceeding' : this.st === 'completed';
    if (!applies) return;
    this.terminate(() => callTu(this.ctx.logger, 'onTransportError', () => this.user.onTransportError(this, e)));
  }

  private terminate(notify?: () => void): void {
    if (this.st === 'terminated') return;
    this.dispose();
    this.release(this);
    if (notify) notify();
    const u = this.user;
    if (u.onTerminated) callTu(this.ctx.logger, 'onTerminated', () => u.onTerminated!(this));
  }
}
