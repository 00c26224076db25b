/**
 * The one place a call-flow destination (src/model/flow-destination.ts, the full union the
 * call-flows helpers agreed on) is handed to the B2BUA's Destination type. Until
 * src/tenant/routing-plan.ts is widened to the same union (helper dest-feat), the B2BUA's
 * type is narrower, so this is a cast; once widened, the two are the same type and the cast
 * does nothing.
 */
import type { FlowDestination } from '../model/flow-destination.js';
import type { Destination } from '../tenant/routing-plan.js';

export function toDestination(d: FlowDestination): Destination {
  return d as unknown as Destination;
}
