/**
 * One-off cost probe of the SRTP code (not a test, not the benchmark: bench/media's srtp
 * scenario owns that): protect and unprotect of 172-byte G.711 RTP packets in one thread,
 * in µs of CPU per packet, beside a bare copy of the packet (what a relay does at least). What
 * SRTP↔RTP adds per relayed packet is one unprotect or one protect.
 *
 *   node --import tsx src/media/srtp/srtp-cost.probe.ts [packets=200000]
 */
import { randomBytes } from 'node:crypto';
import { SrtpInbound, SrtpOutbound } from './srtp-context.js';

const n = Number(process.argv[2] ?? 200_000);
const key = { suite: 'AES_CM_128_HMAC_SHA1_80' as const, keySalt: randomBytes(30) };
const out = new SrtpOutbound(key);
const inb = new SrtpInbound(key);
const plain = Buffer.alloc(172);
plain[0] = 0x80;
plain.writeUInt32BE(0x1234, 8);
const work = Buffer.alloc(200);
const wire: Buffer[] = [];

function time(label: string, fn: () => void): number {
  for (let i = 0; i < 2000; i++) fn(); // warm-up
  // CPU time, not wall time: the machine may be shared.
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / n;
  console.log(`${label}: ${us.toFixed(2)} µs/packet (${Math.round(1e6 / us).toLocaleString('en-US')} packets/s)`);
  return us;
}

const copy = time('copy (baseline)', () => plain.copy(work));
let seq = 0;
const protect = time('protect', () => {
  plain.writeUInt16BE(seq++ & 0xffff, 2);
  plain.copy(work);
  out.protectRtp(work, 172);
});
// Packets made up front, so that unprotect sees new indexes and passes the replay check.
const fresh = new SrtpOutbound(key);
for (let i = 0; i < n + 2000; i++) {
  plain.writeUInt16BE(i & 0xffff, 2);
  const b = Buffer.alloc(182);
  plain.copy(b);
  fresh.protectRtp(b, 172);
  wire.push(b);
}
let k = 0;
const unprotect = time('unprotect', () => {
  if (inb.unprotectRtp(wire[k++]!, 182) < 0) throw new Error('unprotect failed');
});
console.log(`an SRTP↔RTP packet costs about ${((protect + unprotect) / 2 - copy).toFixed(2)} µs more than a relayed one (one of the two per packet)`);
