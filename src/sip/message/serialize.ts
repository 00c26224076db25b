import { displayName } from './header-names.js';
import type { SipMessage } from './types.js';

/**
 * Write a message to octets. Content-Length is always written last and always
 * matches the body (RFC 3261 §18.3: required on stream transports, harmless on UDP);
 * any Content-Length among the headers is dropped.
 *
 * A line break inside a value would start a new header on the wire (header
 * injection), so CR and LF in the start line and in header values are written as SP:
 * for folded text that is the same value (RFC 3261 §7.3.1).
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head = msg.kind === 'request' ? `${oneLine(msg.method)} ${oneLine(msg.uri)} SIP/2.0\r\n` : `SIP/2.0 ${msg.status} ${oneLine(msg.reason)}\r\n`;
  for (const h of msg.headers) {
    const name = h.name;
    if (name === 'content-length' || name === 'l' || name === 'L' || (name.length === 14 && name.toLowerCase() === 'content-length')) continue;
    head += displayName(name) + ': ' + oneLine(h.value) + '\r\n';
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  const headBuf = Buffer.from(head, 'utf8');
  return Buffer.concat([headBuf, msg.body], headBuf.length + msg.body.length);
}

const LINE_BREAK = /[\r\n]/;
const LINE_BREAKS = /[\r\n]+/g;

function oneLine(s: string): string {
  return LINE_BREAK.test(s) ? s.replace(LINE_BREAKS, ' ') : s;
}
