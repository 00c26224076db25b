import { createHmac, timingSafeEqual } from 'node:crypto';
// The STUN wire format is the SIP transport's (RFC 5389 codec, pure functions, no I/O);
// shared here rather than written twice.
import { decodeStun, encodeStun, fingerprintOf, STUN_HEADER_BYTES, STUN_METHOD_BINDING, StunAttr, xorMappedAddress, type StunAttribute } from '../../util/stun-message.js';

/** What an ICE-lite agent knows of one media stream: its own credentials and the peer's ufrag (RFC 8445 §5.3). */
export interface IceCredentials {
  localUfrag: string;
  localPwd: string;
  /** The peer's ice-ufrag from its SDP. */
  remoteUfrag: string;
}

export type IceCheckResult =
  /** A valid connectivity check: send `response` back to the source; `nominated` when it carries USE-CANDIDATE. */
  | { kind: 'answer'; response: Buffer; nominated: boolean }
  | { kind: 'refuse'; reason: string };

const USE_CANDIDATE = 0x0025;
const MI_BYTES = 24; // 4 header + 20 HMAC-SHA1

/**
 * RFC 8445 §2.5 and §7.3: an ICE-lite agent only answers Binding requests. A check is
 * valid when USERNAME is "<our ufrag>:<their ufrag>" and MESSAGE-INTEGRITY verifies with
 * our ice-pwd (short-term credentials, RFC 5389 §10.1.2, §15.4); the answer carries
 * XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY (our ice-pwd) and FINGERPRINT (RFC 8445 §7.3.1.3).
 * Everything else is refused with a reason; nothing here throws.
 */
export function answerIceCheck(data: Buffer, source: { address: string; port: number }, creds: IceCredentials): IceCheckResult {
  const d = decodeStun(data);
  if (!d.ok) return { kind: 'refuse', reason: d.reason };
  const m = d.message;
  if (m.method !== STUN_METHOD_BINDING || m.cls !== 'request') return { kind: 'refuse', reason: `not a Binding request (${m.cls})` };
  // RFC 8445 §7.2.2 requires FINGERPRINT on every check.
  if (!m.fingerprint) return { kind: 'refuse', reason: 'no FINGERPRINT' };
  const username = m.attributes.find((a) => a.type === StunAttr.USERNAME)?.value.toString('utf8');
  if (username !== `${creds.localUfrag}:${creds.remoteUfrag}`) return { kind: 'refuse', reason: 'USERNAME is not ours' };
  const miAt = attributeOffset(data, StunAttr.MESSAGE_INTEGRITY);
  if (miAt < 0 || data.readUInt16BE(miAt + 2) !== 20) return { kind: 'refuse', reason: 'no MESSAGE-INTEGRITY' };
  if (!integrityHolds(data, miAt, creds.localPwd)) return { kind: 'refuse', reason: 'MESSAGE-INTEGRITY does not verify' };
  const nominated = m.attributes.some((a) => a.type === USE_CANDIDATE);
  return { kind: 'answer', response: bindingSuccess(m.transactionId, source, creds.localPwd), nominated };
}

/** Offset of the first attribute of `type` in a well-formed message, or -1. */
function attributeOffset(data: Buffer, type: number): number {
  let at = STUN_HEADER_BYTES;
  while (at + 4 <= data.length) {
    if (data.readUInt16BE(at) === type) return at;
    at += 4 + ((data.readUInt16BE(at + 2) + 3) & ~3);
  }
  return -1;
}

/**
 * RFC 5389 §15.4: the HMAC covers the message up to MESSAGE-INTEGRITY, with the header's
 * length field counting up to the end of MESSAGE-INTEGRITY (a FINGERPRINT after it excluded).
 */
function integrityHolds(data: Buffer, miAt: number, pwd: string): boolean {
  const covered = Buffer.from(data.subarray(0, miAt));
  covered.writeUInt16BE(miAt - STUN_HEADER_BYTES + MI_BYTES, 2);
  const mac = createHmac('sha1', pwd).update(covered).digest();
  return timingSafeEqual(mac, data.subarray(miAt + 4, miAt + 24));
}

/** A Binding success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT. */
export function bindingSuccess(transactionId: Buffer, source: { address: string; port: number }, pwd: string): Buffer {
  const body = encodeStun({
    method: STUN_METHOD_BINDING,
    cls: 'success',
    transactionId,
    attributes: [{ type: StunAttr.XOR_MAPPED_ADDRESS, value: xorMappedAddress(source.address, source.port, transactionId) }],
    fingerprint: false,
  });
  return seal(body, pwd);
}

/** A Binding request as a browser's ICE agent sends it (for tests and probes): USERNAME, USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT. */
export function bindingRequest(transactionId: Buffer, username: string, pwd: string, useCandidate = true): Buffer {
  const attributes: StunAttribute[] = [{ type: StunAttr.USERNAME, value: Buffer.from(username, 'utf8') }];
  if (useCandidate) attributes.push({ type: USE_CANDIDATE, value: Buffer.alloc(0) });
  const body = encodeStun({ method: STUN_METHOD_BINDING, cls: 'request', transactionId, attributes, fingerprint: false });
  return seal(body, pwd);
}

/** Append MESSAGE-INTEGRITY (HMAC-SHA1 keyed with `pwd`) and FINGERPRINT to an encoded message (RFC 5389 §15.4, §15.5). */
function seal(body: Buffer, pwd: string): Buffer {
  body.writeUInt16BE(body.length - STUN_HEADER_BYTES + MI_BYTES, 2);
  const mi = Buffer.alloc(MI_BYTES);
  mi.writeUInt16BE(StunAttr.MESSAGE_INTEGRITY, 0);
  mi.writeUInt16BE(20, 2);
  createHmac('sha1', pwd).update(body).digest().copy(mi, 4);
  const withMi = Buffer.concat([body, mi]);
  withMi.writeUInt16BE(withMi.length - STUN_HEADER_BYTES + 8, 2);
  const fp = Buffer.alloc(8);
  fp.writeUInt16BE(StunAttr.FINGERPRINT, 0);
  fp.writeUInt16BE(4, 2);
  fp.writeUInt32BE(fingerprintOf(withMi), 4);
  return Buffer.concat([withMi, fp]);
}
