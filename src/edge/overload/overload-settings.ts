/** pbx.yaml `sip.overload` as the edge reads it (src/config/overload-config.ts validates it). */
export interface OverloadSettings {
  /** false: nothing is ever shed for load (the transaction cap still holds). */
  enabled: boolean;
  /**
   * Lag (oldest unhandled UDP datagram, or a late timer) at which new requests without
   * credentials start to be turned away with 503, a growing share while it lasts.
   * 0: every new request without credentials is turned away (drain, tests).
   */
  shedDelayMs: number;
  /** Lag at which every new request gets 503, credentials or not. */
  severeDelayMs: number;
  /** Lag at which new requests are dropped unanswered: even a 503 costs too much then. */
  dropDelayMs: number;
  /** Retry-After (s) of a 503 for anything but REGISTER. */
  retryAfterSeconds: number;
  /** A REGISTER's Retry-After is drawn evenly from retryAfterSeconds..this, to spread an avalanche of phones. */
  registerRetryAfterMaxSeconds: number;
}

export const OVERLOAD_DEFAULTS: OverloadSettings = {
  enabled: true,
  shedDelayMs: 100,
  severeDelayMs: 500,
  dropDelayMs: 2000,
  retryAfterSeconds: 5,
  registerRetryAfterMaxSeconds: 30,
};
