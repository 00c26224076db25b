import type { TimerHandle } from '../../util/clock.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Target } from '../transport/types.js';
import { callTu, transmit, type TransactionContext } from './transaction-context.js';
import type { ClientTransaction, ClientTransactionState, ClientTransactionUser } from './types.js';

/**
 * RFC 3261 §17.1.2, the non-INVITE client transaction:
 *
 *   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
 *     `--200-699--> Completed        Timer F or transport error: inform TU --> Terminated
 *
 * Over UDP the request is retransmitted on Timer E: T1, doubling up to T2 in Trying, every
 * T2 in Proceeding. Timer F (64*T1) bounds the wait for a final response.
 */
export class NonInviteClientTransaction implements ClientTransaction {
  readonly isInvite = false;
  private st: ClientTransactionState = 'trying';
  private timerE: TimerHandle | undefined;
  private intervalE = 0;
  private timerF: TimerHandle | undefined;
  private timerK: TimerHandle | undefined;

  constructor(
    private readonly ctx: TransactionContext,
    readonly id: string,
    readonly request: SipRequest,
    readonly target: Target,
    private readonly user: ClientTransactionUser,
    private readonly release: (tx: NonInviteClientTransaction) => void,
  ) {}

  get state(): ClientTransactionState {
    return this.st;
  }

  /** Only INVITE transactions are cancelled (§9.1); a no-op here. */
  cancelSent(): void {}

  /** Send the request and arm the timers (§17.1.2.2). Called once by the layer. */
  start(): void {
    this.send();
    if (!this.ctx.sender.isReliable(this.target.protocol)) {
      this.intervalE = this.ctx.timers.E;
      this.timerE = this.ctx.clock.setTimeout(() => this.onTimerE(), this.intervalE);
    }
    this.timerF = this.ctx.clock.setTimeout(() => this.onTimerF(), this.ctx.timers.F);
  }

  /** A response matched this transaction (§17.1.3). */
  receiveResponse(res: SipResponse): void {
    if (this.st !== 'trying' && this.st !== 'proceeding') {
      // §17.1.2.2: in Completed, retransmissions of the final response are buffered and
      // absorbed; they are not passed to the TU.
      return;
    }
    if (res.status < 200) {
      this.st = 'proceeding';
      this.deliver(res);
      return;
    }
    // §17.1.2.2: a final response moves to Completed; Timer K (T4 over UDP, zero over a
    // reliable transport) absorbs its retransmissions.
    this.clear();
    this.st = 'completed';
    this.deliver(res);
    if (this.st !== 'completed') return;
    const k = this.ctx.timers.K(this.ctx.sender.isReliable(this.target.protocol));
    if (k === 0) this.terminate();
    else this.timerK = this.ctx.clock.setTimeout(() => this.onTimerK(), k);
  }

  /** Cancel the timers and drop out without telling the TU (TransactionLayer.stop). */
  dispose(): void {
    this.clear();
    this.ctx.clock.clearTimeout(this.timerK);
    this.timerK = undefined;
    this.st = 'terminated';
  }

  private clear(): void {
    this.ctx.clock.clearTimeout(this.timerE);
    this.ctx.clock.clearTimeout(this.timerF);
    this.timerE = this.timerF = undefined;
  }

  private onTimerE(): void {
    this.timerE = undefined;
    if (this.st !== 'trying' && this.st !== 'proceeding') return;
    // §17.1.2.2: in Trying, E is reset to min(2*E, T2); in Proceeding, to T2.
    this.send();
    this.intervalE = this.ctx.timers.nextE(this.intervalE, this.st === 'proceeding');
    this.timerE = this.ctx.clock.setTimeout(() => this.onTimerE(), this.intervalE);
  }

  private onTimerF(): void {
    this.timerF = undefined;
    if (this.st !== 'trying' && this.st !== 'proceeding') return;
    // §17.1.2.2: Timer F in Trying or Proceeding: inform the TU of the timeout; Terminated.
    this.terminate(() => callTu(this.ctx.logger, 'onTimeout', () => this.user.onTimeout(this)));
  }

  private onTimerK(): void {
    this.timerK = undefined;
    if (this.st === 'completed') this.terminate();
  }

  private deliver(res: SipResponse): void {
    callTu(this.ctx.logger, 'onResponse', () => this.user.onResponse(res, this));
  }

  private send(): void {
    transmit(this.ctx, this.request, this.target, (e) => this.onSendError(e));
  }

  private onSendError(e: unknown): void {
    this.ctx.logger.warn('transport error sending request', { tx: this.id, error: e });
    if (this.st !== 'trying' && this.st !== 'proceeding') return;
    // §17.1.4: a transport failure informs the TU, and the transaction is Terminated.
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
