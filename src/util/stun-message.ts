import { crc32 } from 'node:zlib';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The STUN message format (RFC 5389 §6, §15) as far as a SIP server answering RFC 5626
 * §4.4.2 keep-alives needs it: the 20-octet header, the attribute list, FINGERPRINT and
 * XOR-MAPPED-ADDRESS. Decoding never throws: a datagram that is not a well-formed STUN
 * message comes back as a reason.
 */

export const STUN_MAGIC_COOKIE = 0x2112a442;
export const STUN_HEADER_BYTES = 20;
/** RFC 5389 §15.5: the CRC-32 is XOR'ed with this ("STUN"). */
const FINGERPRINT_XOR = 0x5354554e;

export const StunClass = { request: 0, indication: 1, success: 2, error: 3 } as const;
export type StunClassName = keyof typeof StunClass;
export const STUN_METHOD_BINDING = 0x001;

export const StunAttr = {
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_MAPPED_ADDRESS: 0x0020,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  FINGERPRINT: 0x8028,
} as const;

export interface StunAttribute {
  type: number;
  /** The value without its padding. */
  value: Buffer;
}

export interface StunMessage {
  method: number;
  cls: StunClassName;
  /** 12 octets. */
  transactionId: Buffer;
  attributes: StunAttribute[];
  /** A FINGERPRINT attribute was present (and, once decoded, correct). */
  fingerprint: boolean;
}

export type StunDecodeResult = { ok: true; message: StunMessage } | { ok: false; reason: string };

/**
 * RFC 5389 §6, RFC 5626 §4.4.2: what tells a STUN message from a SIP one on a shared
 * port: the two top bits of the first octet are zero and the magic cookie is in place.
 * A SIP message starts with a letter, so no SIP message looks like this.
 */
export function looksLikeStun(data: Buffer): boolean {
  return data.length >= STUN_HEADER_BYTES && (data[0]! & 0xc0) === 0 && data.readUInt32BE(4) === STUN_MAGIC_COOKIE;
}

/** The class and method packed in the 14-bit message type (RFC 5389 §6, figure 3). */
export function messageType(method: number, cls: StunClassName): number {
  const c = StunClass[cls];
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | ((c & 2) << 7) | ((c & 1) << 4);
}

function splitType(type: number): { method: number; cls: StunClassName } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const c = ((type & 0x0100) >> 7) | ((type & 0x0010) >> 4);
  const cls = (['request', 'indication', 'success', 'error'] as const)[c]!;
  return { method, cls };
}

/** RFC 5389 §15.5: CRC-32 of the message up to the FINGERPRINT attribute, XOR 0x5354554e. */
export function fingerprintOf(upToAttribute: Buffer): number {
  return (crc32(upToAttribute) ^ FINGERPRINT_XOR) >>> 0;
}

/**
 * Decode one datagram. Checks (RFC 5389 §7.3): the header, a length that is a multiple
 * of 4 and matches the datagram, attributes that fit exactly, FINGERPRINT (if present)
 * last and correct. Attribute values are not interpreted here.
 */
export function decodeStun(data: Buffer): StunDecodeResult {
  if (!looksLikeStun(data)) return { ok: false, reason: 'not a STUN message' };
  const length = data.readUInt16BE(2);
  if (length % 4 !== 0) return { ok: false, reason: 'length is not a multiple of 4' };
  if (STUN_HEADER_BYTES + length !== data.length) return { ok: false, reason: `length ${length} does not match the datagram (${data.length - STUN_HEADER_BYTES})` };
  const { method, cls } = splitType(data.readUInt16BE(0));
  const attributes: StunAttribute[] = [];
  let fingerprint = false;
  let at = STUN_HEADER_BYTES;
  while (at < data.length) {
    if (fingerprint) return { ok: false, reason: 'attribute after FINGERPRINT' };
    if (at + 4 > data.length) return { ok: false, reason: 'truncated attribute header' };
    const type = data.readUInt16BE(at);
    const len = data.readUInt16BE(at + 2);
    const end = at + 4 + len;
    const padded = at + 4 + ((len + 3) & ~3);
    if (padded > data.length) return { ok: false, reason: `attribute 0x${type.toString(16)} overruns the message` };
    if (type === StunAttr.FINGERPRINT) {
      if (len !== 4) return { ok: false, reason: 'FINGERPRINT is not 4 octets' };
      // The CRC covers the header with the length as sent (which includes FINGERPRINT).
      if (data.readUInt32BE(at + 4) !== fingerprintOf(data.subarray(0, at))) return { ok: false, reason: 'FINGERPRINT does not match' };
      fingerprint = true;
    } else {
      attributes.push({ type, value: Buffer.from(data.subarray(at + 4, end)) });
    }
    at = padded;
  }
  return { ok: true, message: { method, cls, transactionId: Buffer.from(data.subarray(8, 20)), attributes, fingerprint } };
}

/** RFC 5389 §15: attributes 0x0000–0x7FFF must be understood by whoever processes the message. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/**
 * Encode a message: header, attributes (each padded to 4 octets with zeros), and a
 * FINGERPRINT computed over it all when message.fingerprint is set.
 */
export function encodeStun(message: StunMessage): Buffer {
  if (message.transactionId.length !== 12) throw new RangeError('a STUN transaction id is 12 octets');
  const parts: Buffer[] = [];
  let length = 0;
  for (const a of message.attributes) {
    if (a.value.length > 0xffff) throw new RangeError('STUN attribute too long');
    const padded = (a.value.length + 3) & ~3;
    const buf = Buffer.alloc(4 + padded);
    buf.writeUInt16BE(a.type, 0);
    buf.writeUInt16BE(a.value.length, 2);
    a.value.copy(buf, 4);
    parts.push(buf);
    length += buf.length;
  }
  const header = Buffer.alloc(STUN_HEADER_BYTES);
  header.writeUInt16BE(messageType(message.method, message.cls), 0);
  header.writeUInt16BE(length + (message.fingerprint ? 8 : 0), 2);
  header.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  message.transactionId.copy(header, 8);
  const body = Buffer.concat([header, ...parts]);
  if (!message.fingerprint) return body;
  const fp = Buffer.alloc(8);
  fp.writeUInt16BE(StunAttr.FINGERPRINT, 0);
  fp.writeUInt16BE(4, 2);
  fp.writeUInt32BE(fingerprintOf(body), 4);
  return Buffer.concat([body, fp]);
}

/**
 * XOR-MAPPED-ADDRESS value (RFC 5389 §15.2): family, port XOR the cookie's top 16 bits,
 * address XOR the cookie (IPv4) or the cookie and the transaction id (IPv6).
 * An IPv4-mapped IPv6 address (a dual-stack socket) is reported as IPv4.
 */
export function xorMappedAddress(address: string, port: number, transactionId: Buffer): Buffer {
  const v4 = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  const key = Buffer.alloc(16);
  key.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  transactionId.copy(key, 4);
  let raw: Buffer;
  if (isIPv4(v4)) raw = Buffer.from(v4.split('.').map(Number));
  else if (isIPv6(v4)) raw = ipv6Octets(v4);
  else throw new RangeError(`not an IP address: ${address}`);
  const out = Buffer.alloc(4 + raw.length);
  out[1] = raw.length === 4 ? 0x01 : 0x02;
  out.writeUInt16BE((port ^ (STUN_MAGIC_COOKIE >>> 16)) & 0xffff, 2);
  for (let i = 0; i < raw.length; i++) out[4 + i] = raw[i]! ^ key[i]!;
  return out;
}

/** The address and port an XOR-MAPPED-ADDRESS value carries; undefined when malformed. */
export function readXorMappedAddress(value: Buffer, transactionId: Buffer): { address: string; port: number } | undefined {
  const family = value.length >= 4 ? value[1] : undefined;
  const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (size === 0 || value.length !== 4 + size) return undefined;
  const key = Buffer.alloc(16);
  key.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  transactionId.copy(key, 4);
  const port = value.readUInt16BE(2) ^ (STUN_MAGIC_COOKIE >>> 16);
  const raw = Buffer.alloc(size);
  for (let i = 0; i < size; i++) raw[i] = value[4 + i]! ^ key[i]!;
  if (size === 4) return { address: [...raw].join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
  // The URL parser writes an IPv6 address in its canonical short form (RFC 5952).
  return { address: new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1), port };
}

function ipv6Octets(address: string): Buffer {
  const [head, tail] = address.includes('::') ? address.split('::') as [string, string] : [address, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) throw new RangeError(`unsupported IPv6 form: ${address}`);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
