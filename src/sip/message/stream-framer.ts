/**
 * Cuts a byte stream (TCP, TLS) into SIP messages using Content-Length
 * (RFC 3261 §18.3), with hard caps so that a peer can never make us buffer without
 * bound. Also recognises RFC 5626 §3.5.1 keep-alives: a double CRLF "ping" between
 * messages (answered by the transport with a single CRLF "pong"), and a lone CRLF.
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

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CL_RE = /^(?:content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/gim;

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private failed = false;

  constructor(private readonly limits: FramerLimits = DEFAULT_FRAMER_LIMITS) {}

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Feed a chunk; returns the events it completes, in order. */
  push(chunk: Buffer): FrameEvent[] {
    if (this.failed) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: FrameEvent[] = [];
    for (;;) {
      // Keep-alives between messages.
      if (this.buf.length >= 4 && this.buf[0] === 0x0d && this.buf[1] === 0x0a && this.buf[2] === 0x0d && this.buf[3] === 0x0a) {
        out.push({ type: 'ping' });
        this.buf = this.buf.subarray(4);
        continue;
      }
      if (this.buf.length >= 2 && this.buf[0] === 0x0d && this.buf[1] === 0x0a) {
        if (this.buf.length === 2) {
          // Could be the start of a ping; a lone CRLF at rest is a pong.
          out.push({ type: 'pong' });
          this.buf = Buffer.alloc(0);
          break;
        }
        if (this.buf.length === 3 && this.buf[2] === 0x0d) break; // wait for the 4th byte
        out.push({ type: 'pong' });
        this.buf = this.buf.subarray(2);
        continue;
      }
      if (this.buf.length === 1 && this.buf[0] === 0x0d) break;
      if (this.buf.length === 0) break;
      const end = this.buf.indexOf(CRLFCRLF);
      if (end < 0) {
        if (this.buf.length > this.limits.maxHeaderBytes) return this.fail(out, 'header section too large');
        break;
      }
      if (end > this.limits.maxHeaderBytes) return this.fail(out, 'header section too large');
      const head = this.buf.toString('latin1', 0, end);
      let cl = 0;
      let seen = 0;
      CL_RE.lastIndex = 0;
      for (let m = CL_RE.exec(head); m; m = CL_RE.exec(head)) {
        const v = m[1]!;
        // RFC 4475 §3.1.2.3 and §3.3.9: negative, non-numeric or conflicting lengths end the stream.
        if (!/^\d{1,10}$/.test(v)) return this.fail(out, 'bad Content-Length', this.buf.subarray(0, end + 4));
        const n = Number(v);
        if (seen > 0 && n !== cl) return this.fail(out, 'conflicting Content-Length', this.buf.subarray(0, end + 4));
        cl = n;
        seen++;
      }
      if (cl > this.limits.maxBodyBytes) return this.fail(out, 'body too large', this.buf.subarray(0, end + 4));
      const total = end + 4 + cl;
      if (this.buf.length < total) break;
      out.push({ type: 'message', data: Buffer.from(this.buf.subarray(0, total)) });
      this.buf = this.buf.subarray(total);
    }
    if (this.buf.length > 0 && this.buf.byteOffset > 0 && this.buf.buffer.byteLength > 4 * this.buf.length + 65536) {
      this.buf = Buffer.from(this.buf); // release the large backing store
    }
    return out;
  }

  private fail(out: FrameEvent[], reason: string, data?: Buffer): FrameEvent[] {
    this.failed = true;
    this.buf = Buffer.alloc(0);
    out.push(data ? { type: 'error', reason, data: Buffer.from(data) } : { type: 'error', reason });
    return out;
  }
}
