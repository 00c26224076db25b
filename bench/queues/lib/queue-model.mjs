// Pure arithmetic of the queue bench: what a run should look like (a first-come-first-served
// queue with N agents, callers arriving at a fixed rate, each waiting at most maxWait), so the
// bench can pick maxWaitSeconds for a target peak and the report can set the measured queue
// next to the expected one; and the caller accounting (offered = answered + overflowed + lost).

/**
 * Steps a deterministic queue in `stepMs` ticks: arrivals at `rate`/s for `seconds`, `agents`
 * agents each busy `ringSeconds + talkSeconds` per call, the oldest caller served first, a caller
 * older than `maxWaitSeconds` overflowed. Returns the peak number waiting and the totals.
 * @param {{ rate: number, seconds: number, agents: number, talkSeconds: number, ringSeconds: number, maxWaitSeconds: number, stepMs?: number }} p
 */
export function simulateQueue(p) {
  const step = (p.stepMs ?? 100) / 1000;
  const busyFor = p.ringSeconds + p.talkSeconds;
  /** arrival times of the callers waiting, oldest first */
  const waiting = [];
  let head = 0;
  /** when each agent is free again */
  const agents = new Array(p.agents).fill(0);
  let offered = 0;
  let answered = 0;
  let overflowed = 0;
  let peak = 0;
  let peakAt = 0;
  let due = 0;
  const end = p.seconds + p.maxWaitSeconds + busyFor + 1;
  for (let i = 0; i * step <= end; i++) {
    const t = i * step;
    if (t < p.seconds) {
      due += p.rate * step;
      while (due >= 1 - 1e-9) {
        waiting.push(t);
        offered++;
        due -= 1;
      }
    }
    while (head < waiting.length && t - waiting[head] >= p.maxWaitSeconds) {
      head++;
      overflowed++;
    }
    for (let a = 0; a < agents.length && head < waiting.length; a++) {
      if (agents[a] <= t) {
        agents[a] = t + busyFor;
        head++;
        answered++;
      }
    }
    const n = waiting.length - head;
    if (n > peak) {
      peak = n;
      peakAt = t;
    }
  }
  return { offered, answered, overflowed, peakWaiting: peak, peakAtSeconds: Math.round(peakAt * 10) / 10 };
}

/** The smallest whole maxWaitSeconds (1-600) whose simulated peak reaches `target` waiting callers. */
export function maxWaitFor(target, p) {
  for (let w = 1; w <= 600; w++) if (simulateQueue({ ...p, maxWaitSeconds: w }).peakWaiting >= target) return w;
  return 600;
}

/**
 * Every caller must end answered by an agent or overflowed: lost = offered - answered - overflowed,
 * with `answered` the calls the agents completed and `overflowed` the queue's own count; a caller
 * whose call did not end in a BYE from the PBX (SIPp failure) is lost as well.
 * @param {{ offered: number, callersCompleted: number, agentCalls: number, stats: { answered: number, overflowed: number, abandoned: number } }} r
 */
export function accountCallers(r) {
  const byQueue = r.offered - r.agentCalls - r.stats.overflowed;
  const lost = Math.max(byQueue, r.offered - r.callersCompleted, 0);
  const problems = [];
  if (r.stats.answered !== r.agentCalls) problems.push(`the queue counted ${r.stats.answered} answered, the agents completed ${r.agentCalls}`);
  if (r.stats.abandoned > 0) problems.push(`${r.stats.abandoned} callers abandoned (the callers never hang up)`);
  if (byQueue < 0) problems.push(`answered + overflowed exceeds the offered calls by ${-byQueue}`);
  return { offered: r.offered, answered: r.agentCalls, overflowed: r.stats.overflowed, lost, problems };
}
