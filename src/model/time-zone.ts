/**
 * IANA time zone names (`timezone:` of a tenant), checked against the time-zone database
 * that ships with Node's Intl (ICU): a name Intl does not know is refused, so a typo
 * ("Europe/Berln") fails when the tenant is applied, not at 3 a.m. on a call. Pure.
 */

/** Names only: letters, digits, '_', '+', '-' and '/' (no UTC offsets like "+01:00"). */
const ZONE_NAME_RE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

let known: Set<string> | undefined;

/** True when `name` is a time zone Intl can compute local time in. */
export function isTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || !ZONE_NAME_RE.test(name)) return false;
  known ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (known.has(name)) return true;
  // Aliases ("UTC", "Etc/GMT+1", "Asia/Calcutta") are not all listed but are real zones.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const TIME_ZONE_PROBLEM = 'is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)';
