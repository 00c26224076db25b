import type { Header, SipResponse } from '../message/types.js';

/**
 * Header values of a parsed message are V8 slices of the whole header text, so holding
 * one short value pins the entire message. Long-lived transaction state (a key, a
 * response kept 32 s for retransmissions) is detached with these: one copy of what is
 * kept instead of the whole message.
 */

const EMPTY = Buffer.alloc(0);

/** A string with the same content that shares no storage with `s`. */
export function detachString(s: string): string {
  // Concatenation then slice makes V8 flatten into fresh storage; the result references
  // only that (one character longer than s), never the string s was sliced from.
  return s.length < 13 ? s : (' ' + s).slice(1);
}

// One shared instance per header name or method seen, instead of one per parsed message.
// Bounded: past the cap, names are returned as they are.
const interned = new Map<string, string>();
const INTERN_CAP = 512;

/** The shared instance of a short token such as a header name or a method. */
export function internToken(s: string): string {
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size < INTERN_CAP && s.length <= 64) interned.set(s, s);
  return s;
}

/**
 * A copy of a response that shares no string storage with the request it answers, with
 * an exactly sized header array, interned header names and, when the body is empty, a shared empty Buffer
 * (createResponse allocates a new one, about 200 bytes, per response).
 */
export function detachResponse(res: SipResponse): SipResponse {
  const hs = res.headers;
  const headers: Header[] = new Array<Header>(hs.length);
  for (let i = 0; i < hs.length; i++) headers[i] = { name: internToken(hs[i]!.name), value: detachString(hs[i]!.value) };
  return { kind: 'response', status: res.status, reason: res.reason, headers, body: res.body.length === 0 ? EMPTY : res.body };
}
