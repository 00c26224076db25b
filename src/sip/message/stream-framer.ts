import { findHeaderEnd } from './header-end.js';
import { parseDigits } from './scan.js';

/**
 * Cuts a byte stream (TCP, TLS) into SIP messages using Content-Length
 * (RFC 3261 §18.3), with hard caps so that a peer can never make us buffer without
 * bound. Also recognises RFC 5626 §3.5.1 keep-alives between messages: a double CRLF
 * "ping" (which the transport answers with a single CRLF "pong"), and a single CRLF
 * "pong".
 */
export interface FramerLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export const DEFAULT_FRAMER_LIMITS: FramerLimits = { maxHeaderBytes: 16_384, maxBodyBytes: 65_535 };

export type FrameEvent =
  | { type: 'message'; data: Buffer }
  | { type: 'ping' }
  | { type: 'pong' }
  /** Unrecoverable framing error: the connection must be closed. `data` holds the header section when there is one, so a 400 can be sent first. */
  | { type: 'error'; reason: string; data?: Buffer };

const EMPTY = Buffer.alloc(0);

export class StreamFramer {
  /** Bytes [start, end) of store are waiting. store is a caller's chunk until we must write to it. */
  private store: Buffer = EMPTY;
  private owned = false;
  private start = 0;
  private end = 0;
  /** Octets of the waiting message already searched for the empty line. */
  private scanned = 0;
  /** Total length of the waiting message once its header section is read; -1 before. */
  private total = -1;
  /** The last event was a pong for a CRLF that ended the data so far. */
  private loneCrlf = false;
  private failed = false;

  constructor(private readonly limits: FramerLimits = DEFAULT_FRAMER_LIMITS) {}

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Feed a chunk; returns the events it completes, in order. Never throws. */
  push(chunk: Buffer): FrameEvent[] {
    if (this.failed || chunk.length === 0) return [];
    this.append(chunk);
    const out: FrameEvent[] = [];
    const s = this.store;
    for (;;) {
      const avail = this.end - this.start;
      if (avail === 0) break;
      const at = this.start;
      if (this.total < 0 && this.scanned === 0) {
        // Between messages (RFC 5626 §3.5.1, RFC 3261 §7.5).
        const b0 = s[at];
        if (b0 === 0x0d) {
          if (avail < 2) break;
          if (s[at + 1] === 0x0a) {
            if (avail >= 4 && s[at + 2] === 0x0d && s[at + 3] === 0x0a) {
              this.emitKeepAlive(out, 'ping', 4);
              continue;
            }
            if (avail === 3 && s[at + 2] === 0x0d) break; // wait for the 4th octet
            if (this.loneCrlf) {
              // A ping split between two reads: its first half was reported as a pong
              // already; report the ping so that it is answered.
              this.emitKeepAlive(out, 'ping', 2);
              continue;
            }
            this.emitKeepAlive(out, 'pong', 2);
            if (this.end === this.start) this.loneCrlf = true;
            continue;
          }
        } else if (b0 === 0x0a) {
          // A bare LF before a start line: ignored like a CRLF (RFC 3261 §7.5).
          this.consume(1);
          continue;
        }
        this.loneCrlf = false;
      }
      if (this.total < 0) {
        const view = s.subarray(at, this.end);
        const he = findHeaderEnd(view, Math.max(0, this.scanned - 3));
        if (!he) {
          if (avail > this.limits.maxHeaderBytes + 4) return this.fail(out, 'header section too large');
          this.scanned = avail;
          break;
        }
        if (he.end > this.limits.maxHeaderBytes) return this.fail(out, 'header section too large');
        const header = view.subarray(0, he.bodyStart);
        const cl = contentLength(view.toString('latin1', 0, he.end));
        // RFC 4475 §3.1.2.3 and §3.3.9: negative, non-numeric or conflicting lengths end the stream.
        if (typeof cl === 'string') return this.fail(out, cl, header);
        if (cl > this.limits.maxBodyBytes) return this.fail(out, 'body too large', header);
        this.total = he.bodyStart + cl;
      }
      if (avail < this.total) break;
      out.push({ type: 'message', data: Buffer.from(s.subarray(at, at + this.total)) });
      this.consume(this.total);
      this.total = -1;
      this.scanned = 0;
    }
    this.settle();
    return out;
  }

  private emitKeepAlive(out: FrameEvent[], type: 'ping' | 'pong', octets: number): void {
    out.push({ type });
    this.consume(octets);
    this.loneCrlf = false;
  }

  private consume(n: number): void {
    this.start += n;
  }

  /** At the end of a push: nothing may point into the caller's chunk any more. */
  private settle(): void {
    const live = this.end - this.start;
    if (live === 0) {
      this.store = EMPTY;
      this.owned = false;
    } else if (!this.owned) {
      const own = Buffer.allocUnsafe(Math.max(2 * live, 4096));
      this.store.copy(own, 0, this.start, this.end);
      this.store = own;
      this.owned = true;
    } else {
      return;
    }
    this.start = 0;
    this.end = live;
  }

  private append(chunk: Buffer): void {
    if (this.start === this.end) {
      // Nothing waiting: read the caller's chunk in place; settle() copies what must wait.
      this.store = chunk;
      this.owned = false;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    const live = this.end - this.start;
    const need = live + chunk.length;
    if (this.end + chunk.length > this.store.length) {
      if (need <= this.store.length) {
        this.store.copyWithin(0, this.start, this.end);
      } else {
        // Grow geometrically so that a peer trickling one octet at a time costs linear time.
        const next = Buffer.allocUnsafe(Math.max(need, 2 * this.store.length));
        this.store.copy(next, 0, this.start, this.end);
        this.store = next;
      }
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
  }

  private fail(out: FrameEvent[], reason: string, data?: Buffer): FrameEvent[] {
    this.failed = true;
    out.push(data ? { type: 'error', reason, data: Buffer.from(data) } : { type: 'error', reason });
    this.store = EMPTY;
    this.owned = false;
    this.start = 0;
    this.end = 0;
    return out;
  }
}

/**
 * The Content-Length of a header section, read the way parseMessage reads it: header
 * names case-insensitive, compact `l`, whitespace around the colon, folded values.
 * Returns 0 when absent, or the reason it is unusable.
 */
function contentLength(head: string): number | string {
  let found: number | undefined;
  const n = head.length;
  let pos = head.indexOf('\n') + 1; // skip the start line
  if (pos === 0) return 0;
  let colonAt = -1; // the next ':' at or after the current line, searched forward only
  while (pos < n) {
    let nl = head.indexOf('\n', pos);
    if (nl < 0) nl = n;
    const lineStart = pos;
    pos = nl + 1;
    const c0 = head.charCodeAt(lineStart);
    if (c0 !== 0x43 && c0 !== 0x63 && c0 !== 0x4c && c0 !== 0x6c) continue; // C, c, L, l
    if (colonAt < lineStart) colonAt = head.indexOf(':', lineStart);
    if (colonAt < 0) break; // no colon left: no Content-Length either
    if (colonAt > nl) continue;
    const colon = colonAt;
    let nameEnd = colon;
    while (nameEnd > lineStart && (head.charCodeAt(nameEnd - 1) === 0x20 || head.charCodeAt(nameEnd - 1) === 0x09)) nameEnd--;
    const name = head.slice(lineStart, nameEnd).toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    let value = head.slice(colon + 1, nl);
    // Folded continuation lines belong to the value (RFC 3261 §7.3.1).
    while (pos < n && (head.charCodeAt(pos) === 0x20 || head.charCodeAt(pos) === 0x09)) {
      let next = head.indexOf('\n', pos);
      if (next < 0) next = n;
      value += ' ' + head.slice(pos, next);
      pos = next + 1;
    }
    const v = parseDigits(trimBlank(value), 0xffffffff);
    if (v === undefined) return 'bad Content-Length';
    if (found !== undefined && found !== v) return 'conflicting Content-Length';
    found = v;
  }
  return found ?? 0;
}

/** Without leading and trailing SP, HTAB and CR (a regex here could backtrack for long). */
function trimBlank(s: string): string {
  let a = 0;
  let b = s.length;
  const blank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d;
  while (a < b && blank(s.charCodeAt(a))) a++;
  while (b > a && blank(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}
