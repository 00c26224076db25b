import { MediaError } from './media-error.js';

/**
 * RTP ports: even ports with RTCP on the next odd one (RFC 3550 §11), handed out from
 * `rtp.ports`. Each media worker owns one slice of the range (splitPortRange) and one
 * PortAllocator over it, so no two workers ever hand out the same port.
 *
 * Pure (no I/O): the worker passes its bind function to allocate().
 */
export interface PortRange {
  portMin: number;
  portMax: number;
}

/** The even ports p in [portMin, portMax] with p + 1 also in range. */
function pairCount(r: PortRange): number {
  const first = firstEven(r.portMin);
  return first + 1 > r.portMax ? 0 : Math.floor((r.portMax - first - 1) / 2) + 1;
}

function firstEven(p: number): number {
  return p % 2 === 0 ? p : p + 1;
}

/**
 * Split a range into `parts` slices of whole RTP/RTCP pairs that do not overlap; the
 * first slices get one pair more when the pairs do not divide evenly.
 */
export function splitPortRange(range: PortRange, parts: number): PortRange[] {
  const pairs = pairCount(range);
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`cannot split ports into ${parts} parts`);
  if (pairs < parts) throw new RangeError(`ports ${range.portMin}-${range.portMax} hold ${pairs} RTP/RTCP pairs, fewer than ${parts} workers`);
  const out: PortRange[] = [];
  let next = firstEven(range.portMin);
  for (let i = 0; i < parts; i++) {
    const n = Math.floor(pairs / parts) + (i < pairs % parts ? 1 : 0);
    out.push({ portMin: next, portMax: next + 2 * n - 1 });
    next += 2 * n;
  }
  return out;
}

/** Bind errors that mean "someone else has this port": skip to the next one. */
const PORT_TAKEN = new Set(['EADDRINUSE', 'EACCES']);

/**
 * A FIFO of free even ports over one range. A port in use is never handed out again
 * until released, and a released port goes to the back of the queue, so a late packet
 * for a call that just ended does not reach the next call at once.
 */
export class PortAllocator {
  readonly capacity: number;
  private readonly first: number;
  /** Ring buffer of free ports; `head` is the next to hand out. */
  private readonly ring: Int32Array;
  private head = 0;
  private count: number;
  private readonly used: Uint8Array;

  constructor(readonly range: PortRange) {
    this.capacity = pairCount(range);
    this.first = firstEven(range.portMin);
    this.ring = new Int32Array(this.capacity);
    for (let i = 0; i < this.capacity; i++) this.ring[i] = this.first + 2 * i;
    this.count = this.capacity;
    this.used = new Uint8Array(this.capacity);
  }

  get free(): number {
    return this.count;
  }

  get inUse(): number {
    return this.capacity - this.count;
  }

  isInUse(port: number): boolean {
    const i = this.indexOf(port);
    return i >= 0 && this.used[i] === 1;
  }

  /** The next free RTP port, now in use. Throws MediaError('ports-exhausted'). */
  take(): number {
    if (this.count === 0) throw new MediaError('ports-exhausted', `no free RTP port in ${this.range.portMin}-${this.range.portMax}`);
    const port = this.ring[this.head];
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.used[(port - this.first) / 2] = 1;
    return port;
  }

  /** Give a port back (to the end of the queue). False for a port that was not in use. */
  release(port: number): boolean {
    const i = this.indexOf(port);
    if (i < 0 || this.used[i] === 0) return false;
    this.used[i] = 0;
    this.ring[(this.head + this.count) % this.capacity] = port;
    this.count++;
    return true;
  }

  /**
   * Take ports until `bind` succeeds on one. A port that another process holds
   * (EADDRINUSE, EACCES) goes back to the end of the queue and the next is tried;
   * any other bind error is thrown as it is. Each free port is tried at most once.
   */
  async allocate<T>(bind: (rtpPort: number) => Promise<T>): Promise<{ port: number; value: T }> {
    let skipped = 0;
    const attempts = this.count;
    for (let i = 0; i < attempts; i++) {
      const port = this.take();
      try {
        return { port, value: await bind(port) };
      } catch (err) {
        this.release(port);
        if (!PORT_TAKEN.has((err as { code?: string } | undefined)?.code ?? '')) throw err;
        skipped++;
      }
    }
    const why = skipped > 0 ? ` (${skipped} held by another process)` : '';
    throw new MediaError('ports-exhausted', `no free RTP port in ${this.range.portMin}-${this.range.portMax}${why}`);
  }

  private indexOf(port: number): number {
    const off = port - this.first;
    if (!Number.isInteger(port) || off < 0 || off % 2 !== 0 || off / 2 >= this.capacity) return -1;
    return off / 2;
  }
}
