/**
 * The transaction timers of RFC 3261 §17 (Table 4 of Appendix A) and RFC 6026 §8.11,
 * all derived from the three base values T1, T2 and T4.
 */
export interface TimerConfig {
  /** RTT estimate, ms. RFC 3261 default 500. */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, ms. Default 4000. */
  t2: number;
  /** Maximum duration a message will remain in the network, ms. Default 5000. */
  t4: number;
}

export const DEFAULT_TIMER_CONFIG: Readonly<TimerConfig> = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

/** Time the INVITE server transaction waits for the TU before it sends 100 Trying itself (§17.2.1). */
export const TRYING_DELAY_MS = 200;

/**
 * Every timer value, in ms. Retransmission timers (A, E, G) give the first interval;
 * nextA/nextE/nextG give the interval after a given one. Timers that are zero over a
 * reliable transport (D, I, J, K) take `reliable`.
 */
export interface TimerTable {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
  /** INVITE request retransmit interval, initially T1, doubling (§17.1.1.2). UDP only. */
  readonly A: number;
  nextA(current: number): number;
  /** INVITE transaction timeout: 64*T1. */
  readonly B: number;
  /** Wait time for response retransmits: at least 32 s over UDP, 0 over a reliable transport. */
  D(reliable: boolean): number;
  /** Non-INVITE request retransmit interval: T1, doubling up to T2 (§17.1.2.2). UDP only. */
  readonly E: number;
  /** Next Timer E interval: doubled and capped at T2 in Trying; T2 in Proceeding. */
  nextE(current: number, proceeding: boolean): number;
  /** Non-INVITE transaction timeout: 64*T1. */
  readonly F: number;
  /** INVITE final response retransmit interval: T1, doubling up to T2 (§17.2.1). UDP only. */
  readonly G: number;
  nextG(current: number): number;
  /** Wait time for ACK receipt: 64*T1. */
  readonly H: number;
  /** Wait time for ACK retransmits: T4 over UDP, 0 over a reliable transport. */
  I(reliable: boolean): number;
  /** Wait time for non-INVITE request retransmits: 64*T1 over UDP, 0 reliable. */
  J(reliable: boolean): number;
  /** Wait time for response retransmits: T4 over UDP, 0 reliable. */
  K(reliable: boolean): number;
  /** RFC 6026: wait time for accepted INVITE request retransmits (server, Accepted): 64*T1. */
  readonly L: number;
  /** RFC 6026: wait time for retransmission of 2xx to INVITE (client, Accepted): 64*T1. */
  readonly M: number;
}

/** Build the table; missing values take the RFC defaults. Values must be positive with T1 <= T2. */
export function timerTable(config: Partial<TimerConfig> = {}): TimerTable {
  const t1 = config.t1 ?? DEFAULT_TIMER_CONFIG.t1;
  const t2 = config.t2 ?? DEFAULT_TIMER_CONFIG.t2;
  const t4 = config.t4 ?? DEFAULT_TIMER_CONFIG.t4;
  for (const [name, v] of [['t1', t1], ['t2', t2], ['t4', t4]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`timer ${name} must be a positive number of ms, got ${v}`);
  }
  if (t2 < t1) throw new RangeError(`timer t2 (${t2}) must not be below t1 (${t1})`);
  const sixtyFour = 64 * t1;
  return Object.freeze({
    t1,
    t2,
    t4,
    A: t1,
    nextA: (current: number) => current * 2,
    B: sixtyFour,
    // Timer D must outlast the server's retransmissions of the final response (Timer H at
    // the server is 64*T1), and RFC 3261 Table 4 asks for at least 32 s over UDP.
    D: (reliable: boolean) => (reliable ? 0 : Math.max(32_000, sixtyFour)),
    E: t1,
    nextE: (current: number, proceeding: boolean) => (proceeding ? t2 : Math.min(current * 2, t2)),
    F: sixtyFour,
    G: t1,
    nextG: (current: number) => Math.min(current * 2, t2),
    H: sixtyFour,
    I: (reliable: boolean) => (reliable ? 0 : t4),
    J: (reliable: boolean) => (reliable ? 0 : sixtyFour),
    K: (reliable: boolean) => (reliable ? 0 : t4),
    L: sixtyFour,
    M: sixtyFour,
  });
}
