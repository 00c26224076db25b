import type { Clock } from '../../util/clock.js';
import type { SipMessage } from '../message/types.js';
import { isReliable, type MessageSender, type Target, type TransportProtocol } from '../transport/types.js';

export interface SentMessage {
  msg: SipMessage;
  target: Target;
  /** clock.now() when it was handed over. */
  at: number;
}

/**
 * An in-memory MessageSender for tests of the layers above the transports: it records
 * what would have gone on the wire, and can be told to fail sends like a broken socket.
 */
export class FakeSender implements MessageSender {
  readonly sent: SentMessage[] = [];
  /** Return an error to make that send reject (RFC 3261 §18.4 transport error). */
  failWith: ((msg: SipMessage, target: Target) => Error | undefined) | undefined;

  constructor(private readonly clock: Clock) {}

  send(msg: SipMessage, target: Target): Promise<void> {
    this.sent.push({ msg, target, at: this.clock.now() });
    const err = this.failWith?.(msg, target);
    return err ? Promise.reject(err) : Promise.resolve();
  }

  isReliable(protocol: TransportProtocol): boolean {
    return isReliable(protocol);
  }

  /** Times (relative to `start`) at which messages passing `filter` were sent. */
  timesOf(start: number, filter: (m: SipMessage) => boolean = () => true): number[] {
    return this.sent.filter((s) => filter(s.msg)).map((s) => s.at - start);
  }

  clear(): void {
    this.sent.length = 0;
  }
}
