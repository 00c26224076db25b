/**
 * Reliable provisional responses (RFC 3262): the 100rel option tag, RSeq and RAck, the
 * UAS side that sends a reliable 1xx and retransmits it until its PRACK (§3), and the UAC
 * side that tells a new reliable 1xx from a retransmission (§4). Knows nothing of calls;
 * sends through the function it is given and owns only its retransmission timer.
 */
import { randomInt } from 'node:crypto';
import { cseqOf, getHeader, getHeaderValues } from '../message/headers.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';

export const OPTION_100REL = '100rel';
const MAX_RSEQ = 0xffffffff;

/** Whether a request asks for reliable provisionals (Require) or allows them (Supported), RFC 3262 §3. */
export function reliabilityWanted(req: SipRequest): 'required' | 'supported' | 'no' {
  if (hasTag(req, 'require')) return 'required';
  return hasTag(req, 'supported') ? 'supported' : 'no';
}

/** A 101-199 response sent reliably (it carries Require: 100rel and an RSeq), RFC 3262 §4. */
export function isReliable(res: SipResponse): boolean {
  return res.status > 100 && res.status < 200 && hasTag(res, 'require') && parseRSeq(getHeader(res, 'rseq')) !== undefined;
}

/** RSeq = 1*DIGIT, 1 to 2**32 - 1 (§7.1); undefined when malformed. */
export function parseRSeq(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,10}\s*$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= MAX_RSEQ ? n : undefined;
}

export interface RAck {
  rseq: number;
  cseq: number;
  method: string;
}

/** RAck = response-num LWS CSeq-num LWS Method (§7.2); undefined when malformed. */
export function parseRAck(value: string | undefined): RAck | undefined {
  const m = /^\s*(\d{1,10})\s+(\d{1,10})\s+([A-Za-z]+)\s*$/.exec(value ?? '');
  if (!m) return undefined;
  const rseq = parseRSeq(m[1]);
  const cseq = Number(m[2]);
  if (rseq === undefined || cseq > MAX_RSEQ) return undefined;
  return { rseq, cseq, method: m[3]!.toUpperCase() };
}

/** The RAck value of the PRACK for a reliable provisional response (§7.2). */
export function rackFor(res: SipResponse): string {
  const c = cseqOf(res);
  return `${parseRSeq(getHeader(res, 'rseq'))} ${c.seq} ${c.method}`;
}

function hasTag(msg: { headers: Array<{ name: string; value: string }> }, header: string): boolean {
  try {
    return getHeaderValues(msg, header).some((t) => t.trim().toLowerCase() === OPTION_100REL);
  } catch {
    return false;
  }
}

export interface ReliableSenderOptions {
  clock: Clock;
  /** RFC 3261 T1 (ms): the first retransmission interval. */
  t1: number;
  /** Hand a response to the INVITE server transaction (which sends every 1xx it is given). */
  send(res: SipResponse): void;
  /** 64*T1 went by without the PRACK: the UAS SHOULD reject the INVITE with a 5xx (§3). */
  onNoPrack(): void;
  /** The first RSeq; random in 1..2**31-1 by default (§3). */
  firstRSeq?: number;
}

/**
 * The UAS side (§3): each 101-199 response goes out with Require: 100rel and the next RSeq,
 * retransmitted at T1, 2*T1, 4*T1... until a PRACK matches it. A second reliable
 * provisional waits until the first is acknowledged (§3: "MUST NOT send a second reliable
 * provisional response until the first is acknowledged"); only the newest one waits.
 */
export class ReliableProvisionalSender {
  private rseq: number;
  private unacked: { rseq: number; res: SipResponse; timer: TimerHandle | undefined } | undefined;
  private queued: SipResponse | undefined;
  private stopped = false;

  constructor(private readonly o: ReliableSenderOptions) {
    this.rseq = (o.firstRSeq ?? randomInt(1, 0x80000000)) - 1;
  }

  /** Whether a reliable provisional is waiting for its PRACK. */
  get waiting(): boolean {
    return this.unacked !== undefined;
  }

  send(res: SipResponse): void {
    if (this.stopped) return;
    if (this.unacked) {
      this.queued = res;
      return;
    }
    this.rseq = this.rseq >= MAX_RSEQ ? 1 : this.rseq + 1;
    const out: SipResponse = {
      ...res,
      headers: [...res.headers.filter((h) => h.name !== 'rseq'), { name: 'require', value: OPTION_100REL }, { name: 'rseq', value: String(this.rseq) }],
    };
    const entry = { rseq: this.rseq, res: out, timer: undefined as TimerHandle | undefined };
    this.unacked = entry;
    this.o.send(out);
    const step = (interval: number, elapsed: number) => {
      entry.timer = this.o.clock.setTimeout(() => {
        if (this.unacked !== entry || this.stopped) return;
        const now = elapsed + interval;
        if (now >= 64 * this.o.t1) {
          this.stop();
          this.o.onNoPrack();
          return;
        }
        this.o.send(out);
        step(Math.min(interval * 2, 64 * this.o.t1 - now), now);
      }, interval);
    };
    step(this.o.t1, 0);
  }

  /**
   * A PRACK arrived: 'ok' when its RAck names the provisional waiting for it (response
   * number, and the CSeq number and method of the INVITE), else 'no-match' (the UAS answers
   * 481, §3). A match sends the next queued provisional, if any.
   */
  onPrack(prack: SipRequest, invite: SipRequest): 'ok' | 'no-match' {
    const rack = parseRAck(getHeader(prack, 'rack'));
    const u = this.unacked;
    let inv: { seq: number; method: string };
    try {
      inv = cseqOf(invite);
    } catch {
      return 'no-match';
    }
    if (!rack || !u || rack.rseq !== u.rseq || rack.cseq !== inv.seq || rack.method !== inv.method) return 'no-match';
    this.o.clock.clearTimeout(u.timer);
    this.unacked = undefined;
    const next = this.queued;
    this.queued = undefined;
    if (next) this.send(next);
    return 'ok';
  }

  /** A final response went out (or the call ended): no more retransmissions. */
  stop(): void {
    this.stopped = true;
    if (this.unacked) this.o.clock.clearTimeout(this.unacked.timer);
    this.unacked = undefined;
    this.queued = undefined;
  }
}

/**
 * The UAC side (§4), for one INVITE: per early dialog (To tag) the RSeq of the last reliable
 * provisional taken. The first one of a dialog is new whatever its number; after that
 * only the next number is new, a lower or equal one is a retransmission (PRACKed again,
 * not processed), and a higher one is out of order (neither PRACKed nor processed).
 */
export class ReliableProvisionalReceiver {
  private readonly last = new Map<string, number>();

  receive(res: SipResponse, toTag: string): 'new' | 'retransmission' | 'out-of-order' {
    const rseq = parseRSeq(getHeader(res, 'rseq'))!;
    const before = this.last.get(toTag);
    if (before === undefined || rseq === before + 1) {
      this.last.set(toTag, rseq);
      return 'new';
    }
    return rseq <= before ? 'retransmission' : 'out-of-order';
  }
}
