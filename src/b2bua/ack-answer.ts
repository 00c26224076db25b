import { cseqOf, getHeader } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Side } from './call-registry.js';

/** What to do with the answer in an ACK. */
export interface AckAnswerUser {
  /** The ACK carried SDP: take it; false when it is no usable answer to our offer. */
  answered(body: Buffer): boolean;
  /** No usable answer (missing, bad, or no ACK at all): the session cannot go on (cause for the call record). */
  failed(cause: string): void;
}

interface Pending {
  cseq: number;
  user: AckAnswerUser;
  timer: TimerHandle | undefined;
}

/**
 * Our 2xx that carried an offer, waiting for the answer in its ACK (RFC 3261 §13.2.1,
 * §13.3.1.4: "If the 2xx contains an offer, the ACK MUST carry an answer"), one per leg:
 * the 200 to a late-offer INVITE and the 200 to a re-INVITE without SDP.
 *
 * An ACK without a body, with a body that is not SDP or with SDP that is no answer to our
 * offer leaves the session without agreed media: the user is told and ends the call
 * (RFC 6337 §3.1.1 advises a BYE). Over UDP the 2xx is retransmitted (T1 doubling up to
 * T2) until the ACK, and 64*T1 without one fails the same way (§13.3.1.4).
 */
export class AckAnswers {
  private readonly pending: Record<Side, Pending | undefined> = { a: undefined, b: undefined };

  constructor(
    private readonly clock: Clock,
    private readonly timers: { t1: number; t2: number },
  ) {}

  /** Whether a leg owes us an answer in an ACK (an offer from us is outstanding there). */
  waiting(side: Side): boolean {
    return this.pending[side] !== undefined;
  }

  /**
   * Our 2xx to the INVITE with CSeq number `cseq` carried an offer. `resend`, when given,
   * retransmits the 2xx (unreliable transports; the initial 200 has its own retransmission).
   * Either way, no ACK within 64*T1 fails the answer.
   */
  expect(side: Side, cseq: number, user: AckAnswerUser, resend?: () => void): void {
    this.clear(side);
    const p: Pending = { cseq, user, timer: undefined };
    this.pending[side] = p;
    // Over a reliable transport nothing is resent, but the ACK is still awaited no longer than 64*T1.
    const step = (interval: number, elapsed: number) => {
      p.timer = this.clock.setTimeout(() => {
        if (this.pending[side] !== p) return;
        const now = elapsed + interval;
        if (now >= 64 * this.timers.t1) {
          this.pending[side] = undefined;
          p.user.failed('no ACK for the 200 that carried our offer');
          return;
        }
        resend?.();
        step(Math.min(interval * 2, this.timers.t2, 64 * this.timers.t1 - now), now);
      }, interval);
    };
    step(this.timers.t1, 0);
  }

  /** An ACK from a leg; false when no answer was expected from it (nothing to do). */
  onAck(side: Side, ack: SipRequest): boolean {
    const p = this.pending[side];
    if (!p) return false;
    let seq: number;
    try {
      seq = cseqOf(ack).seq;
    } catch {
      return false;
    }
    // An ACK of an older INVITE (a retransmission) is not the one we wait for.
    if (seq !== p.cseq) return false;
    this.clear(side);
    const ct = getHeader(ack, 'content-type');
    if (ack.body.length === 0) {
      p.user.failed('ACK without the SDP answer to our offer');
    } else if (ct !== undefined && !/^\s*application\/sdp\b/i.test(ct)) {
      p.user.failed('ACK with a body that is not SDP');
    } else if (!p.user.answered(ack.body)) {
      p.user.failed('ACK with an SDP answer that does not fit our offer');
    }
    return true;
  }

  /** The call ended: stop every retransmission. */
  stop(): void {
    this.clear('a');
    this.clear('b');
  }

  private clear(side: Side): void {
    const p = this.pending[side];
    if (p) this.clock.clearTimeout(p.timer);
    this.pending[side] = undefined;
  }
}
