import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeStun, encodeStun, fingerprintOf, looksLikeStun, messageType, readXorMappedAddress, StunAttr, xorMappedAddress } from './stun-message.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 §2.1 "Sample Request" (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
// MESSAGE-INTEGRITY, FINGERPRINT).
const SAMPLE_REQUEST = hex(`
  0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 0010 5354554e 20746573 7420636c 69656e74
  0024 0004 6e0001ff
  8029 0008 932ff9b1 51263b36
  0006 0009 6576746a 3a683676 59202020
  0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  8028 0004 e57a3bcf`);
// RFC 5769 §2.2 "Sample IPv4 Response": XOR-MAPPED-ADDRESS 192.0.2.1 port 32853.
const SAMPLE_IPV4_RESPONSE = hex(`
  0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0008 0001a147 e112a643
  0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  8028 0004 c07d4c96`);
// RFC 5769 §2.3 "Sample IPv6 Response": 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
const SAMPLE_IPV6_RESPONSE = hex(`
  0101 0048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  0008 0014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  8028 0004 c8fb0b4c`);
const TXID = hex('b7e7a701 bc34d686 fa87dfae');

test('RFC 5769 §2.1: the sample request decodes, its FINGERPRINT checks, its attributes are listed in order', () => {
  assert.ok(looksLikeStun(SAMPLE_REQUEST));
  const r = decodeStun(SAMPLE_REQUEST);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  assert.is(r.message.cls, 'request');
  assert.is(r.message.method, 0x001);
  assert.ok(r.message.fingerprint);
  assert.equal(r.message.transactionId, TXID);
  assert.equal(r.message.attributes.map((a) => a.type), [0x8022, 0x0024, 0x8029, 0x0006, 0x0008]);
  assert.is(r.message.attributes[0]!.value.toString(), 'STUN test client');
  assert.is(r.message.attributes[3]!.value.toString(), 'evtj:h6vY', 'USERNAME without its padding');
});

test('RFC 5769 §2.2 and §2.3: XOR-MAPPED-ADDRESS decodes to the documented IPv4 and IPv6 addresses', () => {
  for (const [msg, address] of [[SAMPLE_IPV4_RESPONSE, '192.0.2.1'], [SAMPLE_IPV6_RESPONSE, '2001:db8:1234:5678:11:2233:4455:6677']] as const) {
    const r = decodeStun(msg);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.is(r.message.cls, 'success');
    const xma = r.message.attributes.find((a) => a.type === StunAttr.XOR_MAPPED_ADDRESS)!;
    assert.equal(readXorMappedAddress(xma.value, r.message.transactionId), { address, port: 32853 });
  }
});

test('RFC 5769 §2.2 and §2.3: encoding the same attributes gives the vectors octet for octet (XOR-MAPPED-ADDRESS, padding, FINGERPRINT)', () => {
  for (const [vector, address] of [[SAMPLE_IPV4_RESPONSE, '192.0.2.1'], [SAMPLE_IPV6_RESPONSE, '2001:db8:1234:5678:11:2233:4455:6677']] as const) {
    const r = decodeStun(vector);
    assert.ok(r.ok);
    if (!r.ok) return;
    const [software, , integrity] = r.message.attributes;
    const rebuilt = encodeStun({
      method: 0x001,
      cls: 'success',
      transactionId: TXID,
      // MESSAGE-INTEGRITY is carried over as it is (this server does no authentication).
      attributes: [software!, { type: StunAttr.XOR_MAPPED_ADDRESS, value: xorMappedAddress(address, 32853, TXID) }, integrity!],
      fingerprint: true,
    });
    // The vectors pad SOFTWARE with a space; RFC 5389 §15 lets the padding be anything, and this encoder writes zeros.
    const expected = Buffer.from(vector);
    expected[35] = 0x00;
    const fpAt = expected.length - 8;
    expected.writeUInt32BE(fingerprintOf(expected.subarray(0, fpAt)), fpAt + 4);
    assert.equal(rebuilt, expected);
  }
  // And with the vector's own padding octet, the FINGERPRINT computed is the RFC's.
  assert.is(fingerprintOf(SAMPLE_IPV4_RESPONSE.subarray(0, SAMPLE_IPV4_RESPONSE.length - 8)), 0xc07d4c96);
  assert.is(fingerprintOf(SAMPLE_REQUEST.subarray(0, SAMPLE_REQUEST.length - 8)), 0xe57a3bcf);
});

test('message type packs method and class as in RFC 5389 figure 3', () => {
  assert.is(messageType(0x001, 'request'), 0x0001);
  assert.is(messageType(0x001, 'indication'), 0x0011);
  assert.is(messageType(0x001, 'success'), 0x0101);
  assert.is(messageType(0x001, 'error'), 0x0111);
  assert.is(messageType(0x003, 'request'), 0x0003);
  const r = decodeStun(encodeStun({ method: 0xabc, cls: 'error', transactionId: TXID, attributes: [], fingerprint: false }));
  assert.ok(r.ok && r.message.method === 0xabc && r.message.cls === 'error');
});

test('an IPv4-mapped IPv6 source (a dual-stack socket) is reported as IPv4', () => {
  assert.equal(xorMappedAddress('::ffff:192.0.2.1', 32853, TXID), xorMappedAddress('192.0.2.1', 32853, TXID));
  assert.equal(readXorMappedAddress(xorMappedAddress('::1', 5060, TXID), TXID), { address: '::1', port: 5060 });
  assert.equal(readXorMappedAddress(Buffer.from([0, 3, 0, 0]), TXID), undefined, 'unknown family');
});

test('malformed STUN is refused with a reason, never thrown', () => {
  const bad = (b: Buffer) => {
    const r = decodeStun(b);
    assert.not.ok(r.ok);
    return r.ok ? '' : r.reason;
  };
  assert.match(bad(Buffer.from('INVITE sip:a@b SIP/2.0\r\n\r\n')), 'not a STUN');
  assert.match(bad(SAMPLE_REQUEST.subarray(0, 19)), 'not a STUN');
  const odd = Buffer.from(SAMPLE_REQUEST);
  odd.writeUInt16BE(0x57, 2);
  assert.match(bad(odd), 'multiple of 4');
  const long = Buffer.from(SAMPLE_REQUEST);
  long.writeUInt16BE(0x5c, 2);
  assert.match(bad(long), 'does not match');
  assert.match(bad(SAMPLE_REQUEST.subarray(0, 104)), 'does not match');
  const overrun = Buffer.from(SAMPLE_REQUEST);
  overrun.writeUInt16BE(0x0100, 22); // SOFTWARE claims 256 octets
  assert.match(bad(overrun), 'overruns');
  const flipped = Buffer.from(SAMPLE_REQUEST);
  flipped[30] ^= 1;
  assert.match(bad(flipped), 'FINGERPRINT does not match');
  // A correct FINGERPRINT (computed with the final length) followed by one more attribute.
  const after = Buffer.concat([SAMPLE_REQUEST, hex('80220000')]);
  after.writeUInt16BE(0x5c, 2);
  after.writeUInt32BE(fingerprintOf(after.subarray(0, 100)), 104);
  assert.match(bad(after), 'after FINGERPRINT');
  const shortFp = hex('0001 0008 2112a442 b7e7a701 bc34d686 fa87dfae 8028 0000 00000000');
  assert.match(bad(shortFp), 'FINGERPRINT is not 4');
  const truncatedHeader = hex('0001 0004 2112a442 b7e7a701 bc34d686 fa87dfae 8022');
  truncatedHeader.writeUInt16BE(2, 2);
  assert.match(bad(Buffer.concat([truncatedHeader, hex('0000')])), 'multiple of 4');
});

test('every truncation and every single-octet corruption of the sample request decodes or is refused, never throws', () => {
  for (let n = 0; n <= SAMPLE_REQUEST.length; n++) decodeStun(SAMPLE_REQUEST.subarray(0, n));
  for (let i = 0; i < SAMPLE_REQUEST.length; i++) {
    for (const v of [0x00, 0xff, 0x80]) {
      const b = Buffer.from(SAMPLE_REQUEST);
      b[i] = v;
      decodeStun(b);
    }
  }
  assert.ok(true);
});

test.run();
