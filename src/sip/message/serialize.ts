import { displayName } from './header-names.js';
import type { SipMessage } from './types.js';

/**
 * Write a message to octets. Content-Length is always written last and always
 * matches the body (RFC 3261 §18.3: required on stream transports, harmless on UDP).
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0\r\n` : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
  for (const h of msg.headers) {
    if (h.name === 'content-length') continue;
    head += displayName(h.name) + ': ' + h.value + '\r\n';
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  const headBuf = Buffer.from(head, 'utf8');
  return Buffer.concat([headBuf, msg.body], headBuf.length + msg.body.length);
}
