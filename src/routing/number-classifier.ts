/**
 * What a dialled number costs, for toll-fraud controls: its E.164 form where the tenant's
 * numbering lets us work it out, and its charged class (local, national, international,
 * premium). Where a number cannot be judged, the answer errs on the dear side, since a
 * class of service must never let through more than it says.
 */
import { isDialledE164 } from '../model/e164.js';
import { countryCodeOf, isCountryCode } from './country-code.js';
import { isNanpForeign } from './nanp-foreign-areas.js';
import type { ChargedClass } from './number-class.js';
import { dearer } from './number-class.js';
import { isPremiumShortCode, premiumRangeOf } from './premium-ranges.js';

/** The parts of a tenant's RoutingPlan that say how its users dial. */
export interface Numbering {
  /** ITU country calling code without '+' ('1', '44'); '' when the tenant set none. */
  readonly countryCode: string;
  /** National trunk prefix ('0'); may be ''. */
  readonly nationalPrefix: string;
}

export interface NumberClassification {
  class: ChargedClass;
  /** The number in E.164, when it could be normalised. */
  e164?: string;
}

/** Longer input is never a number anyone dials; bounds the work done on text from the wire. */
const MAX_INPUT = 64;
/** E.164 numbers have at most 15 digits: a longer plain digit string is not a national number. */
const MAX_DIGITS = 15;
// RFC 3966 §3: visual-separator = "-" / "." / "(" / ")"; spaces are common in hand-written numbers.
const VISUAL_SEPARATORS = /[-.() ]/g;
const NANP_TEN = /^[2-9][0-9]{2}[2-9][0-9]{6}$/;
const NANP_ELEVEN = /^1[0-9]{10}$/;

/** The international call prefix users of a country dial: '011' in the NANP, else '00'. */
export function internationalPrefix(countryCode: string): string {
  return countryCode === '1' ? '011' : '00';
}

/**
 * The E.164 form of a number a user of this numbering dialled, or undefined:
 *   '+…'                          as is, when it is E.164;
 *   international prefix + digits '+' + digits ('00' or, in the NANP, '011');
 *   NANP: 10 digits NXX-NXX-XXXX  '+1' + digits; 11 digits starting '1': '+' + digits;
 *   national prefix + digits      '+' + country code + digits (outside the NANP, whose
 *                                 national prefix is covered by the 11-digit rule);
 * and nothing else: a subscriber number without area code has no E.164 form we can know.
 * Visual separators (RFC 3966) are ignored.
 */
export function toE164(number: string, numbering: Numbering): string | undefined {
  if (typeof number !== 'string' || number.length > MAX_INPUT) return undefined;
  const s = number.replace(VISUAL_SEPARATORS, '');
  if (s.startsWith('+')) return isDialledE164(s) ? s : undefined;
  if (!/^[0-9]+$/.test(s)) return undefined;
  const cc = isCountryCode(numbering?.countryCode) ? numbering.countryCode : '';
  const intl = internationalPrefix(cc);
  if (s.startsWith(intl)) return valid('+' + s.slice(intl.length));
  if (cc === '') return undefined;
  if (cc === '1') {
    if (NANP_TEN.test(s)) return '+1' + s;
    if (NANP_ELEVEN.test(s)) return '+' + s;
    return undefined;
  }
  const np = typeof numbering.nationalPrefix === 'string' && /^[0-9]{1,4}$/.test(numbering.nationalPrefix) ? numbering.nationalPrefix : '';
  if (np !== '' && s.startsWith(np) && s.length > np.length) return valid('+' + cc + s.slice(np.length));
  return undefined;
}

function valid(e164: string): string | undefined {
  return isDialledE164(e164) ? e164 : undefined;
}

/**
 * The charged class of a dialled number, and its E.164 form when it has one.
 *
 * - With an E.164 form: 'premium' when it is in a premium range (premium-ranges.ts,
 *   whatever the tenant's country); 'international' when its country code is not the
 *   tenant's, or the tenant set none, or it is a NANP area code of another country
 *   (nanp-foreign-areas.ts) for a NANP tenant; else 'national'.
 * - Without one: a premium short code of the tenant's country is 'premium'; a number that
 *   starts with '+' or an international prefix but is not valid E.164, or a digit string
 *   longer than 15 digits, is 'international' (fail closed); one that starts with the
 *   national prefix but is too long for E.164 is 'national'; any other digit string (a
 *   subscriber number without area code, a service code, or any number of a tenant with
 *   no country code) is 'local'.
 * - Star and hash split a number into parts (a carrier feature code such as *67 before
 *   the number it applies to): the class is that of the dearest part, each part after a
 *   '*' or '#' read also without its first 2 or 3 digits (the code itself), with no E.164
 *   form.
 * - Anything outside the dial alphabet, or absurdly long, cannot be judged: 'premium'.
 */
export function classifyNumber(number: string, numbering: Numbering): NumberClassification {
  if (typeof number !== 'string' || number.length > MAX_INPUT) return { class: 'premium' };
  const s = number.replace(VISUAL_SEPARATORS, '');
  if (!/^\+?[0-9*#]*$/.test(s)) return { class: 'premium' };
  if (/[*#]/.test(s)) {
    let cls: ChargedClass = 'local';
    const parts = s.split(/[*#]/);
    parts.forEach((part, i) => {
      // After a '*' or '#', a carrier feature code may run straight into the number it
      // applies to (*67 then 011…): judge the part also without its first 2 or 3 digits.
      const readings = i === 0 ? [part] : [part, part.slice(2), part.slice(3)];
      for (const r of readings) if (r !== '' && r !== '+') cls = dearer(cls, classifyDigits(r, numbering).class);
    });
    return { class: cls };
  }
  return classifyDigits(s, numbering);
}

/** '+'? digits, already free of separators. */
function classifyDigits(s: string, numbering: Numbering): NumberClassification {
  const cc = isCountryCode(numbering?.countryCode) ? numbering.countryCode : '';
  const e164 = toE164(s, numbering);
  if (e164 !== undefined) return { class: classOfE164(e164, cc), e164 };
  if (s.startsWith('+')) return { class: 'international' };
  if (cc !== '' && isPremiumShortCode(s, cc)) return { class: 'premium' };
  const intl = internationalPrefix(cc);
  if (s.startsWith(intl) && s.length > intl.length) return { class: 'international' };
  // No country configured: '011' may be the NANP's international prefix; do not guess cheap.
  if (cc === '' && s.startsWith('011') && s.length > 3) return { class: 'international' };
  if (s.length > MAX_DIGITS) return { class: 'international' };
  // The national prefix, but too long for E.164: no local number, whatever it is.
  const np = numbering?.nationalPrefix;
  if (cc !== '' && cc !== '1' && typeof np === 'string' && np !== '' && s.startsWith(np) && s.length > np.length) return { class: 'national' };
  return { class: 'local' };
}

/** The class of an E.164 number for a tenant of country code cc ('' when unknown). */
export function classOfE164(e164: string, cc: string): ChargedClass {
  if (premiumRangeOf(e164) !== undefined) return 'premium';
  if (cc === '' || countryCodeOf(e164) !== cc) return 'international';
  if (cc === '1' && isNanpForeign(e164)) return 'international';
  return 'national';
}
