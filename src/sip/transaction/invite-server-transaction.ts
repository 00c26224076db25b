import type { TimerHandle } from '../../util/clock.js';
import { getHeader, tagOf } from '../message/headers.js';
import { createResponse } from '../message/response.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Target } from '../transport/types.js';
import { TRYING_DELAY_MS } from './timers.js';
import { callTu, transmit, type TransactionContext } from './transaction-context.js';
import type { ServerTransaction, ServerTransactionState } from './types.js';

/** What an ACK that matched this transaction means for the caller. */
export type AckDisposition = 'absorbed' | 'for-tu';

/**
 * RFC 3261 §17.2.1, the INVITE server transaction, as updated by RFC 6026 §8.5–8.7:
 *
 *   Proceeding --300-699 from TU--> Completed --ACK--> Confirmed --Timer I--> Terminated
 *        |                              `--Timer H (no ACK): inform TU--> Terminated
 *        `--2xx from TU--> Accepted --Timer L--> Terminated
 *
 * 100 Trying goes out by itself when the TU has not answered within 200 ms. Final non-2xx
 * responses are retransmitted on Timer G over UDP. In Accepted, INVITE retransmissions are
 * absorbed, 2xx retransmissions from the TU are sent, and an ACK is for the TU.
 */
export class InviteServerTransaction implements ServerTransaction {
  readonly isInvite = true;
  readonly method = 'INVITE';
  onTerminated?: () => void;
  onTimeout?: () => void;
  onTransportError?: (e: unknown) => void;
  onAck?: (ack: SipRequest) => void;

  private st: ServerTransactionState = 'proceeding';
  private last: SipResponse | undefined;
  private timerTrying: TimerHandle | undefined;
  private timerG: TimerHandle | undefined;
  private intervalG = 0;
  private timerH: TimerHandle | undefined;
  private timerI: TimerHandle | undefined;
  private timerL: TimerHandle | undefined;

  constructor(
    private readonly ctx: TransactionContext,
    readonly id: string,
    readonly request: SipRequest,
    readonly target: Target,
    private readonly release: (tx: InviteServerTransaction) => void,
  ) {
    // RFC 3261 §17.2.1: the server transaction MUST generate a 100 (Trying) response
    // unless it knows that the TU will generate a provisional or final response within
    // 200 ms. We give the TU those 200 ms.
    this.timerTrying = ctx.clock.setTimeout(() => this.onTryingTimer(), TRYING_DELAY_MS);
  }

  get state(): ServerTransactionState {
    return this.st;
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** The To tag of the final response sent, for matching an RFC 2543 ACK (§17.2.3). */
  get finalToTag(): string | undefined {
    return this.last && this.last.status >= 200 ? tagOf(getHeader(this.last, 'to')) : undefined;
  }

  /** A retransmission of the INVITE matched this transaction. */
  receiveRetransmission(): void {
    switch (this.st) {
      case 'proceeding':
        // §17.2.1: the most recent provisional response is passed to the transport again.
        if (this.last) this.send(this.last);
        break;
      case 'completed':
        // §17.2.1: while in Completed, a request retransmission re-sends the final response.
        if (this.last) this.send(this.last);
        break;
      default:
        // Confirmed absorbs; RFC 6026 §8.7: in Accepted, retransmissions of the INVITE are
        // absorbed and not passed to the TU (the TU retransmits its 2xx by itself).
        break;
    }
  }

  /** An ACK matched this transaction. */
  receiveAck(ack: SipRequest): AckDisposition {
    switch (this.st) {
      case 'completed': {
        // §17.2.1: an ACK in Completed moves to Confirmed; Timer G stops, and Timer I
        // absorbs the ACK's own retransmissions (zero over a reliable transport).
        this.clear();
        this.st = 'confirmed';
        const h = this.onAck;
        if (h) callTu(this.ctx.logger, 'onAck', () => h(ack));
        if (this.st !== 'confirmed') return 'absorbed';
        const i = this.ctx.timers.I(this.reliable());
        if (i === 0) this.terminate();
        else this.timerI = this.ctx.clock.setTimeout(() => this.onTimer('I'), i);
        return 'absorbed';
      }
      case 'accepted':
        // RFC 6026 Figure 5: an ACK in Accepted goes to the TU (it acknowledges the 2xx).
        return 'for-tu';
      default:
        // Confirmed: an ACK retransmission. Proceeding: an ACK with no final response sent
        // yet has nothing to acknowledge.
        return 'absorbed';
    }
  }

  respond(res: SipResponse): void {
    if (res.status < 100 || res.status > 699) throw new RangeError(`bad response status ${res.status}`);
    if (this.st === 'accepted') {
      // RFC 6026 §8.7: 2xx retransmissions from the TU are passed to the transport.
      if (res.status >= 200 && res.status < 300) {
        this.last = res;
        this.send(res);
      } else {
        this.ctx.logger.debug('non-2xx after 2xx ignored', { tx: this.id, status: res.status });
      }
      return;
    }
    if (this.st !== 'proceeding') {
      this.ctx.logger.debug('response after final response ignored', { tx: this.id, status: res.status, state: this.st });
      return;
    }
    this.ctx.clock.clearTimeout(this.timerTrying);
    this.timerTrying = undefined;
    this.last = res;
    if (res.status < 200) {
      this.send(res);
      return;
    }
    if (res.status < 300) {
      // RFC 6026 §8.5: a 2xx from the TU moves to Accepted, with Timer L (64*T1) to absorb
      // INVITE retransmissions while the TU retransmits the 2xx until its ACK arrives.
      this.st = 'accepted';
      this.send(res);
      this.timerL = this.ctx.clock.setTimeout(() => this.onTimer('L'), this.ctx.timers.L);
      return;
    }
    // §17.2.1: a 300-699 moves to Completed; Timer G retransmits it over an unreliable
    // transport, Timer H bounds the wait for the ACK on every transport.
    this.st = 'completed';
    this.send(res);
    if (!this.reliable()) {
      this.intervalG = this.ctx.timers.G;
      this.timerG = this.ctx.clock.setTimeout(() => this.onTimerG(), this.intervalG);
    }
    this.timerH = this.ctx.clock.setTimeout(() => this.onTimer('H'), this.ctx.timers.H);
  }

  /** Cancel the timers and drop out without telling the TU (TransactionLayer.stop). */
  dispose(): void {
    this.ctx.clock.clearTimeout(this.timerTrying);
    this.timerTrying = undefined;
    this.clear();
    this.st = 'terminated';
  }

  private clear(): void {
    const c = this.ctx.clock;
    c.clearTimeout(this.timerG);
    c.clearTimeout(this.timerH);
    c.clearTimeout(this.timerI);
    c.clearTimeout(this.timerL);
    this.timerG = this.timerH = this.timerI = this.timerL = undefined;
  }

  private reliable(): boolean {
    return this.ctx.sender.isReliable(this.target.protocol);
  }

  private onTryingTimer(): void {
    this.timerTrying = undefined;
    if (this.st !== 'proceeding' || this.last) return;
    // §17.2.1: the 100 is built per §8.2.6, but SHOULD NOT add a To tag; createResponse
    // adds none for 100.
    this.last = createResponse(this.request, 100);
    this.send(this.last);
  }

  private onTimerG(): void {
    this.timerG = undefined;
    if (this.st !== 'completed' || !this.last) return;
    // §17.2.1: on Timer G the response is retransmitted and G reset to min(2*G, T2).
    this.send(this.last);
    this.intervalG = this.ctx.timers.nextG(this.intervalG);
    this.timerG = this.ctx.clock.setTimeout(() => this.onTimerG(), this.intervalG);
  }

  private onTimer(which: 'H' | 'I' | 'L'): void {
    if (which === 'H') {
      this.timerH = undefined;
      // §17.2.1: Timer H in Completed means the ACK never came: Terminated, and the TU
      // is told of a transaction failure.
      if (this.st === 'completed') {
        this.terminate(() => {
          const h = this.onTimeout;
          if (h) callTu(this.ctx.logger, 'onTimeout', h);
        });
      }
    } else if (which === 'I') {
      this.timerI = undefined;
      if (this.st === 'confirmed') this.terminate();
    } else {
      this.timerL = undefined;
      if (this.st === 'accepted') this.terminate();
    }
  }

  private send(res: SipResponse): void {
    transmit(this.ctx, res, this.target, (e) => this.onSendError(e));
  }

  private onSendError(e: unknown): void {
    this.ctx.logger.warn('transport error sending response', { tx: this.id, error: e });
    if (this.st === 'terminated') return;
    // RFC 6026 §7.1: an element encountering an unrecoverable transport error when sending
    // a response to an INVITE MUST NOT immediately destroy the server transaction, which
    // must still absorb retransmissions of the request. The TU is informed; Timer H or L
    // (or the TU's final response) ends the transaction.
    const h = this.onTransportError;
    if (h) callTu(this.ctx.logger, 'onTransportError', () => h(e));
  }

  private terminate(notify?: () => void): void {
    if (this.st === 'terminated') return;
    this.dispose();
    this.release(this);
    if (notify) notify();
    const h = this.onTerminated;
    if (h) callTu(this.ctx.logger, 'onTerminated', h);
  }
}
