import { reasonPhrase } from '../sip/message/reason-phrases.js';
/**
 * The one final answer a caller gets when every fork failed (RFC 3261 §16.7 step 6,
 * applied by a B2BUA): a 6xx wins; otherwise the most telling 4xx/5xx. Busy beats
 * unavailable, which beats a timeout; a server error is reported as unavailable.
 */
export interface ForkFailure {
  status: number;
  reason: string;
}

const PREFERENCE = [486, 600, 603, 404, 480, 487, 408];

export function pickFinalFailure(failures: readonly ForkFailure[]): ForkFailure {
  if (failures.length === 0) return { status: 480, reason: reasonPhrase(480) };
  const sixxx = failures.find((f) => f.status >= 600);
  if (sixxx) return sixxx;
  for (const s of PREFERENCE) {
    const hit = failures.find((f) => f.status === s);
    if (hit) return hit;
  }
  const client = failures.filter((f) => f.status >= 400 && f.status < 500).sort((a, b) => a.status - b.status)[0];
  if (client) return client;
  // 5xx from a phone says nothing useful to the caller: it is unavailable.
  return { status: 480, reason: reasonPhrase(480) };
}

/** How a final status reads in a call record. */
export function dispositionOf(status: number): 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled' {
  if (status >= 200 && status < 300) return 'answered';
  if (status === 486 || status === 600 || status === 603) return 'busy';
  if (status === 480 || status === 408) return 'no_answer';
  if (status === 487) return 'cancelled';
  return 'failed';
}
