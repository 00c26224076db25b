/**
 * Call park of a tenant (issue 12, point 3): `park: { slots: "701-720", timeoutSeconds:
 * 120, fallback: { extension: "1001" } }`. A call is parked by a blind transfer to a slot
 * number (or to the park feature code: the first free slot), retrieved by dialling the
 * slot from any extension of the tenant; after timeoutSeconds the PBX rings the parker
 * back, then the fallback (an extension or a ring group; absent or hangup: the call ends).
 * Plain data; no I/O.
 */

export type ParkFallback = { type: 'extension'; ext: string } | { type: 'ringGroup'; name: string } | { type: 'hangup' };

export interface ParkSettings {
  /** The first and last slot, as dialled (same number of digits). */
  first: string;
  last: string;
  timeoutSeconds: number;
  fallback?: ParkFallback;
}

export const MAX_PARK_SLOTS = 100;
export const PARK_TIMEOUT_SECONDS = { min: 5, max: 3600, default: 120 };

/** "701-720" → its first and last slot; a problem text when it is not such a range. */
export function parseSlotRange(text: unknown): { first: string; last: string } | string {
  if (typeof text !== 'string') return 'must be a range of slot numbers such as "701-720"';
  const m = /^([0-9]{1,8})-([0-9]{1,8})$/.exec(text.trim());
  if (!m) return 'must be a range of slot numbers such as "701-720"';
  const [first, last] = [m[1]!, m[2]!];
  if (first.length !== last.length) return 'both ends of the range have the same number of digits';
  const n = Number(last) - Number(first) + 1;
  if (n < 1) return 'the first slot comes before the last';
  if (n > MAX_PARK_SLOTS) return `at most ${MAX_PARK_SLOTS} slots`;
  return { first, last };
}

/** Every slot, in order. */
export function parkSlots(s: Pick<ParkSettings, 'first' | 'last'>): string[] {
  const out: string[] = [];
  for (let n = Number(s.first); n <= Number(s.last); n++) out.push(String(n).padStart(s.first.length, '0'));
  return out;
}

/** Whether `dialled` is one of the slots. */
export function isParkSlot(s: Pick<ParkSettings, 'first' | 'last'>, dialled: string): boolean {
  return dialled.length === s.first.length && /^[0-9]+$/.test(dialled) && Number(dialled) >= Number(s.first) && Number(dialled) <= Number(s.last);
}

/**
 * A number that looks like a slot of this range but is not one (same length, same first
 * digit, outside the range): a park to it is refused 404 rather than dialled.
 */
export function nearParkSlot(s: Pick<ParkSettings, 'first' | 'last'>, dialled: string): boolean {
  return dialled.length === s.first.length && /^[0-9]+$/.test(dialled) && dialled[0] === s.first[0] && !isParkSlot(s, dialled);
}

/**
 * Problems of a `park` value (the typed form), each at its key: the range, the timeout,
 * a fallback of another kind, a slot that is an extension of the tenant. `extensions`
 * undefined: the shape only (what the store holds was checked at apply).
 */
export function parkProblems(v: unknown, extensions: ReadonlySet<string> | undefined, ringGroups?: ReadonlySet<string>): Array<{ path: string; message: string }> {
  if (v === undefined) return [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [{ path: '', message: 'must be a mapping: { slots: "701-720", timeoutSeconds: 120, fallback: ... }' }];
  const p = v as Record<string, unknown>;
  const out: Array<{ path: string; message: string }> = [];
  for (const k of Object.keys(p)) if (!['first', 'last', 'timeoutSeconds', 'fallback'].includes(k)) out.push({ path: k, message: 'unknown key' });
  const range = typeof p['first'] === 'string' && typeof p['last'] === 'string' ? parseSlotRange(`${p['first']}-${p['last']}`) : 'must be a range of slot numbers such as "701-720"';
  if (typeof range === 'string') out.push({ path: 'slots', message: range });
  else if (extensions) for (const slot of parkSlots(range)) if (extensions.has(slot)) out.push({ path: 'slots', message: `slot ${slot} is an extension of this tenant` });
  const t = p['timeoutSeconds'];
  if (typeof t !== 'number' || !Number.isInteger(t) || t < PARK_TIMEOUT_SECONDS.min || t > PARK_TIMEOUT_SECONDS.max) out.push({ path: 'timeoutSeconds', message: `must be a whole number of seconds from ${PARK_TIMEOUT_SECONDS.min} to ${PARK_TIMEOUT_SECONDS.max}` });
  const f = p['fallback'] as { type?: unknown; ext?: unknown; name?: unknown } | undefined;
  if (f !== undefined) {
    if (f?.type === 'extension') {
      if (typeof f.ext !== 'string' || (extensions !== undefined && !extensions.has(f.ext))) out.push({ path: 'fallback', message: `${String(f.ext)} is not an extension of this tenant` });
    } else if (f?.type === 'ringGroup') {
      if (typeof f.name !== 'string' || (ringGroups !== undefined && !ringGroups.has(f.name))) out.push({ path: 'fallback', message: `${String(f.name)} is not a ring group of this tenant` });
    } else if (f?.type !== 'hangup') {
      out.push({ path: 'fallback', message: 'a parked call falls back to an extension, a ring group or hangup' });
    }
  }
  return out;
}
