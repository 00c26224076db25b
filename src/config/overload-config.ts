/**
 * pbx.yaml `sip.overload`: overload control of the SIP thread (src/edge/overload) and the
 * bounds that keep its memory finite under a flood of new work (issue 13, point 4).
 */
import { bool, int, object } from './schema.js';

export const overloadSchema = object({
  enabled: bool().default(true),
  /** Lag (ms) at which new requests without credentials start to get 503; 0 = all of them (drain). */
  shedDelayMs: int({ min: 0, max: 60_000 }).default(100),
  /** Lag (ms) at which every new request gets 503. */
  severeDelayMs: int({ min: 1, max: 60_000 }).default(500),
  /** Lag (ms) at which new requests are dropped unanswered. */
  dropDelayMs: int({ min: 1, max: 600_000 }).default(2000),
  retryAfterSeconds: int({ min: 1, max: 3600 }).default(5),
  registerRetryAfterMaxSeconds: int({ min: 1, max: 3600 }).default(30),
  /** UDP datagrams read and waiting to be handled; at the cap, new ones are dropped unread. */
  maxQueuedMessages: int({ min: 100, max: 1_000_000 }).default(20_000),
  /** Live server transactions; at the cap, a new request gets 503. */
  maxServerTransactions: int({ min: 1000, max: 10_000_000 }).default(100_000),
}).check((o, where) => {
  if (o.severeDelayMs < o.shedDelayMs) where.at('severeDelayMs').report(`must not be less than shedDelayMs (${o.shedDelayMs})`);
  else if (o.dropDelayMs < o.severeDelayMs) where.at('dropDelayMs').report(`must not be less than severeDelayMs (${o.severeDelayMs})`);
  if (o.registerRetryAfterMaxSeconds < o.retryAfterSeconds) where.at('registerRetryAfterMaxSeconds').report(`must not be less than retryAfterSeconds (${o.retryAfterSeconds})`);
});

export interface OverloadConfig {
  enabled: boolean;
  shedDelayMs: number;
  severeDelayMs: number;
  dropDelayMs: number;
  retryAfterSeconds: number;
  registerRetryAfterMaxSeconds: number;
  maxQueuedMessages: number;
  maxServerTransactions: number;
}

/** What an absent `sip.overload` means. */
export const OVERLOAD_CONFIG_DEFAULTS: OverloadConfig = {
  enabled: true,
  shedDelayMs: 100,
  severeDelayMs: 500,
  dropDelayMs: 2000,
  retryAfterSeconds: 5,
  registerRetryAfterMaxSeconds: 30,
  maxQueuedMessages: 20_000,
  maxServerTransactions: 100_000,
};
