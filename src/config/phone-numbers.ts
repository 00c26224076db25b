/**
 * Phone numbers as an operator writes them: E.164 numbers (DIDs, caller IDs), country
 * codes, dialled digit strings. Each may be written as a plain YAML number; the text is
 * kept as written, so `+14155550100` and `011` keep their '+' and leading zero.
 */
import { ROUTING_FIELDS } from '../model/field-rules.js';
import { E164_RE } from '../model/e164.js';
import { reject, strOrNumber, type Schema } from './schema.js';

/** ITU-T E.164: '+', a country code (never starting with 0), at most 15 digits in all (src/model/e164.ts). */
export { E164_RE };
const COUNTRY_CODE_RE = new RegExp(ROUTING_FIELDS.countryCode.pattern, 'u');
const NATIONAL_PREFIX_RE = new RegExp(ROUTING_FIELDS.nationalPrefix.pattern, 'u');
const PREPEND_RE = new RegExp(ROUTING_FIELDS.prepend.pattern, 'u');

/** An E.164 number: '+' then 8-15 digits. */
export function e164(): Schema<string> {
  return strOrNumber({ minLength: 1 }).to((s) => {
    if (E164_RE.test(s)) return s;
    if (/^[1-9][0-9]{7,14}$/.test(s)) return reject(`'${s}' is not E.164: write it with a leading '+' (+${s})`);
    return reject(`'${s}' is not an E.164 number: '+' then 8-15 digits, e.g. +14155550100`);
  });
}

/** An ITU country calling code: 1-3 digits, without '+' (e.g. '1', '44', '358'). */
export function countryCode(opts: { none?: boolean } = {}): Schema<string> {
  return strOrNumber({ minLength: opts.none ? 0 : 1 }).to((s) => {
    if (opts.none && s === '') return s;
    if (COUNTRY_CODE_RE.test(s)) return s;
    if (/^\+[1-9][0-9]{0,2}$/.test(s)) return reject(`'${s}': write the country code without '+' (${s.slice(1)})`);
    return reject(`'${s}' is not a country calling code: 1-3 digits, e.g. 1, 44, 358`);
  });
}

/** A national trunk prefix: 0-4 digits, possibly none (e.g. '0', '1', ''). */
export function nationalPrefix(): Schema<string> {
  return strOrNumber().to((s) => (NATIONAL_PREFIX_RE.test(s) ? s : reject(`'${s}' is not a national prefix: 0-4 digits, e.g. 0 or 1`)));
}

/** A short dialled number such as an emergency number: 2-15 digits. */
export function shortNumber(): Schema<string> {
  return strOrNumber({ minLength: 1 }).to((s) => (/^[0-9]{2,15}$/.test(s) ? s : reject(`'${s}' is not a number to dial: 2-15 digits, e.g. 911`)));
}

/** Digits put in front of a dialled number: an optional leading '+', then digits; at most 20 characters. */
export function prependDigits(): Schema<string> {
  return strOrNumber().to((s) => (PREPEND_RE.test(s) ? s : reject(`'${s}' is not digits to prepend: up to 20 digits, with an optional leading '+'`)));
}
