/**
 * Where a tenant's call flows live in its store: the checked document (timezone, schedules,
 * time conditions, IVR menus) as one JSON setting written by apply and by the API, like the
 * conference rooms; and the manual overrides of its time conditions (forced open / closed)
 * as another, written by the API and the feature code, never by apply (an override is an
 * act of the moment, not configuration, so re-applying the YAML keeps it).
 */
import { EMPTY_CALL_FLOWS, parseCallFlows, type CallFlows } from '../model/call-flows.js';
import type { TenantStore } from './tenant-store.js';

export const CALL_FLOWS_SETTING = 'callFlows';
export const TIME_CONDITION_OVERRIDES_SETTING = 'timeConditions.overrides';

export type TimeConditionOverride = 'auto' | 'open' | 'closed';

/** The stored text of a document; undefined when it sets nothing (the setting is then removed). */
export function callFlowsJson(f: CallFlows): string | undefined {
  if (f.timezone === undefined && f.schedules.length + f.timeConditions.length + f.ivrs.length + (f.queues?.length ?? 0) === 0) return undefined;
  return JSON.stringify(f);
}

/** The document as stored; none, or a damaged value, reads as empty (never throws on the call path). */
export function readCallFlows(store: Pick<TenantStore, 'getSetting'>): CallFlows {
  const text = store.getSetting(CALL_FLOWS_SETTING);
  if (text === undefined) return EMPTY_CALL_FLOWS;
  try {
    let problems = 0;
    const f = parseCallFlows(JSON.parse(text) as Record<string, unknown>, undefined, () => problems++);
    return problems === 0 ? f : EMPTY_CALL_FLOWS;
  } catch {
    return EMPTY_CALL_FLOWS;
  }
}

/** Every override set (conditions on auto are absent). */
export function readOverrides(store: Pick<TenantStore, 'getSetting'>): Map<string, 'open' | 'closed'> {
  const out = new Map<string, 'open' | 'closed'>();
  const text = store.getSetting(TIME_CONDITION_OVERRIDES_SETTING);
  if (text === undefined) return out;
  try {
    const o: unknown = JSON.parse(text);
    if (typeof o === 'object' && o !== null) {
      for (const [k, v] of Object.entries(o)) if (v === 'open' || v === 'closed') out.set(k, v);
    }
  } catch {
    // A damaged value: every condition on auto.
  }
  return out;
}

export function readOverride(store: Pick<TenantStore, 'getSetting'>, name: string): TimeConditionOverride {
  return readOverrides(store).get(name) ?? 'auto';
}

/** Sets (or clears, with 'auto') the override of one condition; the caller checked that it exists. */
export function writeOverride(store: Pick<TenantStore, 'getSetting' | 'setSetting'>, name: string, mode: TimeConditionOverride): void {
  const all = readOverrides(store);
  if (mode === 'auto') all.delete(name);
  else all.set(name, mode);
  store.setSetting(TIME_CONDITION_OVERRIDES_SETTING, JSON.stringify(Object.fromEntries([...all].sort(([a], [b]) => a.localeCompare(b)))));
}
