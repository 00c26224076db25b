/**
 * The ITU-T E.164 country calling code of an international number. Codes are 1-3 digits
 * and prefix-free (no code is the start of another), so the first digits decide: zones 1
 * (NANP) and 7 (Russia, Kazakhstan) are one digit, the codes below are two, and every
 * other code is three (ITU-T E.164 Annex, "List of ITU-T Recommendation E.164 assigned
 * country codes").
 */
const TWO_DIGIT_CODES: ReadonlySet<string> = new Set([
  '20', '27',
  '30', '31', '32', '33', '34', '36', '39',
  '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58',
  '60', '61', '62', '63', '64', '65', '66',
  '81', '82', '84', '86',
  '90', '91', '92', '93', '94', '95', '98',
]);

/** The country code (without '+') of '+' followed by digits; '' for anything else. */
export function countryCodeOf(e164: string): string {
  if (typeof e164 !== 'string' || !/^\+[1-9][0-9]/.test(e164)) return '';
  const d = e164.slice(1);
  if (d[0] === '1' || d[0] === '7') return d[0];
  const two = d.slice(0, 2);
  if (TWO_DIGIT_CODES.has(two)) return two;
  return d.length >= 3 ? d.slice(0, 3) : '';
}

/** A country calling code as a tenant configures it: 1-3 digits, not starting with 0. */
export function isCountryCode(v: unknown): v is string {
  return typeof v === 'string' && /^[1-9][0-9]{0,2}$/.test(v);
}
