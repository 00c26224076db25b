/**
 * RFC 3261 §13.3.1.4 for the legs the PBX answers in place of a party (a pickup's picker,
 * a park's retriever): over UDP the UAS core sends its 2xx again, T1 doubling up to T2,
 * until the ACK arrives; with no ACK after 64*T1 the dialog is broken (the owner ends the
 * call). Keyed by the dialog as the B2BUA finds an ACK (Call-ID, our tag, their tag).
 */
import type { SipResponse } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';

export class UasOkRetransmits {
  private readonly pending = new Map<string, TimerHandle | undefined>();

  constructor(
    private readonly clock: Clock,
    private readonly timers: () => { t1: number; t2: number },
    private readonly send: (res: SipResponse, target: Target) => void,
  ) {}

  /** Retransmit `ok` to `target` until ack(key); `noAck` when 64*T1 pass without one. Nothing to do over TCP/TLS. */
  start(key: string, ok: SipResponse, target: Target, noAck: () => void): void {
    if (target.protocol !== 'udp') return;
    const { t1, t2 } = this.timers();
    const step = (interval: number, elapsed: number) => {
      this.pending.set(
        key,
        this.clock.setTimeout(() => {
          if (!this.pending.has(key)) return;
          if (elapsed + interval >= 64 * t1) {
            this.pending.delete(key);
            noAck();
            return;
          }
          this.send(ok, target);
          step(Math.min(interval * 2, t2), elapsed + interval);
        }, interval),
      );
    };
    step(t1, 0);
  }

  /** An ACK for that dialog: stop. True when one was pending. */
  ack(key: string): boolean {
    if (!this.pending.has(key)) return false;
    this.clock.clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    return true;
  }
}
