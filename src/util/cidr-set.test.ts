import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BlockList } from 'node:net';
import { CidrSet } from './cidr-set.js';
import { InvalidAddressError, parseCidr } from './ip.js';

test('IPv4 networks contain their addresses and nothing else', () => {
  const set = new CidrSet(['10.0.0.0/8', '192.0.2.0/24', '198.51.100.7']);
  for (const a of ['10.0.0.0', '10.255.255.255', '192.0.2.200', '198.51.100.7']) assert.ok(set.contains(a), a);
  for (const a of ['11.0.0.0', '9.255.255.255', '192.0.3.1', '198.51.100.8', '2001:db8::1', 'garbage', '']) assert.not.ok(set.contains(a), a);
});

test('an IPv4 network contains the IPv4-mapped spellings of its addresses', () => {
  const set = new CidrSet(['10.0.0.0/8']);
  assert.ok(set.contains('::ffff:10.9.8.7'));
  assert.ok(set.contains('::ffff:a09:807'));
  assert.not.ok(set.contains('::ffff:11.9.8.7'));
});

test('IPv6 networks, including prefixes that split a 32-bit word', () => {
  const set = new CidrSet(['2001:db8:abcd::/48', 'fd00::/7', '2001:db8:1:2:3:4:5:6']);
  assert.ok(set.contains('2001:db8:abcd:1::1'));
  assert.ok(set.contains('2001:DB8:ABCD:ffff:ffff:ffff:ffff:ffff'));
  assert.ok(set.contains('fdff::1'));
  assert.ok(set.contains('fc00::1'));
  assert.ok(set.contains('2001:db8:1:2:3:4:5:6'));
  assert.not.ok(set.contains('2001:db8:abce::1'));
  assert.not.ok(set.contains('fe00::1'));
  assert.not.ok(set.contains('2001:db8:1:2:3:4:5:7'));
  assert.not.ok(set.contains('10.0.0.1'));
});

test('an IPv6 network covering ::ffff:0:0/96 contains every IPv4 address', () => {
  assert.ok(new CidrSet(['::/0']).contains('203.0.113.9'));
  assert.ok(new CidrSet(['::ffff:0:0/96']).contains('203.0.113.9'));
  assert.ok(new CidrSet(['::ffff:203.0.113.0/120']).contains('203.0.113.9'));
  assert.not.ok(new CidrSet(['::ffff:203.0.113.0/120']).contains('203.0.114.9'));
  assert.not.ok(new CidrSet(['2001:db8::/32']).contains('203.0.113.9'));
  assert.not.ok(new CidrSet(['::/96']).contains('203.0.113.9'));
});

test('an empty set contains nothing; a bad entry throws naming it', () => {
  assert.not.ok(new CidrSet().contains('10.0.0.1'));
  try {
    new CidrSet(['10.0.0.0/8', '10.0.0.0/33']);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InvalidAddressError);
    assert.match((e as Error).message, '10.0.0.0/33');
  }
  assert.equal(new CidrSet([' 10.1.0.0/16 ', '2001:DB8::/32']).toStrings(), ['10.1.0.0/16', '2001:db8::/32']);
});

test('coversNetwork: true only when one entry holds the whole network', () => {
  const set = new CidrSet(['192.0.2.0/24', '2001:db8::/32', '2001:db8:ffff:1::/64']);
  const covers = (c: string) => set.coversNetwork(parseCidr(c)!);
  assert.ok(covers('192.0.2.0/24'));
  assert.ok(covers('192.0.2.128/25'));
  assert.ok(covers('192.0.2.7'));
  assert.not.ok(covers('192.0.0.0/16')); // only part of it is in the set
  assert.not.ok(covers('192.0.3.0/24'));
  assert.ok(covers('2001:db8:1:2::/64'));
  assert.not.ok(covers('2001:db8::/31'));
  assert.not.ok(covers('2001:db9::/64'));
  assert.not.ok(new CidrSet(['2001:db8:1:2::1']).coversNetwork(parseCidr('2001:db8:1:2::/64')!));
  assert.ok(new CidrSet(['::/0']).coversNetwork(parseCidr('10.0.0.0/8')!));
});

test('agrees with node:net BlockList on random addresses and prefixes', () => {
  let seed = 777;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0);
  const v4 = (): string => [rnd() >>> 24, rnd() >>> 24, rnd() >>> 24, rnd() >>> 24].join('.');
  const v6 = (): string => Array.from({ length: 8 }, () => ((rnd() >>> 16) & 0xffff).toString(16)).join(':');
  const nets4 = Array.from({ length: 6 }, () => ({ a: v4(), p: (rnd() >>> 27) + 1 }));
  const nets6 = Array.from({ length: 6 }, () => ({ a: v6(), p: (rnd() >>> 25) + 1 }));
  const set = new CidrSet([...nets4.map((n) => `${n.a}/${n.p}`), ...nets6.map((n) => `${n.a}/${n.p}`)]);
  const ref = new BlockList();
  for (const n of nets4) ref.addSubnet(n.a, n.p, 'ipv4');
  for (const n of nets6) ref.addSubnet(n.a, n.p, 'ipv6');
  let hits = 0;
  for (let i = 0; i < 5000; i++) {
    // Half of the probes are near a network (same high bits), so both answers occur.
    const n4 = nets4[i % nets4.length];
    const a4 = i % 2 ? v4() : n4.a.split('.').slice(0, 2).concat([String(rnd() >>> 24), String(rnd() >>> 24)]).join('.');
    const n6 = nets6[i % nets6.length];
    const a6 = i % 2 ? v6() : n6.a.split(':').slice(0, 3).concat(Array.from({ length: 5 }, () => ((rnd() >>> 16) & 0xffff).toString(16))).join(':');
    assert.is(set.contains(a4), ref.check(a4, 'ipv4'), a4);
    assert.is(set.contains(a6), ref.check(a6, 'ipv6'), a6);
    if (set.contains(a4)) hits++;
    if (set.contains(a6)) hits++;
  }
  assert.ok(hits > 100, `only ${hits} probes matched`);
});

test.run();
