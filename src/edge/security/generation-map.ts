/**
 * A bounded map that forgets what is not used, in O(1) and without a timer: two
 * generations, `current` and `previous`. A lookup that finds a key in `previous`
 * moves it to `current`. The generations rotate (previous is dropped, current becomes
 * previous) when `idleMs` has passed since the last rotation, or at once when
 * `current` holds half of `maxSize`; so the map never holds more than maxSize keys.
 *
 * A time rotation drops only keys not touched for at least idleMs. A guard whose
 * entries carry no information after idleMs without traffic (a refilled bucket, an
 * expired window) therefore loses nothing to it. A capacity rotation (a spray of new
 * keys) may drop keys touched less than idleMs ago: but only those not touched since
 * the last rotation, and a source that keeps sending keeps its entry.
 */
export class GenerationMap<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  private rotatedAt: number;
  private readonly half: number;
  /** How many keys capacity rotations have dropped, ever. */
  capacityDrops = 0;

  constructor(
    readonly maxSize: number,
    private idleMs: number,
    now: number,
    private readonly onCapacity?: (dropped: number) => void,
  ) {
    this.half = Math.max(1, Math.floor(maxSize / 2));
    this.rotatedAt = now;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  setIdleMs(ms: number): void {
    this.idleMs = ms;
  }

  get(key: string, now: number): V | undefined {
    this.tick(now);
    const v = this.current.get(key);
    if (v !== undefined) return v;
    const old = this.previous.get(key);
    if (old === undefined) return undefined;
    this.previous.delete(key);
    this.insert(key, old, now);
    return old;
  }

  /** Add a key that get() just reported missing. */
  add(key: string, value: V, now: number): void {
    this.tick(now);
    this.insert(key, value, now);
  }

  delete(key: string): void {
    if (!this.current.delete(key)) this.previous.delete(key);
  }

  clear(): void {
    this.current = new Map();
    this.previous = new Map();
  }

  /** Rotate if idleMs has passed; get() and add() do this themselves. */
  tick(now: number): void {
    const since = now - this.rotatedAt;
    if (since < this.idleMs) {
      // A clock stepped backwards must not freeze rotation until it catches up.
      if (since < 0) this.rotatedAt = now;
      return;
    }
    if (since >= 2 * this.idleMs) {
      // Nothing in either generation was touched within idleMs.
      if (this.size > 0) this.clear();
    } else {
      this.previous = this.current;
      this.current = new Map();
    }
    this.rotatedAt = now;
  }

  private insert(key: string, value: V, now: number): void {
    if (this.current.size >= this.half) {
      const dropped = this.previous.size;
      this.previous = this.current;
      this.current = new Map();
      // Restart the idle clock, so that the next time rotation still drops only keys idle for idleMs.
      this.rotatedAt = now;
      if (dropped > 0) {
        this.capacityDrops += dropped;
        this.onCapacity?.(dropped);
      }
    }
    this.current.set(key, value);
  }
}
