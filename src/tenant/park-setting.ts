/**
 * A tenant's call park settings in its store: one settings row `park` holding the JSON of
 * ParkSettings (src/model/park-settings.ts), written by apply, read by the B2BUA at each
 * park and retrieval. No row, or one that does not read: the tenant has no park slots.
 */
import { parkProblems, type ParkSettings } from '../model/park-settings.js';

export const PARK_SETTING = 'park';

export function readParkSettings(store: { getSetting(key: string): string | undefined }): ParkSettings | undefined {
  const raw = store.getSetting(PARK_SETTING);
  if (raw === undefined || raw === '') return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (parkProblems(v, undefined).length > 0) return undefined;
    return v as ParkSettings;
  } catch {
    return undefined;
  }
}

/** Checks a spec's `park` at `park.<key>`; returns the row's text, undefined for none (or after reporting). */
export function validateParkSpec(v: unknown, extensions: Iterable<string>, ringGroups: Iterable<string>, bad: (path: string, message: string) => void): string | undefined {
  if (v === undefined) return undefined;
  const problems = parkProblems(v, new Set(extensions), new Set(ringGroups));
  for (const p of problems) bad(p.path === '' ? 'park' : `park.${p.path}`, p.message);
  if (problems.length > 0) return undefined;
  const s = v as ParkSettings;
  return JSON.stringify({ first: s.first, last: s.last, timeoutSeconds: s.timeoutSeconds, ...(s.fallback ? { fallback: s.fallback } : {}) });
}
