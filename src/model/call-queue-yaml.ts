/** A queue as `pbx tenant export` writes it: defaults left out, members as plain numbers when they have no penalty. Pure. */
import { QUEUE_DEFAULTS, type CallQueue, type QueueMember } from './call-queue.js';
import { flowDestinationYaml } from './flow-destination.js';

function memberYaml(m: QueueMember): unknown {
  return m.penalty === 0 ? m.ext : { ext: m.ext, penalty: m.penalty };
}

export function callQueueYaml(q: CallQueue): Record<string, unknown> {
  const out: Record<string, unknown> = { name: q.name };
  if (q.number !== undefined) out['number'] = q.number;
  out['strategy'] = q.strategy;
  if (q.members.length > 0) out['members'] = q.members.map(memberYaml);
  if (q.agents.length > 0) out['agents'] = q.agents.map(memberYaml);
  for (const k of ['ringSeconds', 'wrapUpSeconds', 'maxWaitSeconds', 'maxLength', 'joinEmpty', 'announceSeconds', 'serviceLevelSeconds'] as const) {
    if (q[k] !== QUEUE_DEFAULTS[k]) out[k] = q[k];
  }
  if (q.overflow) out['overflow'] = flowDestinationYaml(q.overflow);
  return out;
}
