import type { Target } from '../sip/transport/types.js';
import { failoverStatus, type TrunkHandle } from './call-plan.js';
import type { CallStage, ForkTarget } from './fork-targets.js';

/**
 * The stages of an outbound call through its trunks, in order: one stage per target of
 * each trunk (RFC 3263: a trunk known by NAPTR/SRV has several, tried in turn), so
 * that a target failing with 503, a timeout or a transport error (RFC 3263 §4.3) is
 * followed by the next, and marked failed so that the next calls pass over it.
 *
 * A stage continues to the next after a server failure or a timeout (failoverStatus),
 * and after 488 when a later trunk takes other codecs than this one (its offer differs,
 * so the callee may accept it: RFC 3261 §21.4.26 says the offer was refused, not the call).
 */
export function trunkStages(trunks: readonly TrunkHandle[], forkTarget: (trunk: TrunkHandle, target: Target) => ForkTarget): CallStage[] {
  const stages: CallStage[] = [];
  trunks.forEach((trunk, i) => {
    const later = trunks.slice(i + 1);
    for (const target of trunk.targets ?? [trunk.target]) {
      stages.push({
        targets: [forkTarget(trunk, target)],
        continueAfter: (failures) => {
          if (failures.some((f) => f.status === 503 || f.status === 408)) trunk.markFailed?.(target);
          return failoverStatus(failures) || (notAcceptable(failures) && later.some((next) => !sameCodecs(trunk.codecs, next.codecs)));
        },
      });
    }
  });
  return stages;
}

function notAcceptable(failures: ReadonlyArray<{ status: number }>): boolean {
  return failures.length > 0 && failures.every((f) => f.status === 488 || f.status === 606);
}

/** Whether two trunks are offered the same codecs (undefined: every codec). */
export function sameCodecs(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const x = new Set(a.map((c) => c.toLowerCase()));
  const y = new Set(b.map((c) => c.toLowerCase()));
  return x.size === y.size && [...x].every((c) => y.has(c));
}
