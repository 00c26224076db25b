import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isIP } from 'node:net';
import { formatCidr, formatIpv6, normalizeIp, parseCidr, parseIp, readIp } from './ip.js';

test('IPv4 dotted quads parse to one word', () => {
  assert.equal(parseIp('192.0.2.1'), { family: 4, words: [0xc0000201] });
  assert.equal(parseIp('0.0.0.0'), { family: 4, words: [0] });
  assert.equal(parseIp('255.255.255.255'), { family: 4, words: [0xffffffff] });
});

test('IPv4 text that is not a strict dotted quad is refused', () => {
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.04', '1..2.3', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4', '1.2.3.4/8', 'a.b.c.d', '1234.1.1.1', '1.2.3.4%eth0']) {
    assert.is(parseIp(bad), undefined, bad);
  }
});

test('IPv6 text forms of RFC 4291 §2.2 parse to the same words', () => {
  const full = parseIp('2001:0db8:0000:0000:0000:0000:0000:0001');
  assert.equal(full, { family: 6, words: [0x20010db8, 0, 0, 1] });
  assert.equal(parseIp('2001:db8::1'), full);
  assert.equal(parseIp('2001:DB8:0:0:0:0:0:1'), full);
  assert.equal(parseIp('::'), { family: 6, words: [0, 0, 0, 0] });
  assert.equal(parseIp('::1'), { family: 6, words: [0, 0, 0, 1] });
  assert.equal(parseIp('1::'), { family: 6, words: [0x10000, 0, 0, 0] });
  assert.equal(parseIp('1:2:3:4:5:6:7::'), { family: 6, words: [0x10002, 0x30004, 0x50006, 0x70000] });
  assert.equal(parseIp('64:ff9b::192.0.2.33'), { family: 6, words: [0x0064ff9b, 0, 0, 0xc0000221] });
  // A zone id (link-local, as Node reports it) is ignored.
  assert.equal(parseIp('fe80::1%eth0'), { family: 6, words: [0xfe800000, 0, 0, 1] });
});

test('malformed IPv6 is refused', () => {
  for (const bad of [':', ':::', '1:::2', ':1::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', '12345::', 'g::1', '1:', ':1', '::1%', '%eth0', '::1.2.3', '::1.2.3.4:5', '1:2:3:4:5:6:7:1.2.3.4', '[::1]', '::ffff:1.2.3.256', 'x'.repeat(200)]) {
    assert.is(parseIp(bad), undefined, bad);
  }
});

test('IPv4-mapped IPv6 folds to IPv4 in every spelling (RFC 5118 §4.9)', () => {
  const v4 = { family: 4, words: [0xc0000202] };
  assert.equal(parseIp('::ffff:192.0.2.2'), v4);
  assert.equal(parseIp('::FFFF:192.0.2.2'), v4);
  assert.equal(parseIp('::ffff:c000:202'), v4);
  assert.equal(parseIp('0:0:0:0:0:ffff:192.0.2.2'), v4);
  assert.equal(parseIp('0000:0000:0000:0000:0000:ffff:c000:0202'), v4);
  assert.is(normalizeIp('::ffff:192.0.2.2'), '192.0.2.2');
  // The deprecated IPv4-compatible form is a different (IPv6) address.
  assert.is(parseIp('::192.0.2.2')?.family, 6);
});

test('normalizeIp writes RFC 5952 canonical text', () => {
  const cases: Array<[string, string]> = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
    ['0:0:0:0:0:0:0:0', '::'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['10.0.0.1', '10.0.0.1'],
  ];
  for (const [input, want] of cases) assert.is(normalizeIp(input), want, input);
  assert.is(formatIpv6([0, 0, 0xffff, 0x0a000001]), '::ffff:10.0.0.1');
});

test('parse and format agree with Node on random addresses', () => {
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  for (let n = 0; n < 2000; n++) {
    const groups = Array.from({ length: 8 }, () => (rnd() % 3 === 0 ? 0 : rnd() & 0xffff));
    if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) continue;
    const text = groups.map((g) => g.toString(16)).join(':');
    const canonical = normalizeIp(text);
    assert.ok(canonical, text);
    assert.is(isIP(canonical!), 6, canonical);
    // WHATWG URL serialises IPv6 hosts with the same RFC 5952 rules.
    assert.is(canonical, new URL(`http://[${text}]/`).hostname.slice(1, -1), text);
    assert.equal(parseIp(canonical!), parseIp(text));
  }
});

test('readIp fills the caller buffer and reports the family', () => {
  const out = new Uint32Array(4);
  assert.is(readIp('10.1.2.3', out), 4);
  assert.is(out[0], 0x0a010203);
  assert.is(readIp('::ffff:10.1.2.3', out), 4);
  assert.is(out[0], 0x0a010203);
  assert.is(readIp('2001:db8::5', out), 6);
  assert.equal([...out], [0x20010db8, 0, 0, 5]);
  assert.is(readIp('not an address', out), 0);
  assert.is(readIp(undefined as unknown as string, out), 0);
});

test('parseCidr clears host bits and folds mapped networks', () => {
  assert.is(formatCidr(parseCidr('10.1.2.3/8')!), '10.0.0.0/8');
  assert.is(formatCidr(parseCidr('192.0.2.7')!), '192.0.2.7/32');
  assert.is(formatCidr(parseCidr('2001:db8:1:2:3::/48')!), '2001:db8:1::/48');
  assert.is(formatCidr(parseCidr('::1')!), '::1/128');
  assert.is(formatCidr(parseCidr('::ffff:10.0.0.0/104')!), '10.0.0.0/8');
  assert.is(formatCidr(parseCidr('::ffff:0:0/96')!), '0.0.0.0/0');
  assert.is(formatCidr(parseCidr('0.0.0.0/0')!), '0.0.0.0/0');
  assert.is(parseCidr('::ffff:10.0.0.0/80')?.address.family, 6);
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/08', '10.0.0.0/-1', '10.0.0.0/8/8', '/8', 'example.com/8', '10.0.0.0/ 8']) {
    assert.is(parseCidr(bad), undefined, bad);
  }
});

test.run();
