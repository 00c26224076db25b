/**
 * A bounded FIFO of datagrams read from the UDP sockets and not yet handled, each with
 * the time it was read. It exists for overload control (issue 13, point 4): the kernel's
 * receive buffer hides how far behind the SIP thread is, while the age of the oldest
 * entry here is exactly that lag (the queueing delay a request suffers before anyone
 * looks at it). At the cap, a new datagram is refused unread: memory stays bounded.
 */
export class ReceiveQueue<T> {
  private readonly items: Array<T | undefined>;
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('receive queue capacity must be a positive integer');
    this.items = new Array<T | undefined>(capacity);
    this.times = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Appends; false (nothing kept) when the queue is full. */
  push(item: T, at: number): boolean {
    if (this.count === this.capacity) return false;
    const i = (this.head + this.count) % this.capacity;
    this.items[i] = item;
    this.times[i] = at;
    this.count++;
    return true;
  }

  /** The oldest entry, or undefined when empty. */
  shift(): { item: T; at: number } | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head] as T;
    const at = this.times[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return { item, at };
  }

  /** How long the oldest entry has waited at `now` (0 when empty). */
  oldestAge(now: number): number {
    return this.count === 0 ? 0 : Math.max(0, now - this.times[this.head]);
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}
