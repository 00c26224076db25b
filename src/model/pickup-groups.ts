/**
 * Call pickup groups of a tenant (issue 12, point 2): `pickupGroups: { sales: ["1001",
 * "1002"], support: [...] }` in the tenant YAML and the API. An extension may be in
 * several groups; group pickup (`*8`) from an extension takes a call ringing any OTHER
 * member of any group it belongs to. Directed pickup (`**<ext>`) needs no group. Plain
 * data; no I/O.
 */
import { FIELDS, checkField } from './field-rules.js';

export type PickupGroups = Readonly<Record<string, readonly string[]>>;

/** Group names: like a ring group's name (letters, digits, '-', '_'), 1-32 characters. */
export const PICKUP_GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
export const MAX_PICKUP_GROUPS = 200;
export const MAX_PICKUP_GROUP_MEMBERS = 500;

/** The extensions whose ringing calls `ext` may pick up by group pickup (never itself). */
export function pickupPeers(groups: PickupGroups, ext: string): Set<string> {
  const out = new Set<string>();
  for (const members of Object.values(groups)) {
    if (!members.includes(ext)) continue;
    for (const m of members) if (m !== ext) out.add(m);
  }
  return out;
}

/**
 * Problems of a `pickupGroups` value, each at its path below the section (`sales`,
 * `sales.1`): not a mapping, a bad name, a member that is not an extension of the tenant,
 * a member twice, too many.
 */
export function pickupGroupProblems(v: unknown, extensions: ReadonlySet<string>): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  if (v === undefined) return out;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [{ path: '', message: 'must be a mapping of group names to lists of extensions' }];
  const entries = Object.entries(v);
  if (entries.length > MAX_PICKUP_GROUPS) out.push({ path: '', message: `at most ${MAX_PICKUP_GROUPS} pickup groups` });
  for (const [name, members] of entries) {
    if (!PICKUP_GROUP_NAME.test(name)) out.push({ path: name, message: 'a group name is 1-32 letters, digits, - or _' });
    if (!Array.isArray(members)) {
      out.push({ path: name, message: 'must be a list of extensions' });
      continue;
    }
    if (members.length > MAX_PICKUP_GROUP_MEMBERS) out.push({ path: name, message: `at most ${MAX_PICKUP_GROUP_MEMBERS} members` });
    const seen = new Set<string>();
    members.forEach((m: unknown, i) => {
      const problem = checkField(FIELDS.ext, m);
      if (problem !== undefined) out.push({ path: `${name}.${i}`, message: problem });
      else if (!extensions.has(m as string)) out.push({ path: `${name}.${i}`, message: `${String(m)} is not an extension of this tenant` });
      else if (seen.has(m as string)) out.push({ path: `${name}.${i}`, message: `${String(m)} is listed twice` });
      seen.add(m as string);
    });
  }
  return out;
}
