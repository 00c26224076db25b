import type { SipMessage } from '../message/types.js';
import type { Endpoint } from './types.js';

/**
 * Where a message came from, kept beside it without changing its shape. The
 * transaction layer hands responses to the TU without their source; whoever reads
 * them off the wire (the edge) remembers it here first, so that a TU can tell who
 * sent a response, e.g. whether a 401/407 really came from the peer it asked
 * (a challenge from anyone else must never be answered with credentials).
 * Weakly held: an entry lives exactly as long as its message.
 */
const sources = new WeakMap<SipMessage, Endpoint>();

export function rememberSource(msg: SipMessage, source: Endpoint): void {
  sources.set(msg, { protocol: source.protocol, address: source.address, port: source.port });
}

/** The source remembered for this message object; undefined for one never seen on the wire. */
export function sourceOf(msg: SipMessage): Endpoint | undefined {
  return sources.get(msg);
}
