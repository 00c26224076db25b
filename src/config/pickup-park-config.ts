/**
 * `pickupGroups:` of a tenant file (issue 12, call pickup): group names mapped to lists of
 * the tenant's extensions, e.g.
 *   pickupGroups:
 *     sales: [ "1001", "1002" ]
 * Whether each member is an extension of the file is checked with the whole file
 * (checkPickupGroups).
 */
import { isMap, isScalar, type Node } from 'yaml';
import { FIELDS } from '../model/field-rules.js';
import { MAX_PICKUP_GROUP_MEMBERS, MAX_PICKUP_GROUPS, PICKUP_GROUP_NAME } from '../model/pickup-groups.js';
import { sharedField } from './field-types.js';
import { childPath, deref, fail, int, INVALID, list, object, reject, Schema, str, type DecodeContext, type Invalid, type Where } from './schema.js';
import { PARK_TIMEOUT_SECONDS, parkProblems, parseSlotRange, type ParkFallback, type ParkSettings } from '../model/park-settings.js';
import { destination } from './destination.js';
import type { DestinationConfig } from './types.js';

class PickupGroupsSchema extends Schema<Record<string, string[]>> {
  private readonly members = list(sharedField(FIELDS.ext, { numbers: true }), { max: MAX_PICKUP_GROUP_MEMBERS, unique: { key: (e) => e, what: 'member' } });
  decode(node: Node, ctx: DecodeContext, path: string): Record<string, string[]> | Invalid {
    if (!isMap(node)) return fail(ctx, node, path, 'expected a mapping of group names to lists of extensions, e.g. sales: [ "1001", "1002" ]');
    if (node.items.length > MAX_PICKUP_GROUPS) return fail(ctx, node, path, `at most ${MAX_PICKUP_GROUPS} pickup groups`);
    const out: Record<string, string[]> = {};
    let ok = true;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const p = childPath(path, key);
      if (!PICKUP_GROUP_NAME.test(key)) {
        ok = false;
        fail(ctx, (pair.key as Node | null) ?? node, p, 'a pickup group name is 1-32 letters, digits, - or _');
        continue;
      }
      const value = deref(ctx, pair.value);
      if (value === null) {
        ok = false;
        fail(ctx, node, p, 'expected a list of extensions');
        continue;
      }
      const members = this.members.decode(value, ctx, p);
      if (members === INVALID) ok = false;
      else out[key] = members;
    }
    return ok ? out : INVALID;
  }
}

export const pickupGroupsSchema = () => new PickupGroupsSchema();

/** Each member of each group is an extension of the tenant. */
export function checkPickupGroups(t: { extensions: ReadonlyArray<{ ext: string }>; pickupGroups?: Readonly<Record<string, readonly string[]>> }, root: Where): void {
  const exts = new Set(t.extensions.map((e) => e.ext));
  for (const [name, members] of Object.entries(t.pickupGroups ?? {})) {
    members.forEach((m, i) => {
      if (!exts.has(m)) root.at('pickupGroups').at(name).at(i).report(`${m} is not an extension of this tenant`);
    });
  }
}

/**
 * `park: { slots: "701-720", timeoutSeconds: 120, fallback: { extension: "1001" } }`:
 * call park slots (src/model/park-settings.ts). The fallback is an extension, a ring group
 * or hangup (checkPark, with the whole file).
 */
export const parkSchema = () =>
  object({
    slots: str().to((v) => {
      const r = parseSlotRange(v);
      return typeof r === 'string' ? reject(r) : r;
    }),
    timeoutSeconds: int({ min: PARK_TIMEOUT_SECONDS.min, max: PARK_TIMEOUT_SECONDS.max }).default(PARK_TIMEOUT_SECONDS.default),
    fallback: destination().optional(),
  });

/** The typed form of a decoded `park:` (what apply takes). */
export function parkConfig(raw: { slots: { first: string; last: string }; timeoutSeconds: number; fallback?: DestinationConfig }): ParkSettings {
  return { first: raw.slots.first, last: raw.slots.last, timeoutSeconds: raw.timeoutSeconds, ...(raw.fallback ? { fallback: raw.fallback as ParkFallback } : {}) };
}

/** Slots that are extensions, a fallback of another kind or naming nothing of the tenant. */
export function checkPark(t: { extensions: ReadonlyArray<{ ext: string }>; ringGroups: ReadonlyArray<{ name: string }>; park?: { slots: { first: string; last: string }; timeoutSeconds: number; fallback?: DestinationConfig } }, root: Where): void {
  if (!t.park) return;
  for (const p of parkProblems(parkConfig(t.park), new Set(t.extensions.map((e) => e.ext)), new Set(t.ringGroups.map((g) => g.name)))) root.at('park').at(p.path).report(p.message);
}
