/**
 * What an application leg (app-leg.ts) uses from the B2BUA around it; built by AppCalls.
 */
import type { Logger } from '../util/logger.js';
import type { Clock } from '../util/clock.js';
import type { SipResponse } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { B2buaIo } from './b2bua-io.js';
import type { Side } from './call-registry.js';
import type { Fork, ForkTransport } from './fork.js';
import type { CallRecorder, MediaProvider, WebrtcIdentity } from './ports.js';
import type { AppLeg } from './app-leg.js';

export interface AppLegDeps {
  io: B2buaIo;
  clock: Clock;
  logger: Logger;
  media: MediaProvider;
  recorder: CallRecorder;
  settings(): { t1: number; t2: number; noAnswerMs: number };
  mediaAddress: string;
  ownAddresses(): readonly string[];
  /** The DTLS certificate for browser callers (webrtc-legs.ts); absent: their offers get 488. */
  webrtcIdentity?: WebrtcIdentity;
  forkIo: ForkTransport;
  forkHeaders(): Array<[string, string]>;
  ackFork(fork: Fork, res: SipResponse): void;
  byeFork(fork: Fork, headers?: ReadonlyArray<readonly [string, string]>): void;
  sendToCaller(res: SipResponse, target: Target): void;
  /** What the caller hears while a bridge rings (looped); empty: silence. */
  ringback(tenant: TenantContext): readonly string[];
  /** A dialog of the leg is up: in-dialog requests with this key go to it. */
  dialogUp(leg: AppLeg, key: string, side: Side): void;
  ended(leg: AppLeg): void;
  /** The leg's extensions changed (app-leg-activity.ts: busy lamps); absent: nobody listens. */
  activity?(leg: AppLeg): void;
}
