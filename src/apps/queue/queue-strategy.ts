/**
 * Which free agent(s) of a queue ring next. Only the free agents with the lowest penalty are
 * candidates (a higher penalty rings only when every lower one is busy, in wrap-up, rung
 * already for this caller, or has no phone). Among them:
 *   ringall      every candidate at once
 *   roundrobin   the next one after the agent picked last, in the queue's member order
 *   leastrecent  the one whose last queue call ended longest ago (never: first)
 *   fewestcalls  the one who answered the fewest calls of this queue
 *   random       any one
 * Ties go to member order. Pure: the random source is given.
 */
import type { QueueStrategy } from '../../model/call-queue.js';

export interface AgentView {
  ext: string;
  penalty: number;
  /** Position in the queue's member list (members, then agents). */
  order: number;
  /** When this agent's last call of this queue ended; undefined: never. */
  lastEndedAt?: number;
  /** Calls of this queue the agent answered. */
  answered: number;
}

/** The candidates: free agents of the lowest penalty. */
export function lowestPenalty(free: readonly AgentView[]): AgentView[] {
  if (free.length === 0) return [];
  const min = Math.min(...free.map((a) => a.penalty));
  return free.filter((a) => a.penalty === min).sort((a, b) => a.order - b.order);
}

/**
 * The extensions to ring for one attempt (empty when nobody is free).
 * `lastOrder`: the member order of the agent roundrobin picked last (undefined: none yet).
 */
export function chooseAgents(strategy: QueueStrategy, free: readonly AgentView[], lastOrder: number | undefined, random: () => number): string[] {
  const c = lowestPenalty(free);
  if (c.length === 0) return [];
  switch (strategy) {
    case 'ringall':
      return c.map((a) => a.ext);
    case 'roundrobin': {
      const next = lastOrder === undefined ? undefined : c.find((a) => a.order > lastOrder);
      return [(next ?? c[0]!).ext];
    }
    case 'leastrecent':
      return [pickMin(c, (a) => a.lastEndedAt ?? Number.NEGATIVE_INFINITY).ext];
    case 'fewestcalls':
      return [pickMin(c, (a) => a.answered).ext];
    case 'random': {
      const i = Math.min(c.length - 1, Math.floor(random() * c.length));
      return [c[i]!.ext];
    }
  }
}

function pickMin(list: readonly AgentView[], key: (a: AgentView) => number): AgentView {
  let best = list[0]!;
  for (const a of list) if (key(a) < key(best)) best = a;
  return best;
}
