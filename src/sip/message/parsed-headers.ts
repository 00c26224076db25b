import { parseCSeq, type CSeq } from './cseq.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import { splitList, SyntaxError400 } from './scan.js';
import { PARSED, type Header, type SipMessage, type SipRequest } from './types.js';
import { parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

/**
 * Parse once (issue 13): the parsed forms of the headers every layer reads (Via list, From,
 * To, CSeq, Contact, Request-URI), kept on the message itself under the PARSED symbol.
 * Validation fills it as it checks the message; the accessors below fill what is missing on
 * first use (messages built locally).
 *
 * Messages stay plain, mutable data, so every entry is keyed by the header text it was
 * parsed from and used only while the message still holds that same text: a header changed
 * with setHeader/removeHeader/prependHeader, a value assigned directly, or a message built by
 * spreading another (which copies the symbol property) can never read a stale parse; it
 * parses again. The check is a string comparison against the header the accessor has to
 * find anyway.
 *
 * The parsed objects are shared by every reader of the message: treat them as read-only
 * (copy before changing, as `{ ...via, params: { ...via.params } }`).
 */
export interface ParsedHeaders {
  /** The Via header lines' values, in order, and the Via values they hold (split at commas). */
  via?: ListMemo<Via>;
  /** The topmost Via alone, when the list was never parsed (a locally built message). */
  topVia?: Memo<Via>;
  from?: Memo<NameAddr>;
  to?: Memo<NameAddr>;
  cseq?: Memo<CSeq>;
  contact?: ListMemo<NameAddr>;
  /** The first Contact value alone, when the list was never parsed (a response). */
  firstContact?: Memo<NameAddr>;
  requestUri?: Memo<Uri>;
}

export interface Memo<T> {
  key: string;
  value: T;
}

export interface ListMemo<T> {
  keys: string[];
  values: T[];
}

function cacheOf(msg: SipMessage): ParsedHeaders {
  let c = msg[PARSED];
  if (c === undefined) {
    c = {};
    // A frozen message (never one of ours) is read without a cache rather than throwing.
    if (Object.isExtensible(msg)) msg[PARSED] = c;
  }
  return c;
}

function first(hs: Header[], name: string): string | undefined {
  for (let i = 0; i < hs.length; i++) if (hs[i]!.name === name) return hs[i]!.value;
  return undefined;
}

/** True when the header lines named `name` hold exactly `keys`, in order. */
function sameLines(hs: Header[], name: string, keys: readonly string[]): boolean {
  let k = 0;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i]!;
    if (h.name !== name) continue;
    if (k >= keys.length || h.value !== keys[k]) return false;
    k++;
  }
  return k === keys.length;
}

/** Parse every value of a list header (split at top-level commas), one memo for all lines. */
function parseLines<T>(hs: Header[], name: string, parse: (v: string) => T, skip?: (v: string) => boolean): ListMemo<T> {
  const keys: string[] = [];
  const values: T[] = [];
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i]!;
    if (h.name !== name) continue;
    keys.push(h.value);
    if (skip?.(h.value)) continue;
    if (h.value.indexOf(',') >= 0) for (const v of splitList(h.value)) values.push(parse(v));
    else values.push(parse(h.value));
  }
  return { keys, values };
}

function memo<T>(c: Memo<T> | undefined, key: string, parse: (v: string) => T): Memo<T> {
  return c !== undefined && c.key === key ? c : { key, value: parse(key) };
}

/** Every Via value, parsed, top first. Throws SyntaxError400 when one is malformed. */
export function allVias(msg: SipMessage): Via[] {
  const c = cacheOf(msg);
  if (c.via !== undefined && sameLines(msg.headers, 'via', c.via.keys)) return c.via.values;
  c.via = parseLines(msg.headers, 'via', parseVia);
  return c.via.values;
}

/** The topmost Via value, parsed. Throws SyntaxError400 when absent or malformed. */
export function topVia(msg: SipMessage): Via {
  const v = first(msg.headers, 'via');
  if (v === undefined) throw new SyntaxError400('missing Via');
  const c = cacheOf(msg);
  // The first value comes from the first line only, so that line is all the key it needs.
  if (c.via !== undefined && c.via.keys[0] === v && c.via.values.length > 0) return c.via.values[0]!;
  if (c.topVia === undefined || c.topVia.key !== v) c.topVia = { key: v, value: parseVia(v.indexOf(',') >= 0 ? splitList(v)[0]! : v) };
  return c.topVia.value;
}

export function cseqOf(msg: SipMessage): CSeq {
  const v = first(msg.headers, 'cseq');
  if (v === undefined) throw new SyntaxError400('missing CSeq');
  const c = cacheOf(msg);
  c.cseq = memo(c.cseq, v, parseCSeq);
  return c.cseq.value;
}

export function fromOf(msg: SipMessage): NameAddr {
  const v = first(msg.headers, 'from');
  if (v === undefined) throw new SyntaxError400('missing From');
  const c = cacheOf(msg);
  c.from = memo(c.from, v, parseNameAddr);
  return c.from.value;
}

export function toOf(msg: SipMessage): NameAddr {
  const v = first(msg.headers, 'to');
  if (v === undefined) throw new SyntaxError400('missing To');
  const c = cacheOf(msg);
  c.to = memo(c.to, v, parseNameAddr);
  return c.to.value;
}

/**
 * Every Contact value but `*`, parsed (RFC 3261 §20.10); empty when there is none. Throws
 * SyntaxError400 when one is malformed.
 */
export function contactsOf(msg: SipMessage): NameAddr[] {
  const c = cacheOf(msg);
  if (c.contact !== undefined && sameLines(msg.headers, 'contact', c.contact.keys)) return c.contact.values;
  c.contact = parseLines(msg.headers, 'contact', parseNameAddr, isStar);
  return c.contact.values;
}

/**
 * The first Contact value, parsed, or undefined when there is none; `*` is returned as
 * text. Only that value is parsed (a response's later Contacts are not its business).
 */
export function firstContactOf(msg: SipMessage): NameAddr | '*' | undefined {
  const line = first(msg.headers, 'contact');
  if (line === undefined) return undefined;
  const c = cacheOf(msg);
  if (c.contact !== undefined && c.contact.keys[0] === line && c.contact.values.length > 0 && !isStar(line)) return c.contact.values[0]!;
  if (c.firstContact !== undefined && c.firstContact.key === line) return c.firstContact.value;
  const text = line.indexOf(',') >= 0 ? splitList(line)[0]! : line;
  if (text.trim() === '*') return '*';
  c.firstContact = { key: line, value: parseNameAddr(text) };
  return c.firstContact.value;
}

function isStar(v: string): boolean {
  return v === '*';
}

/** The Request-URI, parsed. Throws SyntaxError400 when malformed. */
export function requestUriOf(req: SipRequest): Uri {
  const c = cacheOf(req);
  c.requestUri = memo(c.requestUri, req.uri, parseUri);
  return c.requestUri.value;
}

/**
 * Seed a new message's cache with parses it is known to share (a response built from its
 * request copies Via, From, Call-ID and CSeq): entries stay keyed by their text, so one that
 * does not match the new message is simply never used.
 */
export function shareParsed(from: SipMessage, to: SipMessage, entries: ReadonlyArray<'via' | 'from' | 'to' | 'cseq'>): void {
  const src = from[PARSED];
  if (src === undefined) return;
  const c = cacheOf(to);
  for (const e of entries) {
    if (e === 'via') {
      if (src.via !== undefined) c.via = src.via;
      if (src.topVia !== undefined) c.topVia = src.topVia;
    } else if (src[e] !== undefined) {
      (c as Record<string, unknown>)[e] = src[e];
    }
  }
}

/**
 * The first Via line was rewritten in place (received/rport stamped, RFC 3261 §18.2.1) into
 * `line`, whose first value is `via`: keep the rest of the parsed list.
 */
export function replaceTopVia(msg: SipMessage, line: string, via: Via): void {
  const c = cacheOf(msg);
  const list = c.via;
  if (list !== undefined && list.keys.length > 0 && list.values.length > 0) {
    const keys = list.keys.slice();
    const values = list.values.slice();
    keys[0] = line;
    values[0] = via;
    c.via = { keys, values };
  }
  c.topVia = { key: line, value: via };
}

/** Record a parse made elsewhere (a To given a tag by the builder), keyed by its text. */
export function rememberParsed(msg: SipMessage, entry: 'from' | 'to', text: string, value: NameAddr): void {
  cacheOf(msg)[entry] = { key: text, value };
}
