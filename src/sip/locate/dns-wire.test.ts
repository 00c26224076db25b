import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeResponse, encodeQuery, RR } from './dns-wire.js';

/** A response header: id 7, QR + RD + RA, one question, `an` answers. */
function header(an: number, flags = 0x8180): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(7, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(an, 6);
  return h;
}
const name = (...labels: string[]) => Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]), Buffer.from([0])]);
const u16 = (...n: number[]) => Buffer.concat(n.map((x) => Buffer.from([x >> 8, x & 0xff])));
const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const question = Buffer.concat([name('x', 'test'), u16(RR.A, 1)]);

test('a query carries the name, the type, RD and an EDNS0 OPT', () => {
  const q = encodeQuery(0x1234, 'Carrier.Test.', RR.SRV);
  assert.is(q.readUInt16BE(0), 0x1234);
  assert.is(q.readUInt16BE(2), 0x0100);
  assert.is(q.readUInt16BE(10), 1);
  assert.equal([...q.subarray(12, 26)], [...name('carrier', 'test')]);
  assert.is(q.readUInt16BE(26), RR.SRV);
  assert.throws(() => encodeQuery(1, `${'a'.repeat(64)}.test`, RR.A), /not 1-63 octets/);
});

test('an A answer through a compression pointer decodes; a TTL with the top bit set reads 0', () => {
  const rr = Buffer.concat([Buffer.from([0xc0, 12]), u16(RR.A, 1), u32(0x80000000), u16(4), Buffer.from([192, 0, 2, 7])]);
  const r = decodeResponse(Buffer.concat([header(1), question, rr]));
  assert.equal(r.answers, [{ type: 'A', name: 'x.test', ttl: 0, address: '192.0.2.7' }]);
  assert.equal(r.question, { name: 'x.test', type: RR.A });
});

test('hostile messages are refused: pointer loops, forward pointers, records past the end, too many records', () => {
  const self = Buffer.concat([header(1), question, Buffer.from([0xc0, 12 + question.length]), u16(RR.A, 1), u32(1), u16(4), Buffer.from([1, 2, 3, 4])]);
  assert.throws(() => decodeResponse(self), /does not point backwards/);
  const forward = Buffer.concat([header(1), question, Buffer.from([0xc0, 0xff]), u16(RR.A, 1), u32(1), u16(4), Buffer.from([1, 2, 3, 4])]);
  assert.throws(() => decodeResponse(forward), /does not point backwards/);
  const short = Buffer.concat([header(1), question, Buffer.from([0xc0, 12]), u16(RR.A, 1), u32(1), u16(40), Buffer.from([1, 2, 3, 4])]);
  assert.throws(() => decodeResponse(short), /ends early/);
  const badA = Buffer.concat([header(1), question, Buffer.from([0xc0, 12]), u16(RR.A, 1), u32(1), u16(3), Buffer.from([1, 2, 3])]);
  assert.throws(() => decodeResponse(badA), /wrong size/);
  assert.throws(() => decodeResponse(Buffer.concat([header(65), question])), /more than the 64 accepted/);
  assert.throws(() => decodeResponse(Buffer.from([0, 7, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])), /not a response/);
  assert.throws(() => decodeResponse(Buffer.alloc(5)), /ends early/);
  const longName = Buffer.concat([header(0), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), Buffer.from([0]), u16(RR.A, 1)]);
  assert.throws(() => decodeResponse(longName), /longer than 255/);
});

test('SRV, NAPTR and AAAA records decode; truncation and rcode are reported', () => {
  const srv = Buffer.concat([Buffer.from([0xc0, 12]), u16(RR.SRV, 1), u32(60), u16(6 + 8), u16(10, 20, 5060), name('a', 'test')]);
  const naptrData = Buffer.concat([u16(10, 20), Buffer.from([1]), Buffer.from('S'), Buffer.from([7]), Buffer.from('sip+d2u'), Buffer.from([0]), name('_sip', '_udp', 'x')]);
  const naptr = Buffer.concat([Buffer.from([0xc0, 12]), u16(RR.NAPTR, 1), u32(60), u16(naptrData.length), naptrData]);
  const v6 = Buffer.alloc(16);
  v6.writeUInt16BE(0x2001, 0);
  v6.writeUInt16BE(0x0db8, 2);
  v6.writeUInt16BE(1, 14);
  const aaaa = Buffer.concat([Buffer.from([0xc0, 12]), u16(RR.AAAA, 1), u32(60), u16(16), v6]);
  const r = decodeResponse(Buffer.concat([header(3, 0x8383), question, srv, naptr, aaaa]));
  assert.equal(r.answers, [
    { type: 'SRV', name: 'x.test', ttl: 60, priority: 10, weight: 20, port: 5060, target: 'a.test' },
    { type: 'NAPTR', name: 'x.test', ttl: 60, order: 10, preference: 20, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.x' },
    { type: 'AAAA', name: 'x.test', ttl: 60, address: '2001:db8::1' },
  ]);
  assert.is(r.truncated, true);
  assert.is(r.rcode, 3);
});

test.run();
