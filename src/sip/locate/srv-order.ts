/** An SRV record as the ordering needs it. */
export interface SrvChoice {
  priority: number;
  weight: number;
}

/**
 * The order in which to try SRV targets (RFC 2782, "Usage rules"): lowest priority
 * first; within one priority, a weighted random draw repeated until none is left —
 * the records with weight 0 placed first, a number drawn uniformly in [0, sum of
 * weights], and the first record whose running sum reaches it taken. `random` is
 * [0, 1) like Math.random, injected so that tests are repeatable.
 */
export function orderSrv<T extends SrvChoice>(records: readonly T[], random: () => number = Math.random): T[] {
  const byPriority = new Map<number, T[]>();
  for (const r of records) {
    const list = byPriority.get(r.priority) ?? [];
    list.push(r);
    byPriority.set(r.priority, list);
  }
  const out: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const group = byPriority.get(priority)!;
    const left = [...group.filter((r) => r.weight === 0), ...group.filter((r) => r.weight !== 0)];
    while (left.length > 0) {
      const sum = left.reduce((s, r) => s + r.weight, 0);
      const draw = Math.floor(clamp01(random()) * (sum + 1));
      let running = 0;
      let index = left.length - 1;
      for (let i = 0; i < left.length; i++) {
        running += left[i]!.weight;
        if (running >= draw) {
          index = i;
          break;
        }
      }
      out.push(left.splice(index, 1)[0]!);
    }
  }
  return out;
}

function clamp01(x: number): number {
  const n = Number(x);
  return Number.isFinite(n) ? Math.min(Math.max(n, 0), 0.999999999) : 0;
}

/** A repeatable [0, 1) generator (mulberry32) for tests and for anyone who wants one. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
