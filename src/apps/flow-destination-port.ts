/**
 * A call-flow destination (src/model/flow-destination.ts) as the B2BUA's Destination
 * (src/model/routing-plan.ts): the same type, so this is the identity; kept as the one
 * named place where call flows hand a destination to the B2BUA.
 */
import type { FlowDestination } from '../model/flow-destination.js';
import type { Destination } from '../model/routing-plan.js';

export function toDestination(d: FlowDestination): Destination {
  return d;
}
