import { replaceTopVia } from '../message/parsed-headers.js';
import { topVia } from '../message/headers.js';
import type { Header, SipMessage } from '../message/types.js';
import { parseVia, type Via } from '../message/via.js';
import { sameAddress } from './address.js';

/**
 * Stamp the topmost Via of a received request with where it really came from:
 * RFC 3261 §18.2.1 adds `received` when the sent-by host differs from the source
 * address; RFC 3581 §4 fills an empty `rport` with the source port and then adds
 * `received` even when it equals sent-by.
 *
 * Only the first value of the first Via line is touched (that line may hold several
 * comma-separated values), and only the parameters named: the rest of the text is
 * kept as it arrived. Returns false when there is no Via; throws SyntaxError400 when
 * the top Via does not parse.
 */
export function stampTopVia(headers: Header[], sourceAddress: string, sourcePort: number): boolean {
  const h = headers.find((x) => x.name === 'via');
  if (!h) return false;
  const end = topLevelIndex(h.value, 0x2c /* , */);
  h.value = stampViaValue(h.value.slice(0, end), sourceAddress, sourcePort) + h.value.slice(end);
  return true;
}

/**
 * stampTopVia on a parsed message: the top Via is read from the message's parses (no parse
 * again) and the stamped one is recorded there, keyed by the new text (parse once, issue 13).
 */
export function stampTopViaOf(msg: SipMessage, sourceAddress: string, sourcePort: number): boolean {
  const h = msg.headers.find((x) => x.name === 'via');
  if (!h) return false;
  const via = topVia(msg);
  const end = topLevelIndex(h.value, 0x2c /* , */);
  const received = needsReceived(via, sourceAddress);
  h.value = stampValue(h.value.slice(0, end), sourceAddress, sourcePort, received) + h.value.slice(end);
  replaceTopVia(msg, h.value, stampedParse(via, sourceAddress, sourcePort, received));
  return true;
}

/** What parseVia reads from stampViaValue's text: the same Via with rport and received set. */
export function stampedVia(via: Via, sourceAddress: string, sourcePort: number): Via {
  return stampedParse(via, sourceAddress, sourcePort, needsReceived(via, sourceAddress));
}

/** Built field by field: a spread of the Via and an Object.assign of its params cost more on every request. */
function stampedParse(via: Via, sourceAddress: string, sourcePort: number, received: boolean): Via {
  const params = Object.create(null) as Via['params'];
  for (const k in via.params) {
    const v = via.params[k];
    if (v !== undefined) params[k] = v;
  }
  if ('rport' in params) params['rport'] = String(sourcePort);
  if (received) params['received'] = sourceAddress;
  const out: Via = { transport: via.transport, host: via.host, params };
  if (via.port !== undefined) out.port = via.port;
  return out;
}

function needsReceived(via: Via, sourceAddress: string): boolean {
  return 'rport' in via.params || !sameAddress(via.host, sourceAddress) || 'received' in via.params;
}

/** Stamp one Via value (no commas at top level); see stampTopVia. `parsed`: that value, already parsed. */
export function stampViaValue(value: string, sourceAddress: string, sourcePort: number, parsed?: Via): string {
  return stampValue(value, sourceAddress, sourcePort, needsReceived(parsed ?? parseVia(value.trimEnd()), sourceAddress));
}

function paramName(seg: string): string {
  const eq = seg.indexOf('=');
  return (eq >= 0 ? seg.slice(0, eq) : seg).trim().toLowerCase();
}

/** stampViaValue once needsReceived is known (stampTopViaOf asks it once for the text and the parse). */
function stampValue(value: string, sourceAddress: string, sourcePort: number, needReceived: boolean): string {
  const body = value.trimEnd();
  const trailing = value.slice(body.length);
  const segments = splitTopLevel(body, 0x3b /* ; */);
  let receivedDone = false;
  for (let i = 1; i < segments.length; i++) {
    const name = paramName(segments[i]!);
    // RFC 3581 §4: the top Via names the hop that sent this to us, so its rport is
    // always our source port, whatever value a client may have put there.
    if (name === 'rport') segments[i] = `rport=${sourcePort}`;
    // A received the peer wrote itself is replaced: it would let a sender steer our responses.
    else if (name === 'received' && needReceived) {
      segments[i] = receivedDone ? '' : `received=${sourceAddress}`;
      receivedDone = true;
    }
  }
  if (needReceived && !receivedDone) segments.push(`received=${sourceAddress}`);
  return segments.filter((s, i) => i === 0 || s !== '').join(';') + trailing;
}

/** Index of the first `sep` outside a quoted string, or the length. */
function topLevelIndex(s: string, sep: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      i++;
      while (i < s.length && s.charCodeAt(i) !== 0x22) i += s.charCodeAt(i) === 0x5c ? 2 : 1;
    } else if (c === sep) return i;
  }
  return s.length;
}

function splitTopLevel(s: string, sep: number): string[] {
  const out: string[] = [];
  let rest = s;
  for (;;) {
    const i = topLevelIndex(rest, sep);
    out.push(rest.slice(0, i));
    if (i >= rest.length) return out;
    rest = rest.slice(i + 1);
  }
}
