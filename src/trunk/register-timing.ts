/**
 * When a registration client acts next: the refresh before a binding expires, and the
 * back-off after a failed attempt. Pure, so the schedule is tested without a network.
 */

export interface BackoffPolicy {
  /** Delay after the first failure. */
  initialMs: number;
  /** The delay doubles per consecutive failure up to this. */
  maxMs: number;
  /** Up to this fraction is taken off at random, so that many trunks failing together do not retry in step. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 5_000, maxMs: 300_000, jitter: 0.2 };

/** The longest delay a timer takes (setTimeout's 2^31-1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The wait before retrying after `failures` consecutive failures (1 = the first):
 * initial·2^(failures-1), capped at maxMs, less a random share of up to `jitter`.
 * `random` returns [0, 1) like Math.random.
 */
export function backoffDelayMs(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(failures));
  const raw = n > 40 ? policy.maxMs : Math.min(policy.maxMs, policy.initialMs * 2 ** (n - 1));
  const r = Math.min(Math.max(Number(random()) || 0, 0), 1);
  return Math.max(1, Math.round(raw * (1 - policy.jitter * r)));
}

/**
 * The wait before refreshing a binding the registrar granted for `grantedSeconds`:
 * at max(expires/2, expires - 60 s), early enough for a retry or two to land before
 * the binding lapses, and never later than half its life.
 */
export function refreshDelayMs(grantedSeconds: number): number {
  const ms = Math.max(grantedSeconds * 500, (grantedSeconds - 60) * 1000);
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.round(ms)));
}
