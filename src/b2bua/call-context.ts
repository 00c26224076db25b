import type { Dialog } from '../sip/dialog/dialog.js';
import type { SessionTimerPolicy } from '../sip/dialog/session-timer.js';
import type { B2buaIo } from './b2bua-io.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { TransportProtocol } from '../sip/transport/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Call } from './call.js';
import type { CallRegistry } from './call-registry.js';
import type { Fork, ForkTransport } from './fork.js';
import type { LocalVia } from './messages.js';
import type { CallRecorder, MediaProvider, WebrtcIdentity } from './ports.js';
import type { DirectMediaPolicy } from './direct-media.js';

/** Everything a Call uses from the B2BUA around it; built once per call by the B2BUA. */
export interface CallContext {
  clock: Clock;
  logger: Logger;
  media: MediaProvider;
  recorder: CallRecorder;
  registry: CallRegistry<Call>;
  mediaAddress: string;
  /** The PBX's own IPs, which a far end's SDP may not name (unless it signals from there). */
  ownAddresses: readonly string[];
  /** The DTLS certificate for browser legs (webrtc-legs.ts); absent: browser offers get 488. */
  webrtcIdentity?: WebrtcIdentity;
  settings: { noAnswerMs: number; t1: number; t2: number };
  /** RFC 4028 policy for both legs. */
  sessionPolicy: SessionTimerPolicy;
  io: B2buaIo;
  viaFor(protocol: TransportProtocol): LocalVia;
  contactFor(protocol: TransportProtocol): string;
  /** Extra headers for our INVITE to a callee (Supported, session timer). */
  forkHeaders(): Array<[string, string]>;
  /** Extra headers for our 200 to the caller (session timer). */
  answerHeaders(invite: SipRequest): Array<[string, string]>;
  forkIo: ForkTransport;
  ackFork(fork: Fork, res: SipResponse): void;
  /** headers: extra headers of the BYE (e.g. Reason, RFC 3326). */
  byeFork(fork: Fork, headers?: ReadonlyArray<readonly [string, string]>): void;
  byeCaller(call: Call, headers?: ReadonlyArray<readonly [string, string]>): void;
  sendToCaller(call: Call, res: SipResponse): void;
  uasDialog(invite: SipRequest, localTag: string, contact: string): Dialog;
  onAnswered(call: Call): void;
  onEnded(call: Call): void;
  /** The call's legs changed (call-activity.ts: busy lamps, presence); absent: nobody listens. */
  activity?(call: Call): void;
  /** The tenant's music-on-hold files (real, checked paths), for a held party; absent or empty: silence. */
  musicOnHold?(): readonly string[] | undefined;
  /** The tenant's direct-media policy for this call (direct-media.ts); absent or undefined: the media stays in the PBX. */
  directMedia?(call: Call): DirectMediaPolicy | undefined;
}
