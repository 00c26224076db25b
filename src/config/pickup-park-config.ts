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
import { childPath, deref, fail, INVALID, list, Schema, type DecodeContext, type Invalid, type Where } from './schema.js';

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
