import { FIELDS } from './field-rules.js';

/** ITU-T E.164: '+', a country code that does not start with 0, 8-15 digits in all (the shared rule). */
export const E164_RE = new RegExp(FIELDS.e164.pattern, 'u');
const E164 = E164_RE;

/** A number an operator configures (DID, caller ID): the rule shared with the YAML and the API. */
export function isE164(v: unknown): v is string {
  return typeof v === 'string' && E164.test(v);
}

/**
 * A dialled number in E.164 form: any length the plan allows ('+', then 2-15 digits),
 * since a few countries have numbers shorter than the 8 digits asked of configured ones.
 */
const DIALLED_E164 = /^\+[1-9][0-9]{1,14}$/;
export function isDialledE164(v: unknown): v is string {
  return typeof v === 'string' && DIALLED_E164.test(v);
}

/** Longer input is never a phone number; bounds the work done on text from the wire. */
const MAX_INPUT = 64;
// RFC 3966 §3: visual-separator = "-" / "." / "(" / ")"; spaces are common in hand-written numbers.
const VISUAL_SEPARATORS = /[-.() ]/g;

/**
 * The E.164 form of a dialled number as it arrives from a carrier, for a DID lookup,
 * or undefined. Accepts '+14155550100'; the same without '+' ('14155550100'); RFC 3966
 * visual separators anywhere ('+1 (415) 555-0100', '+1-415-555-0100'); and ignores
 * user-part parameters after ';' ('+14155550100;npdi'). National forms and dialling
 * prefixes ('0415…', '00…', '011…') are NOT rewritten: they need the trunk's country,
 * which the routing layer knows and this lookup does not.
 */
export function didLookupKey(input: string): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_INPUT) return undefined;
  const semi = input.indexOf(';');
  let s = (semi < 0 ? input : input.slice(0, semi)).replace(VISUAL_SEPARATORS, '');
  if (!s.startsWith('+')) s = '+' + s;
  return E164.test(s) ? s : undefined;
}
