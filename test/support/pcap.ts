/** One IPv4 UDP datagram read from a capture file. */
export interface UdpPacket {
  /** Capture time in microseconds since the epoch. */
  timeUs: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Buffer;
}

const LINKTYPE_ETHERNET = 1; // what tcpdump writes for Linux "lo"
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113; // "-i any"
const LINKTYPE_LINUX_SLL2 = 276;

/** Bytes in front of the IP header for a link type, or undefined when we do not read it. */
function linkHeader(linkType: number, frame: Buffer): number | undefined {
  if (linkType === LINKTYPE_ETHERNET) return frame.length >= 14 && frame.readUInt16BE(12) === 0x0800 ? 14 : undefined;
  if (linkType === LINKTYPE_RAW) return 0;
  if (linkType === LINKTYPE_LINUX_SLL) return frame.length >= 16 && frame.readUInt16BE(14) === 0x0800 ? 16 : undefined;
  if (linkType === LINKTYPE_LINUX_SLL2) return frame.length >= 20 && frame.readUInt16BE(0) === 0x0800 ? 20 : undefined;
  return undefined;
}

const ip4 = (b: Buffer, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

/**
 * The IPv4 UDP datagrams of a classic pcap file (the format tcpdump -w writes; either byte
 * order, micro- or nanosecond stamps). Anything else in it (other protocols, fragments, a
 * truncated last record) is skipped, never thrown on; at most `limit` packets are returned.
 */
export function readPcapUdp(file: Buffer, limit = 1_000_000): UdpPacket[] {
  if (file.length < 24) return [];
  const magicLe = file.readUInt32LE(0);
  let le: boolean;
  let nano = false;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) {
    le = true;
    nano = magicLe === 0xa1b23c4d;
  } else if (file.readUInt32BE(0) === 0xa1b2c3d4 || file.readUInt32BE(0) === 0xa1b23c4d) {
    le = false;
    nano = file.readUInt32BE(0) === 0xa1b23c4d;
  } else return [];
  const u32 = (at: number) => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linkType = u32(20) & 0xffff;
  const out: UdpPacket[] = [];
  let at = 24;
  while (at + 16 <= file.length && out.length < limit) {
    const sec = u32(at);
    const frac = u32(at + 4);
    const inclLen = u32(at + 8);
    const start = at + 16;
    at = start + inclLen;
    if (at > file.length) break;
    const frame = file.subarray(start, start + inclLen);
    const l2 = linkHeader(linkType, frame);
    if (l2 === undefined || frame.length < l2 + 20) continue;
    const ver = frame[l2]! >> 4;
    const ihl = (frame[l2]! & 0x0f) * 4;
    if (ver !== 4 || ihl < 20 || frame[l2 + 9] !== 17) continue;
    // fragments other than the first carry no UDP header
    if ((frame.readUInt16BE(l2 + 6) & 0x1fff) !== 0) continue;
    const udp = l2 + ihl;
    if (frame.length < udp + 8) continue;
    const udpLen = frame.readUInt16BE(udp + 4);
    const end = Math.min(frame.length, udp + Math.max(8, udpLen));
    out.push({
      timeUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac),
      src: ip4(frame, l2 + 12),
      dst: ip4(frame, l2 + 16),
      srcPort: frame.readUInt16BE(udp),
      dstPort: frame.readUInt16BE(udp + 2),
      payload: Buffer.from(frame.subarray(udp + 8, end)),
    });
  }
  return out;
}

/** Builds a pcap file (Ethernet link type, as tcpdump writes for lo) from datagrams: for tests. */
export function writePcapUdp(packets: Array<Omit<UdpPacket, 'timeUs'> & { timeUs?: number }>): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const parts = [head];
  for (const p of packets) {
    const frame = Buffer.alloc(14 + 20 + 8 + p.payload.length);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame.writeUInt16BE(20 + 8 + p.payload.length, 16);
    frame[14 + 8] = 64;
    frame[14 + 9] = 17;
    p.src.split('.').forEach((x, i) => (frame[14 + 12 + i] = Number(x)));
    p.dst.split('.').forEach((x, i) => (frame[14 + 16 + i] = Number(x)));
    frame.writeUInt16BE(p.srcPort, 34);
    frame.writeUInt16BE(p.dstPort, 36);
    frame.writeUInt16BE(8 + p.payload.length, 38);
    p.payload.copy(frame, 42);
    const rec = Buffer.alloc(16);
    const t = p.timeUs ?? 0;
    rec.writeUInt32LE(Math.floor(t / 1e6), 0);
    rec.writeUInt32LE(t % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  }
  return Buffer.concat(parts);
}
