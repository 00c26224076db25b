import type { Target } from '../sip/transport/types.js';
import type { TimerHandle } from '../util/clock.js';
import type { EventPackage } from './event-package.js';

/**
 * One subscription (RFC 6665 §4.1, §4.2): the dialog the SUBSCRIBE created with us as
 * notifier, what it watches, and until when. Owned by the SubscriptionManager.
 */
export interface Subscription {
  readonly key: string;
  /** The tenant (its context is looked up afresh on each use: stores close when idle). */
  readonly tenantId: string;
  /** The authenticated extension that subscribed. */
  readonly subscriber: string;
  readonly pkg: EventPackage;
  /** The Event header's id parameter (RFC 6665 §8.2.1), echoed in every NOTIFY. */
  readonly eventId: string | undefined;
  /** The resource within the tenant (a box for message-summary). */
  readonly resource: string;
  readonly callId: string;
  /** Our tag (the To tag of our 200) and the subscriber's (its From tag). */
  readonly localTag: string;
  readonly remoteTag: string;
  /** The NOTIFY's From (the SUBSCRIBE's To with our tag) and To (the SUBSCRIBE's From). */
  readonly fromValue: string;
  readonly toValue: string;
  /** RFC 3261 §12.1.1: the Record-Route values of the SUBSCRIBE, in order. */
  readonly routeSet: readonly string[];
  /** The subscriber's Contact (Request-URI of our NOTIFYs) and where to send them; a refresh may change both. */
  remoteTarget: string;
  target: Target;
  /** Highest CSeq seen from the subscriber (RFC 3261 §12.2.2: lower ones are refused with 500). */
  remoteCseq: number;
  localCseq: number;
  expiresAt: number;
  timer: TimerHandle | undefined;
  /** A NOTIFY is in flight; `dirty` asks for another once it is answered (one at a time). */
  notifying: boolean;
  dirty: boolean;
  terminated: boolean;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}
