import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { SipMessage } from '../message/types.js';
import type { MessageSender, Target } from '../transport/types.js';
import type { ExpiryQueue } from './expiry-queue.js';
import type { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { TimerTable } from './timers.js';

/** What every transaction machine runs on; one per TransactionLayer. */
export interface TransactionContext {
  readonly sender: MessageSender;
  readonly clock: Clock;
  readonly timers: TimerTable;
  readonly logger: Logger;
  /** Timer J of every non-INVITE server transaction over an unreliable transport. */
  readonly timerJ: ExpiryQueue<NonInviteServerTransaction>;
  /** The deadline (64*T1) on the TU's final response to a non-INVITE request. */
  readonly tuDeadline: ExpiryQueue<NonInviteServerTransaction>;
}

/**
 * Pass a message to the transport. A failure, whether the promise rejects or send()
 * throws, reaches onError asynchronously (never re-entering the caller), as RFC 3261
 * §18.4 transport errors are reported to the transaction (§17.1.4, §17.2.4).
 */
export function transmit(ctx: TransactionContext, msg: SipMessage, target: Target, onError: (e: unknown) => void): void {
  let p: Promise<void>;
  try {
    p = ctx.sender.send(msg, target);
  } catch (e) {
    queueMicrotask(() => onError(e));
    return;
  }
  p.then(undefined, onError);
}

/** Call into the TU; an exception there is logged and never reaches the transport or a timer. */
export function callTu(logger: Logger, what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    logger.error('transaction user threw', { callback: what, error: e });
  }
}
