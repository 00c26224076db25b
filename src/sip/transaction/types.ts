import type { SipRequest, SipResponse } from '../message/types.js';
import type { Target } from '../transport/types.js';

/** RFC 3261 §17.2 states, with RFC 6026's Accepted for INVITE. */
export type ServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/** RFC 3261 §17.1 states, with RFC 6026's Accepted for INVITE. */
export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/**
 * What the TU sees of a server transaction. The callbacks are set by the TU after
 * creation; each is called at most once, and an exception thrown by one is logged,
 * never propagated into the transport.
 */
export interface ServerTransaction {
  /** The matching key (RFC 3261 §17.2.3). */
  readonly id: string;
  readonly isInvite: boolean;
  readonly method: string;
  /**
   * The request that created the transaction. A non-INVITE server transaction over an
   * unreliable transport lets go of it once its final response is sent (it lives on
   * for Timer J only to answer retransmissions); from then on this is `undefined`.
   */
  readonly request: SipRequest | undefined;
  /** Where responses go (RFC 3261 §18.2.2, chosen by the caller). */
  readonly target: Target;
  readonly state: ServerTransactionState;
  /** The most recent response passed to the transport (non-INVITE: until Terminated). */
  readonly lastResponse: SipResponse | undefined;
  /** Send a response (RFC 3261 §17.2.1, §17.2.2). Ignored once the state no longer accepts it. */
  respond(res: SipResponse): void;
  /** The transaction entered Terminated and is gone from the layer. */
  onTerminated?: () => void;
  /**
   * INVITE: Timer H fired, the ACK for the non-2xx final response never came (§17.2.1).
   * Non-INVITE: the TU sent no final response within 64*T1, when the client has given up
   * (its Timer F); the transaction is dropped.
   */
  onTimeout?: () => void;
  /** Sending a response failed (§17.2.4). The transaction is Terminated, except in Accepted. */
  onTransportError?: (e: unknown) => void;
  /**
   * INVITE only: the ACK for a non-2xx final response arrived (Completed → Confirmed). It is
   * absorbed by the transaction; this is for information. An ACK for a 2xx is the TU's and
   * comes back from TransactionLayer.matchRequest as kind 'ack'.
   */
  onAck?: (ack: SipRequest) => void;
}

/** What the TU sees of a client transaction. */
export interface ClientTransaction {
  /** The matching key (RFC 3261 §17.1.3): branch and CSeq method. */
  readonly id: string;
  readonly isInvite: boolean;
  readonly request: SipRequest;
  readonly target: Target;
  readonly state: ClientTransactionState;
  /**
   * INVITE only (a no-op otherwise): the TU has sent a CANCEL for this request. RFC 3261
   * §9.1: with no final response 64*T1 later, the transaction is destroyed (onTimeout).
   */
  cancelSent(): void;
}

/** The TU of a client transaction. Exceptions thrown here are logged and swallowed. */
export interface ClientTransactionUser {
  /**
   * A response for the TU: every provisional, the final response, and (INVITE, RFC 6026
   * Accepted state) every 2xx including retransmissions and 2xx from other forks.
   * Retransmissions of a non-2xx final response are absorbed by the transaction.
   */
  onResponse(res: SipResponse, tx: ClientTransaction): void;
  /** Timer B or F fired (no final response), or the §9.1 CANCEL timeout ran out. */
  onTimeout(tx: ClientTransaction): void;
  /** The transport failed to send the request or the ACK (§17.1.4). The transaction is Terminated. */
  onTransportError(tx: ClientTransaction, e: unknown): void;
  /** The transaction entered Terminated and is gone from the layer. */
  onTerminated?(tx: ClientTransaction): void;
}
