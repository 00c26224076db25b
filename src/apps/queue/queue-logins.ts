/**
 * Which agents are logged in to which queue of a tenant: one JSON setting of the tenant's
 * store, written by the feature codes (queueLogin *45, queueLogout *46) and the API, read
 * at each offer. Only an extension a queue lists under `agents:` can be logged in to it;
 * logins of an agent no longer listed are ignored (and dropped at the next write).
 */
import type { CallQueue } from '../../model/call-queue.js';
import type { TenantStore } from '../../store/tenant-store.js';

export const QUEUE_LOGINS_SETTING = 'queues.logins';

type Store = Pick<TenantStore, 'getSetting' | 'setSetting'>;

export function readLogins(store: Pick<TenantStore, 'getSetting'>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const text = store.getSetting(QUEUE_LOGINS_SETTING);
  if (text === undefined) return out;
  try {
    const o: unknown = JSON.parse(text);
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return out;
    for (const [q, list] of Object.entries(o)) {
      if (Array.isArray(list)) out.set(q, new Set(list.filter((x): x is string => typeof x === 'string')));
    }
  } catch {
    // A damaged value: nobody logged in.
  }
  return out;
}

/** The agents of `q` logged in now (static members not included). */
export function loggedInAgents(store: Pick<TenantStore, 'getSetting'>, q: CallQueue): string[] {
  const set = readLogins(store).get(q.name);
  return set ? q.agents.filter((a) => set.has(a.ext)).map((a) => a.ext) : [];
}

/** Logs `ext` in or out of those of `queues` that list it as an agent; returns their names (empty: none did). */
export function setLogin(store: Store, queues: readonly CallQueue[], ext: string, on: boolean): string[] {
  const all = readLogins(store);
  const touched: string[] = [];
  for (const q of queues) {
    if (!q.agents.some((a) => a.ext === ext)) continue;
    const set = all.get(q.name) ?? new Set<string>();
    if (on) set.add(ext);
    else set.delete(ext);
    all.set(q.name, set);
    touched.push(q.name);
  }
  if (touched.length === 0) return touched;
  const obj: Record<string, string[]> = {};
  for (const [name, set] of [...all].sort(([a], [b]) => a.localeCompare(b))) if (set.size > 0) obj[name] = [...set].sort();
  store.setSetting(QUEUE_LOGINS_SETTING, JSON.stringify(obj));
  return touched;
}
