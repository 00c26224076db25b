/**
 * A tenant's pickup groups in its store: one settings row `pickupGroups` holding the JSON
 * mapping (group name → member extensions), written by apply (the YAML) and the API, read
 * by the B2BUA at each pickup. A row that does not read as groups counts as none.
 */
import { pickupGroupProblems, type PickupGroups } from '../model/pickup-groups.js';

export const PICKUP_GROUPS_SETTING = 'pickupGroups';

export function readPickupGroups(store: { getSetting(key: string): string | undefined }): PickupGroups {
  const raw = store.getSetting(PICKUP_GROUPS_SETTING);
  if (raw === undefined || raw === '') return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    const out: Record<string, string[]> = {};
    for (const [name, members] of Object.entries(v)) if (Array.isArray(members)) out[name] = members.filter((m): m is string => typeof m === 'string');
    return out;
  } catch {
    return {};
  }
}

/** The row apply writes: undefined (no row) for no groups. */
export function pickupGroupsSetting(groups: PickupGroups | undefined): string | undefined {
  return groups && Object.keys(groups).length > 0 ? JSON.stringify(groups) : undefined;
}

/** Checks a spec's `pickupGroups` at `pickupGroups.<name>.<i>`; returns the groups, or undefined after reporting. */
export function validatePickupGroupsSpec(v: unknown, extensions: Iterable<string>, bad: (path: string, message: string) => void): PickupGroups | undefined {
  if (v === undefined) return {};
  const problems = pickupGroupProblems(v, new Set(extensions));
  for (const p of problems) bad(p.path === '' ? 'pickupGroups' : `pickupGroups.${p.path}`, p.message);
  return problems.length > 0 ? undefined : (v as PickupGroups);
}
