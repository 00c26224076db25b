/**
 * Premium-rate and other expensive number ranges that toll fraud is known to target. The
 * table is deliberately small: a few well-known ranges per country and the international
 * networks, each with a note. Anything in it is 'premium' whatever the tenant's country:
 * a German tenant dialling +1900… is calling a US premium number, not merely an
 * international one.
 *
 * A prefix is compared character by character with the start of an E.164 number; 'X'
 * stands for any one digit (so '+1XXX976' is exchange 976 in any NANP area).
 */

export interface PremiumRange {
  /** E.164 prefix, '+' then digits and 'X'. */
  readonly prefix: string;
  readonly note: string;
}

export const PREMIUM_RANGES: readonly PremiumRange[] = [
  // North American Numbering Plan
  { prefix: '+1900', note: 'NANP 900 premium-rate service' },
  { prefix: '+1976', note: 'NANP 976 (as an area code; unassigned, kept fail-closed)' },
  { prefix: '+1XXX976', note: 'NANP 976 exchanges: the historic local premium (pay-per-call) lines' },
  // United Kingdom
  { prefix: '+449', note: 'UK 09 premium-rate services' },
  { prefix: '+4487', note: 'UK 087 revenue-sharing non-geographic numbers (0870-0873)' },
  // Germany
  { prefix: '+49900', note: 'DE 0900 premium-rate services' },
  { prefix: '+49137', note: 'DE 0137 mass-call / televoting services' },
  { prefix: '+49118', note: 'DE 118xx directory enquiries' },
  // France
  { prefix: '+3389', note: 'FR 089x premium-rate services (0899 the dearest)' },
  // Australia
  { prefix: '+61190', note: 'AU 190x premium-rate services' },
  // International networks, not any one country: billed at premium or satellite rates
  { prefix: '+870', note: 'Inmarsat SNAC (satellite)' },
  { prefix: '+881', note: 'Global Mobile Satellite System (Iridium, Globalstar, ...)' },
  { prefix: '+882', note: 'International Networks' },
  { prefix: '+883', note: 'International Networks' },
  { prefix: '+979', note: 'International Premium Rate Service (IPRS)' },
];

/**
 * Premium numbers dialled as short codes, without the national prefix, so that they
 * have no E.164 form of their own: by the tenant's country code, digit prefixes.
 */
export const PREMIUM_SHORT_CODES: Readonly<Record<string, readonly string[]>> = {
  /** NANP: a 7-digit number in exchange 976 (local pay-per-call). */
  '1': ['976'],
  /** UK: 118xxx directory enquiries. */
  '44': ['118'],
  /** DE: 118xx directory enquiries. */
  '49': ['118'],
  /** FR: 118xxx directory enquiries. */
  '33': ['118'],
  /** AU: 190x premium-rate services (dialled without the 0). */
  '61': ['190'],
};

function startsWithPrefix(number: string, prefix: string): boolean {
  if (number.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const p = prefix[i];
    const c = number[i];
    if (p === 'X' ? c < '0' || c > '9' : p !== c) return false;
  }
  return true;
}

/** The premium range an E.164 number falls in, if any. */
export function premiumRangeOf(e164: string): PremiumRange | undefined {
  return PREMIUM_RANGES.find((r) => startsWithPrefix(e164, r.prefix));
}

/** Whether digits dialled without any prefix are a premium short code of the tenant's country. */
export function isPremiumShortCode(digits: string, countryCode: string): boolean {
  const codes = Object.hasOwn(PREMIUM_SHORT_CODES, countryCode) ? PREMIUM_SHORT_CODES[countryCode] : undefined;
  if (codes === undefined) return false;
  // NANP 976 is premium only as a 7-digit subscriber number; elsewhere any length.
  if (countryCode === '1' && digits.length !== 7) return false;
  return codes.some((c) => digits.startsWith(c));
}
