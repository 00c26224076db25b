/**
 * A tenant's conference rooms: `conferences: [ { number, name?, pin?, maxParticipants? } ]`.
 * Validated with the tenant spec (a room number may not be an extension or a ring group
 * name of the tenant), kept in the tenant's settings as one JSON value (no table: a handful
 * of rooms, read per call into a room), and read back for `pbx tenant export`.
 */
import type { TenantStore } from '../store/tenant-store.js';

export interface ConferenceSpec {
  number: string;
  name?: string;
  pin?: string;
  maxParticipants?: number;
}

export const CONFERENCES_SETTING = 'conferences';
export const MAX_CONFERENCES = 1000;
export const MAX_CONFERENCE_PARTICIPANTS = 100;
/** Like an extension number: digits, 1 to 32. */
export const CONFERENCE_NUMBER_RE = /^[0-9]{1,32}$/;
export const CONFERENCE_PIN_RE = /^[0-9]{1,16}$/;
const NAME_RE = /^[^\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]{1,100}$/u;

/** Checks the rooms; `bad(path, message)` for each problem. Returns the valid rooms. */
export function validateConferences(list: unknown, taken: { extensions: ReadonlySet<string>; ringGroups: ReadonlySet<string> }, bad: (path: string, message: string) => void): ConferenceSpec[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    bad('conferences', 'must be a list');
    return [];
  }
  if (list.length > MAX_CONFERENCES) {
    bad('conferences', `at most ${MAX_CONFERENCES} rooms`);
    return [];
  }
  const out: ConferenceSpec[] = [];
  const seen = new Set<string>();
  list.forEach((c: Partial<ConferenceSpec> | null, i) => {
    const at = `conferences[${i}]`;
    if (typeof c !== 'object' || c === null) return bad(at, 'must be a mapping { number, name?, pin?, maxParticipants? }');
    let ok = true;
    if (typeof c.number !== 'string' || !CONFERENCE_NUMBER_RE.test(c.number)) {
      bad(`${at}.number`, 'must be 1-32 digits');
      ok = false;
    } else if (seen.has(c.number)) {
      bad(`${at}.number`, `room ${c.number} is listed twice`);
      ok = false;
    } else if (taken.extensions.has(c.number)) {
      bad(`${at}.number`, `${c.number} is an extension of this tenant`);
      ok = false;
    } else if (taken.ringGroups.has(c.number)) {
      bad(`${at}.number`, `${c.number} is a ring group of this tenant`);
      ok = false;
    }
    if (c.name !== undefined && (typeof c.name !== 'string' || !NAME_RE.test(c.name))) {
      bad(`${at}.name`, 'must be 1-100 characters of text');
      ok = false;
    }
    if (c.pin !== undefined && (typeof c.pin !== 'string' || !CONFERENCE_PIN_RE.test(c.pin))) {
      bad(`${at}.pin`, 'must be 1-16 digits');
      ok = false;
    }
    if (c.maxParticipants !== undefined && (!Number.isInteger(c.maxParticipants) || c.maxParticipants < 1 || c.maxParticipants > MAX_CONFERENCE_PARTICIPANTS)) {
      bad(`${at}.maxParticipants`, `must be a whole number from 1 to ${MAX_CONFERENCE_PARTICIPANTS}`);
      ok = false;
    }
    if (!ok) return;
    seen.add(c.number!);
    out.push({ number: c.number!, ...(c.name !== undefined ? { name: c.name } : {}), ...(c.pin !== undefined ? { pin: c.pin } : {}), ...(c.maxParticipants !== undefined ? { maxParticipants: c.maxParticipants } : {}) });
  });
  return out;
}

/** The rooms as stored; a damaged value reads as no rooms (never throws on the call path). */
export function readConferences(store: Pick<TenantStore, 'getSetting'>): ConferenceSpec[] {
  const raw = store.getSetting(CONFERENCES_SETTING);
  if (raw === undefined) return [];
  try {
    const list: unknown = JSON.parse(raw);
    const problems: string[] = [];
    const rooms = validateConferences(list, { extensions: new Set(), ringGroups: new Set() }, (p) => problems.push(p));
    return rooms;
  } catch {
    return [];
  }
}

/** The stored text of a list of rooms (what apply writes). */
export function conferencesJson(rooms: readonly ConferenceSpec[]): string {
  return JSON.stringify(rooms);
}
