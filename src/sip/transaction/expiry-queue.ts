import type { Clock, TimerHandle } from '../../util/clock.js';

/**
 * Many timers of one fixed duration served by a single clock timer. Every entry waits
 * equally long, so insertion order is expiry order and the queue is a plain FIFO: about
 * 16 bytes per entry instead of a timer object and a closure each. Used for Timer J, which
 * every non-INVITE server transaction over UDP runs for 64*T1 (tens of thousands at once
 * under REGISTER load), and for the deadline on the TU's answer to a non-INVITE request.
 *
 * Entries cannot be removed early; `onExpire` must ignore an item that ended by other
 * means. It must not throw.
 */
export class ExpiryQueue<T> {
  private items: (T | undefined)[] = [];
  private due: number[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    readonly delayMs: number,
    private readonly onExpire: (item: T) => void,
  ) {}

  /** Entries not yet expired (including ones whose item has ended otherwise). */
  get size(): number {
    return this.items.length - this.head;
  }

  add(item: T): void {
    this.items.push(item);
    this.due.push(this.clock.now() + this.delayMs);
    if (!this.timer) this.arm();
  }

  /** Drop every entry without expiring it, and cancel the clock timer. */
  clear(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.items = [];
    this.due = [];
    this.head = 0;
  }

  private arm(): void {
    const wait = this.due[this.head]! - this.clock.now();
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, wait));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.head < this.items.length && this.due[this.head]! <= now) {
      const item = this.items[this.head]!;
      this.items[this.head] = undefined;
      this.head++;
      this.onExpire(item);
    }
    if (this.head >= this.items.length) {
      this.items = [];
      this.due = [];
      this.head = 0;
      return;
    }
    // Drop the consumed prefix now and then; amortised O(1) per entry.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.due.splice(0, this.head);
      this.head = 0;
    }
    this.arm();
  }
}
