import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';

/** A trunk as the planner sees it: where it is, and how it answers a carrier's challenge. */
export interface TrunkHandle {
  name: string;
  /** Counts this trunk's channels: one key per trunk (a provider trunk is shared by its tenants). */
  channelKey: string;
  target: Target;
  /** The domain written in our Request-URI, From and To towards this carrier. */
  domain: string;
  maxChannels?: number;
  /** RFC 3261 §8.1.2: a Route header naming the trunk's outbound proxy (loose routing), when it has one. */
  route?: string;
  /** Codec names the trunk takes (e.g. PCMA, PCMU); undefined: any. */
  codecs?: readonly string[];
  /** The same INVITE with credentials, for a challenge that really came from this trunk; else undefined. */
  answerChallenge(invite: SipRequest, challenge: SipResponse): SipRequest | undefined;
  /** RFC 3263: every target to try in turn, `target` first; absent: `target` alone. */
  targets?: readonly Target[];
  /** A target that answered 503, timed out or was unreachable: passed over for a while (RFC 3263 §4.3). */
  markFailed?(target: Target): void;
}
