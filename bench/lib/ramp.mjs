// The search for the highest rate that passes: climb in fixed steps until a step fails, then
// bisect between the last pass and the first failure down to `resolution`. Pure: the step itself
// is a callback, so the search can be tested without SIPp.

/**
 * @param {{ start: number, step: number, max: number, resolution: number, maxSteps: number,
 *           deadline: number, now?: () => number,
 *           runStep: (rate: number) => Promise<{ pass: boolean }> }} o
 * @returns {Promise<{ best: number, firstFail: number|undefined, steps: object[], stoppedBy: string }>}
 */
export async function findMaxRate(o) {
  const now = o.now ?? (() => Date.now());
  const steps = [];
  let best = 0;
  let firstFail;
  let stoppedBy = 'found';
  const budgetLeft = () => steps.length < o.maxSteps && now() < o.deadline;

  for (let rate = o.start; rate <= o.max; rate += o.step) {
    if (!budgetLeft()) return { best, firstFail, steps, stoppedBy: 'budget' };
    const r = await o.runStep(rate);
    steps.push({ rate, ...r });
    if (r.pass) best = rate;
    else {
      firstFail = rate;
      break;
    }
  }
  if (firstFail === undefined) return { best, firstFail, steps, stoppedBy: 'max' };

  let lo = best;
  let hi = firstFail;
  while (hi - lo > o.resolution) {
    if (!budgetLeft()) {
      stoppedBy = 'budget';
      break;
    }
    const mid = Math.round((lo + hi) / 2 / o.resolution) * o.resolution;
    if (mid <= lo || mid >= hi) break;
    const r = await o.runStep(mid);
    steps.push({ rate: mid, ...r });
    if (r.pass) lo = mid;
    else hi = mid;
  }
  return { best: lo, firstFail: hi, steps, stoppedBy };
}
