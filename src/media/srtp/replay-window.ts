/**
 * The replay list of RFC 3711 §3.3.2: the highest index authenticated so far and a
 * sliding window of the WINDOW indexes below it, each marked when seen. An index above
 * the top is new; one inside the window is new unless marked; one below it is too old
 * (dropped as a replay, §3.3.2: "packets with index ... older than the window ... are
 * rejected"). check() only looks; accept() records, and is called after the packet
 * authenticated, so a forged packet cannot move the window.
 */
export const REPLAY_WINDOW = 128;

export class ReplayWindow {
  /** Highest index accepted; -1 before the first. */
  top = -1;
  private readonly seen = new Uint8Array(REPLAY_WINDOW);

  /** true when `index` has not been seen and is not older than the window. */
  check(index: number): boolean {
    if (this.top < 0 || index > this.top) return true;
    const delta = this.top - index;
    if (delta >= REPLAY_WINDOW) return false;
    return this.seen[index % REPLAY_WINDOW] === 0;
  }

  accept(index: number): void {
    if (index > this.top) {
      const advance = this.top < 0 ? REPLAY_WINDOW : index - this.top;
      if (advance >= REPLAY_WINDOW) this.seen.fill(0);
      else for (let i = this.top + 1; i <= index; i++) this.seen[i % REPLAY_WINDOW] = 0;
      this.top = index;
    }
    this.seen[index % REPLAY_WINDOW] = 1;
  }

  reset(): void {
    this.top = -1;
    this.seen.fill(0);
  }
}
