import { LIST_HEADERS } from './header-names.js';
import { parseDigits, splitList, SyntaxError400 } from './scan.js';
import type { Header, SipMessage } from './types.js';

/** First value of a header (lowercase long name), or undefined. */
export function getHeader(msg: { headers: Header[] }, name: string): string | undefined {
  const hs = msg.headers;
  for (let i = 0; i < hs.length; i++) if (hs[i]!.name === name) return hs[i]!.value;
  return undefined;
}

/**
 * Every value of a header, in order. List headers (Via, Contact, …) are split at
 * top-level commas, so `Via: a, b` and two Via lines read the same.
 */
export function getHeaderValues(msg: { headers: Header[] }, name: string): string[] {
  const out: string[] = [];
  const split = LIST_HEADERS.has(name);
  for (const h of msg.headers) {
    if (h.name !== name) continue;
    if (split && h.value.indexOf(',') >= 0) out.push(...splitList(h.value));
    else out.push(h.value);
  }
  return out;
}

export function hasHeader(msg: { headers: Header[] }, name: string): boolean {
  return getHeader(msg, name) !== undefined;
}

/** Replace every instance of a header with one value (or remove it when value is undefined). */
export function setHeader(msg: { headers: Header[] }, name: string, value: string | undefined): void {
  const idx = msg.headers.findIndex((h) => h.name === name);
  msg.headers = msg.headers.filter((h) => h.name !== name);
  if (value === undefined) return;
  msg.headers.splice(idx >= 0 ? idx : msg.headers.length, 0, { name, value });
}

export function addHeader(msg: { headers: Header[] }, name: string, value: string): void {
  msg.headers.push({ name, value });
}

/** Put a header before all others of the same name (a new top Via, a Record-Route). */
export function prependHeader(msg: { headers: Header[] }, name: string, value: string): void {
  const idx = msg.headers.findIndex((h) => h.name === name);
  msg.headers.splice(idx >= 0 ? idx : 0, 0, { name, value });
}

export function removeHeader(msg: { headers: Header[] }, name: string): void {
  msg.headers = msg.headers.filter((h) => h.name !== name);
}

export { allVias, contactsOf, cseqOf, firstContactOf, fromOf, requestUriOf, toOf, topVia } from './parsed-headers.js';
export { parseCSeq, type CSeq } from './cseq.js';

export function callIdOf(msg: SipMessage): string {
  const v = getHeader(msg, 'call-id');
  if (v === undefined) throw new SyntaxError400('missing Call-ID');
  return v;
}

/** Value of the tag parameter of a From or To value, read without a full parse. */
export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const gt = value.lastIndexOf('>');
  const m = /;\s*tag\s*=\s*([^;\s,]+)/i.exec(gt >= 0 ? value.slice(gt) : value);
  return m ? m[1] : undefined;
}

/** Parse a non-negative decimal (leading zeros allowed) no larger than max; undefined when absent or bad. */
export function parseUint(value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  return parseDigits(value.trim(), max);
}
