/**
 * Where a time condition of a tenant sends a call at an instant: its schedule read in the
 * tenant's time zone (UTC when it set none), with the condition's manual override. Only
 * the given tenant's store is read, so only its conditions exist here.
 */
import type { FlowDestination } from '../../model/flow-destination.js';
import { readCallFlows, readOverride, type TimeConditionOverride } from '../../store/call-flows-store.js';
import type { TenantStore } from '../../store/tenant-store.js';
import { isOpen } from './is-open.js';

export interface TimeConditionState {
  name: string;
  override: TimeConditionOverride;
  /** What the schedule and the override say now. */
  open: boolean;
  destination: FlowDestination;
}

/** The state of the condition `name` at `nowMs`; undefined when the tenant has none of that name. */
export function timeConditionState(store: Pick<TenantStore, 'getSetting'>, name: string, nowMs: number): TimeConditionState | undefined {
  const flows = readCallFlows(store);
  const c = flows.timeConditions.find((x) => x.name === name);
  if (!c) return undefined;
  const override = readOverride(store, name);
  const schedule = flows.schedules.find((s) => s.name === c.schedule);
  // Apply checks that the schedule exists; a stored document without it reads as always closed.
  const open = schedule ? isOpen(schedule, override, nowMs, flows.timezone ?? 'UTC') : override === 'open';
  return { name, override, open, destination: open ? c.open : c.closed };
}

/** Where the condition routes at `nowMs`; undefined when there is none of that name. */
export function routeTimeCondition(store: Pick<TenantStore, 'getSetting'>, name: string, nowMs: number): FlowDestination | undefined {
  return timeConditionState(store, name, nowMs)?.destination;
}
