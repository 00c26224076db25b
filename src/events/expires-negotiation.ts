/** The operator's bounds on subscription durations (pbx.yaml `subscriptions:`). */
export interface ExpiresPolicy {
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
}

export type ExpiresDecision =
  | { kind: 'grant'; seconds: number }
  /** Expires: 0, an unsubscribe or a fetch (RFC 6665 §4.2.1.4, §4.4.3). */
  | { kind: 'zero' }
  /** RFC 6665 §4.2.1.1: shorter than we accept; 423 with Min-Expires. */
  | { kind: 'too-brief'; minExpires: number }
  | { kind: 'bad' };

/**
 * The duration granted for a SUBSCRIBE (RFC 6665 §4.2.1.1): the package default when the
 * Expires header is absent, never more than maxExpires (the notifier may shorten), and 423
 * Interval Too Brief below minExpires. A value that is not a number is a 400.
 */
export function negotiateExpires(header: string | undefined, p: ExpiresPolicy): ExpiresDecision {
  if (header === undefined) return { kind: 'grant', seconds: p.defaultExpires };
  const t = header.trim();
  if (!/^\d{1,10}$/.test(t)) return { kind: 'bad' };
  const n = Number(t);
  if (n === 0) return { kind: 'zero' };
  if (n < p.minExpires) return { kind: 'too-brief', minExpires: p.minExpires };
  return { kind: 'grant', seconds: Math.min(n, p.maxExpires) };
}
