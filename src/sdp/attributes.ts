/**
 * Reading the attributes the PBX acts on. Attribute names are compared without regard
 * to case (phones differ); values are read leniently and an unreadable one reads as
 * absent, never as an error: an odd attribute must not fail a call.
 */
import type { Attribute, MediaDescription } from './types.js';

export function findAttribute(attributes: readonly Attribute[], name: string): Attribute | undefined {
  const lower = name.toLowerCase();
  for (const a of attributes) if (a.name.toLowerCase() === lower) return a;
  return undefined;
}

export function hasAttribute(attributes: readonly Attribute[], name: string): boolean {
  return findAttribute(attributes, name) !== undefined;
}

/** a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (RFC 8866 §6.6). */
export interface Rtpmap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  /** The encoding parameters of an audio codec: its channel count, when given. */
  channels?: number;
}

const RTPMAP = /^(\d{1,3})[ \t]+([^\s/]+)\/(\d{1,10})(?:\/(\d{1,3}))?$/;

export function parseRtpmap(value: string | undefined): Rtpmap | undefined {
  if (value === undefined) return undefined;
  const m = RTPMAP.exec(value.trim());
  if (!m) return undefined;
  const payloadType = Number(m[1]);
  const clockRate = Number(m[3]);
  if (payloadType > 127 || clockRate === 0) return undefined;
  const r: Rtpmap = { payloadType, encoding: m[2]!, clockRate };
  if (m[4] !== undefined) r.channels = Number(m[4]);
  return r;
}

/** The rtpmaps of a media description by payload type text; the first one wins. */
export function rtpmapsOf(media: MediaDescription): Map<string, Rtpmap> {
  const out = new Map<string, Rtpmap>();
  for (const a of media.attributes) {
    if (a.name.toLowerCase() !== 'rtpmap') continue;
    const r = parseRtpmap(a.value);
    if (r && !out.has(String(r.payloadType))) out.set(String(r.payloadType), r);
  }
  return out;
}

/** Attributes whose value starts with the payload type they describe. */
const PER_FORMAT = new Set(['rtpmap', 'fmtp', 'rtcp-fb']);

/**
 * The format an attribute belongs to (a=rtpmap:<pt> ..., a=fmtp:<pt> ..., a=rtcp-fb:<pt> ...),
 * or undefined when it belongs to the whole media description (a=rtcp-fb:* included).
 */
export function formatOfAttribute(a: Attribute): string | undefined {
  if (a.value === undefined || !PER_FORMAT.has(a.name.toLowerCase())) return undefined;
  const v = a.value.trimStart();
  let end = 0;
  while (end < v.length && v.charCodeAt(end) !== 0x20 && v.charCodeAt(end) !== 0x09) end++;
  const pt = v.slice(0, end);
  return pt === '' || pt === '*' ? undefined : pt;
}

/** a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605 §2.1). */
export interface RtcpAttribute {
  port: number;
  netType?: string;
  addrType?: string;
  address?: string;
}

export function parseRtcpAttribute(value: string | undefined): RtcpAttribute | undefined {
  if (value === undefined) return undefined;
  const f = value.trim().split(/[ \t]+/);
  if (!/^\d{1,5}$/.test(f[0]!)) return undefined;
  const port = Number(f[0]);
  if (port === 0 || port > 65535) return undefined;
  if (f.length === 1) return { port };
  if (f.length !== 4) return undefined;
  return { port, netType: f[1]!, addrType: f[2]!, address: f[3]! };
}
