import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { DnsCache, DnsClient } from '../sip/locate/dns-client.js';
import { SipLocator } from '../sip/locate/sip-locator.js';
import type { Trunk } from '../model/routing-plan.js';
import { systemClock } from '../util/clock.js';
import { FakeClock } from '../util/fake-clock.js';
import { TrunkResolver, TrunkTargetRefused } from './trunk-target.js';

const trunk = (over: Partial<Trunk> = {}): Trunk => ({ name: 'c', kind: 'ip', host: 'carrier.test', port: 5060, transport: 'udp', registerExpires: 3600, allowedSources: [], ...over });

async function setup() {
  const dns = await TestDnsServer.start({
    records: [
      { name: 'carrier.test', type: 'NAPTR', ttl: 600, order: 1, preference: 1, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.carrier.test' },
      { name: '_sip._udp.carrier.test', type: 'SRV', ttl: 120, priority: 1, weight: 0, port: 5070, target: 'a.carrier.test' },
      { name: '_sip._udp.carrier.test', type: 'SRV', ttl: 120, priority: 2, weight: 0, port: 5071, target: 'b.carrier.test' },
      { name: 'a.carrier.test', type: 'A', address: '198.51.100.1' },
      { name: 'b.carrier.test', type: 'A', address: '198.51.100.2' },
      { name: 'b.carrier.test', type: 'A', address: '127.0.0.1' },
      { name: 'direct.test', type: 'A', address: '198.51.100.9' },
    ],
  });
  const clock = new FakeClock(0);
  const client = new DnsClient({ servers: [dns.address], clock: systemClock, timeoutMs: 500 });
  const locator = new SipLocator({ dns: new DnsCache({ query: client.query, clock, maxSeconds: 3600 }).query });
  const resolver = new TrunkResolver({ clock, locator, blacklistMs: 60_000 });
  return { dns, clock, resolver };
}

test('a named trunk on the default port is located by SRV; with a port of its own only by A', async () => {
  const { dns, resolver } = await setup();
  try {
    const all = await resolver.targets(trunk());
    assert.equal(all.map((t) => `${t.address}:${t.port}`), ['198.51.100.1:5070', '198.51.100.2:5071', '127.0.0.1:5071']);
    assert.equal(resolver.targetsNow(trunk())?.map((t) => t.port), [5070, 5071, 5071]);
    assert.equal((await resolver.targets(trunk({ host: 'direct.test', port: 5080 }))).map((t) => `${t.address}:${t.port}`), ['198.51.100.9:5080']);
    assert.is(dns.count('SRV', '_sip._udp.direct.test'), 0);
    // The carrier's located addresses are where it may answer from.
    assert.ok(resolver.isFromTrunk(trunk(), '198.51.100.2'));
    assert.not.ok(resolver.isFromTrunk(trunk(), '198.51.100.77'));
  } finally {
    await dns.close();
  }
});

test('resolved addresses go through the refusal (a tenant trunk): the loopback one is dropped; all refused throws', async () => {
  const { dns, resolver } = await setup();
  try {
    const noLoopback = (a: string) => (a.startsWith('127.') ? 'loopback' : undefined);
    assert.equal((await resolver.targets(trunk(), noLoopback)).map((t) => t.address), ['198.51.100.1', '198.51.100.2']);
    try {
      await resolver.targets(trunk(), () => 'nothing allowed');
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, TrunkTargetRefused);
    }
  } finally {
    await dns.close();
  }
});

test('a failed target is passed over for blacklistMs (injected clock), and used again when it is the only one left', async () => {
  const { dns, resolver, clock } = await setup();
  try {
    const [a, b, c] = await resolver.targets(trunk());
    resolver.markFailed(a!);
    assert.equal((await resolver.targets(trunk())).map((t) => t.port), [5071, 5071]);
    resolver.markFailed(b!);
    resolver.markFailed(c!);
    assert.is((await resolver.targets(trunk())).length, 3, 'all failed: all tried again rather than none');
    clock.advance(60_001);
    assert.equal((await resolver.targets(trunk())).map((t) => t.address), ['198.51.100.1', '198.51.100.2', '127.0.0.1']);
  } finally {
    await dns.close();
  }
});

test('the TTL of the answer bounds how long the location is kept; then DNS is asked again', async () => {
  const { dns, resolver, clock } = await setup();
  try {
    await resolver.targets(trunk());
    clock.advance(119_000);
    await resolver.targets(trunk());
    assert.is(dns.count('SRV', '_sip._udp.carrier.test'), 1);
    clock.advance(2_000);
    await resolver.targets(trunk());
    assert.is(dns.count('SRV', '_sip._udp.carrier.test'), 2);
    assert.is(dns.count('NAPTR', 'carrier.test'), 1, 'the NAPTR is still within its 600 s');
  } finally {
    await dns.close();
  }
});

test.run();
