import type { SipRequest, SipResponse } from '../message/types.js';
import type { Target } from '../transport/types.js';
import { detachResponse, internToken } from './detach.js';
import { callTu, transmit, type TransactionContext } from './transaction-context.js';
import type { ServerTransaction, ServerTransactionState } from './types.js';

/**
 * RFC 3261 §17.2.2, the non-INVITE server transaction:
 *
 *   Trying --1xx from TU--> Proceeding --200-699 from TU--> Completed --Timer J--> Terminated
 *      \______________________200-699 from TU______________/
 *
 * Request retransmissions are absorbed; in Proceeding and Completed they re-send the last
 * response. Over a reliable transport Timer J is zero, so Completed ends at once. A TU
 * that sends no final response within 64*T1 loses the transaction (onTuDeadline).
 *
 * Memory: at thousands of REGISTERs per second over UDP every transaction sits 32 s in
 * Completed, so on entering Completed it keeps only its key, a compact copy of the final
 * response and the target; the request is released, and Timer J is an entry in the
 * layer's shared ExpiryQueue rather than a timer of its own.
 */
export class NonInviteServerTransaction implements ServerTransaction {
  readonly isInvite = false;
  readonly method: string;
  onTerminated?: () => void;
  onTimeout?: () => void;
  onTransportError?: (e: unknown) => void;
  onAck?: (ack: SipRequest) => void;

  private st: ServerTransactionState = 'trying';
  private req: SipRequest | undefined;
  private last: SipResponse | undefined;

  constructor(
    private readonly ctx: TransactionContext,
    readonly id: string,
    request: SipRequest,
    readonly target: Target,
    private readonly release: (tx: NonInviteServerTransaction) => void,
  ) {
    this.method = internToken(request.method);
    this.req = request;
    ctx.tuDeadline.add(this);
  }

  get state(): ServerTransactionState {
    return this.st;
  }

  get request(): SipRequest | undefined {
    return this.req;
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** A retransmission of the request matched this transaction. */
  receiveRetransmission(): void {
    // RFC 3261 §17.2.2: in Trying, retransmissions are discarded; in Proceeding and
    // Completed the last response is passed to the transport again.
    if ((this.st === 'proceeding' || this.st === 'completed') && this.last) this.send(this.last);
  }

  respond(res: SipResponse): void {
    if (res.status < 100 || res.status > 699) throw new RangeError(`bad response status ${res.status}`);
    if (this.st !== 'trying' && this.st !== 'proceeding') {
      // §17.2.2: in Completed, any other final response from the TU is discarded.
      this.ctx.logger.debug('response after final response ignored', { tx: this.id, status: res.status, state: this.st });
      return;
    }
    this.last = res;
    if (res.status < 200) {
      this.st = 'proceeding';
      this.send(res);
      return;
    }
    this.st = 'completed';
    this.send(res);
    // §17.2.2: Timer J is 64*T1 over an unreliable transport and zero over a reliable one.
    if (this.ctx.sender.isReliable(this.target.protocol)) {
      this.terminate();
      return;
    }
    // Keep only what answers retransmissions for the 32 s of Timer J: drop the request,
    // and keep a copy of the response that does not pin the request's text.
    this.req = undefined;
    this.last = detachResponse(res);
    this.ctx.timerJ.add(this);
  }

  /** Timer J fired (called by the layer's Timer J queue). */
  onTimerJ(): void {
    if (this.st === 'completed') this.terminate();
  }

  /**
   * 64*T1 after the request arrived. The client gave up at its Timer F (64*T1,
   * §17.1.2.2), so a transaction the TU has not answered by now serves nobody: it is
   * dropped and the TU told through onTimeout. This bounds what a TU that never answers
   * can leak.
   */
  onTuDeadline(): void {
    if (this.st !== 'trying' && this.st !== 'proceeding') return;
    this.ctx.logger.warn('no final response from the TU in time; transaction dropped', { tx: this.id, method: this.method });
    this.terminate(() => {
      const h = this.onTimeout;
      if (h) callTu(this.ctx.logger, 'onTimeout', h);
    });
  }

  /** Cancel the timers and drop out without telling the TU (TransactionLayer.stop). */
  dispose(): void {
    this.st = 'terminated';
  }

  private send(res: SipResponse): void {
    transmit(this.ctx, res, this.target, (e) => this.onSendError(e));
  }

  private onSendError(e: unknown): void {
    this.ctx.logger.warn('transport error sending response', { tx: this.id, error: e });
    if (this.st === 'terminated') return;
    // RFC 3261 §17.2.4 and Figure 8: a transport failure in Proceeding or Completed
    // informs the TU and terminates the transaction.
    this.terminate(() => {
      const h = this.onTransportError;
      if (h) callTu(this.ctx.logger, 'onTransportError', () => h(e));
    });
  }

  /** Enter Terminated: leave the layer, then tell the TU (`notify` first, then onTerminated). */
  private terminate(notify?: () => void): void {
    if (this.st === 'terminated') return;
    this.dispose();
    this.req = undefined;
    this.release(this);
    if (notify) notify();
    const h = this.onTerminated;
    if (h) callTu(this.ctx.logger, 'onTerminated', h);
    // The deadline queues may hold this object for up to 64*T1 more; keep it an empty shell.
    this.last = undefined;
    this.onTerminated = this.onTimeout = this.onTransportError = this.onAck = undefined;
  }
}
