import type { Dialog } from '../sip/dialog/dialog.js';
import type { SessionTimerPolicy } from '../sip/dialog/session-timer.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';
import type { LocalVia } from './messages.js';

export interface RequestUser {
  onResponse(res: SipResponse): void;
  onTimeout(): void;
  onTransportError(): void;
}

/** The sending side of the B2BUA, shared by calls and relays. */
export interface B2buaIo {
  /** RFC 4028 policy for both legs. */
  readonly sessionPolicy: SessionTimerPolicy;
  viaFor(protocol: Target['protocol']): LocalVia;
  contactFor(protocol: Target['protocol']): string;
  /** Through a client transaction (retransmissions, timeouts). */
  sendRequest(req: SipRequest, target: Target, user: RequestUser): void;
  /** ACK for a 2xx on a dialog: not a transaction of its own (RFC 3261 §17.1.1.3). */
  ackDialog(dialog: Dialog, res: SipResponse, target: Target): void;
}
