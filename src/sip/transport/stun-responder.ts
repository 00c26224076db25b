import { decodeStun, encodeStun, isComprehensionRequired, StunAttr, STUN_METHOD_BINDING, xorMappedAddress, type StunAttribute, type StunMessage } from '../../util/stun-message.js';

/** What to do with a STUN datagram that arrived on a SIP UDP socket. */
export type StunVerdict =
  | { kind: 'reply'; data: Buffer; status: 200 | 400 | 420 }
  /** Nothing to send: a malformed message (RFC 5389 §7.3: silently discarded), an indication, a response. */
  | { kind: 'drop'; reason: string };

/** The comprehension-required attributes of RFC 5389 §18.2 that this server knows (and ignores where it does no authentication). */
const KNOWN_REQUIRED = new Set<number>([
  StunAttr.MAPPED_ADDRESS,
  StunAttr.USERNAME,
  StunAttr.MESSAGE_INTEGRITY,
  StunAttr.ERROR_CODE,
  StunAttr.UNKNOWN_ATTRIBUTES,
  StunAttr.REALM,
  StunAttr.NONCE,
  StunAttr.XOR_MAPPED_ADDRESS,
]);

/**
 * The STUN server of RFC 5626 §4.4.2 / §8.4 on the SIP UDP port: a Binding request is
 * answered with the address and port it came from (XOR-MAPPED-ADDRESS), so a phone learns
 * its NAT mapping and keeps it open. No authentication (RFC 5626 §8.4: the server MUST
 * NOT require it), so USERNAME and MESSAGE-INTEGRITY are understood and ignored.
 * The answer carries FINGERPRINT when the request did (RFC 5389 §7.3.1). Answers stay
 * small (short reason phrases, no SOFTWARE) so that a spoofed request buys little
 * reflection; the flood guard has already counted the datagram against its source.
 */
export function answerStun(data: Buffer, source: { address: string; port: number }): StunVerdict {
  const decoded = decodeStun(data);
  if (!decoded.ok) return { kind: 'drop', reason: decoded.reason };
  const req = decoded.message;
  if (req.cls !== 'request') return { kind: 'drop', reason: `STUN ${req.cls} (nothing to answer)` };
  // RFC 5389 §7.3.1: unknown comprehension-required attributes -> 420 listing them.
  const unknown = [...new Set(req.attributes.filter((a) => isComprehensionRequired(a.type) && !KNOWN_REQUIRED.has(a.type)).map((a) => a.type))];
  if (req.method !== STUN_METHOD_BINDING) return { kind: 'reply', status: 400, data: errorResponse(req, 400, 'Bad Request') };
  if (unknown.length > 0) {
    const list = Buffer.alloc(unknown.length * 2);
    unknown.forEach((t, i) => list.writeUInt16BE(t, i * 2));
    return { kind: 'reply', status: 420, data: errorResponse(req, 420, 'Unknown Attribute', [{ type: StunAttr.UNKNOWN_ATTRIBUTES, value: list }]) };
  }
  const res: StunMessage = {
    method: req.method,
    cls: 'success',
    transactionId: req.transactionId,
    attributes: [{ type: StunAttr.XOR_MAPPED_ADDRESS, value: xorMappedAddress(source.address, source.port, req.transactionId) }],
    fingerprint: req.fingerprint,
  };
  return { kind: 'reply', status: 200, data: encodeStun(res) };
}

/** RFC 5389 §15.6 ERROR-CODE: two zero octets, the class (hundreds), the number, a reason phrase. */
function errorResponse(req: StunMessage, code: number, reason: string, extra: StunAttribute[] = []): Buffer {
  const phrase = Buffer.from(reason, 'utf8');
  const value = Buffer.alloc(4 + phrase.length);
  value[2] = Math.floor(code / 100);
  value[3] = code % 100;
  phrase.copy(value, 4);
  return encodeStun({
    method: req.method,
    cls: 'error',
    transactionId: req.transactionId,
    attributes: [{ type: StunAttr.ERROR_CODE, value }, ...extra],
    fingerprint: req.fingerprint,
  });
}
