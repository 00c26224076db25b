import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TestDnsServer, type TestRecord } from '../../../test/support/dns-server.js';
import { systemClock } from '../../util/clock.js';
import { FakeClock } from '../../util/fake-clock.js';
import { DnsCache, DnsClient } from './dns-client.js';
import { RR } from './dns-wire.js';
import { LocateError, SipLocator } from './sip-locator.js';
import { seededRandom } from './srv-order.js';

const CARRIER: TestRecord[] = [
  { name: 'carrier.test', type: 'NAPTR', order: 10, preference: 10, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.carrier.test' },
  { name: 'carrier.test', type: 'NAPTR', order: 10, preference: 20, flags: 's', service: 'SIP+D2T', replacement: '_sip._tcp.carrier.test' },
  { name: 'carrier.test', type: 'NAPTR', order: 10, preference: 5, flags: 's', service: 'E2U+sip', replacement: 'ignored.carrier.test' },
  { name: '_sip._udp.carrier.test', type: 'SRV', ttl: 60, priority: 10, weight: 0, port: 5070, target: 'a.carrier.test' },
  { name: '_sip._udp.carrier.test', type: 'SRV', ttl: 60, priority: 20, weight: 0, port: 5071, target: 'b.carrier.test' },
  { name: '_sip._udp.carrier.test', type: 'SRV', ttl: 60, priority: 30, weight: 0, port: 5072, target: 'c.carrier.test' },
  { name: '_sip._tcp.carrier.test', type: 'SRV', priority: 10, weight: 0, port: 5080, target: 'a.carrier.test' },
  { name: 'a.carrier.test', type: 'A', address: '127.0.0.11' },
  { name: 'b.carrier.test', type: 'A', address: '127.0.0.12' },
  { name: 'b.carrier.test', type: 'AAAA', address: '::1' },
  { name: 'c.carrier.test', type: 'A', address: '127.0.0.13' },
  // SRV without NAPTR
  { name: '_sip._tcp.srvonly.test', type: 'SRV', priority: 1, weight: 1, port: 5090, target: 'a.carrier.test' },
  // no SRV at all
  { name: 'plain.test', type: 'A', ttl: 30, address: '127.0.0.20' },
  // hostile
  { name: '_sip._udp.loop.test', type: 'SRV', priority: 1, weight: 1, port: 5060, target: '_sip._udp.loop.test' },
  { name: 'naptrloop.test', type: 'NAPTR', order: 1, preference: 1, flags: 's', service: 'SIP+D2U', replacement: 'naptrloop.test' },
  { name: 'cname.test', type: 'CNAME', target: 'cname2.test' },
  { name: 'cname2.test', type: 'CNAME', target: 'cname.test' },
  ...Array.from({ length: 40 }, (_, i): TestRecord => ({ name: '_sip._udp.many.test', type: 'SRV', priority: 1, weight: 1, port: 5060 + i, target: `h${i}.many.test` })),
];

async function setup(o: { clock?: FakeClock; oversized?: Record<string, number>; silent?: string[] } = {}) {
  const server = await TestDnsServer.start({ records: CARRIER, ...(o.oversized ? { oversized: o.oversized } : {}), ...(o.silent ? { silent: o.silent } : {}) });
  const client = new DnsClient({ servers: [server.address], clock: systemClock, timeoutMs: 300 });
  const clock = o.clock ?? new FakeClock(0);
  const cache = new DnsCache({ query: client.query, clock, maxSeconds: 3600 });
  const locator = new SipLocator({ dns: cache.query, random: seededRandom(3) });
  return { server, client, cache, locator, clock };
}

test('an IP literal is used as is; no DNS is asked', async () => {
  const { server, locator } = await setup();
  try {
    assert.equal((await locator.locate({ host: '192.0.2.9' })).targets, [{ protocol: 'udp', address: '192.0.2.9', port: 5060 }]);
    assert.equal((await locator.locate({ host: '[2001:db8::1]', secure: true })).targets, [{ protocol: 'tls', address: '2001:db8::1', port: 5061 }]);
    assert.is(server.asked.length, 0);
  } finally {
    await server.close();
  }
});

test('NAPTR -> SRV -> A: SIP services by preference, SRV targets by priority, IPv4 before IPv6', async () => {
  const { server, locator } = await setup();
  try {
    const r = await locator.locate({ host: 'carrier.test' });
    assert.is(r.via, 'naptr');
    assert.equal(r.targets, [
      { protocol: 'udp', address: '127.0.0.11', port: 5070 },
      { protocol: 'udp', address: '127.0.0.12', port: 5071 },
      { protocol: 'udp', address: '::1', port: 5071 },
      { protocol: 'udp', address: '127.0.0.13', port: 5072 },
    ]);
    assert.is(r.ttlSeconds, 60);
    assert.is(server.count('SRV', 'ignored.carrier.test'), 0);
  } finally {
    await server.close();
  }
});

test('transport=tcp picks the SIP+D2T service; a name with a port is only A/AAAA', async () => {
  const { server, locator } = await setup();
  try {
    assert.equal((await locator.locate({ host: 'carrier.test', transport: 'tcp' })).targets, [{ protocol: 'tcp', address: '127.0.0.11', port: 5080 }]);
    const before = server.asked.length;
    assert.equal((await locator.locate({ host: 'c.carrier.test', port: 7000 })).targets, [{ protocol: 'udp', address: '127.0.0.13', port: 7000 }]);
    assert.equal(server.asked.slice(before).sort(), ['A c.carrier.test', 'AAAA c.carrier.test']);
  } finally {
    await server.close();
  }
});

test('without NAPTR: SRV per transport; without SRV: A at the default port', async () => {
  const { server, locator } = await setup();
  try {
    const srv = await locator.locate({ host: 'srvonly.test' });
    assert.is(srv.via, 'srv');
    assert.equal(srv.targets, [{ protocol: 'tcp', address: '127.0.0.11', port: 5090 }]);
    const plain = await locator.locate({ host: 'plain.test', transport: 'tls' });
    assert.equal(plain.targets, [{ protocol: 'tls', address: '127.0.0.20', port: 5061 }]);
    assert.is(plain.via, 'a');
    // sips: asks only _sips._tcp
    await locator.locate({ host: 'plain.test', secure: true });
    assert.is(server.count('SRV', '_sip._udp.plain.test'), 0);
    assert.ok(server.count('SRV', '_sips._tcp.plain.test') > 0);
  } finally {
    await server.close();
  }
});

test('answers are kept for their TTL on the injected clock, then asked again', async () => {
  const clock = new FakeClock(0);
  const { server, locator } = await setup({ clock });
  try {
    await locator.locate({ host: 'carrier.test' });
    const n = server.count('SRV', '_sip._udp.carrier.test');
    assert.is(n, 1);
    clock.advance(59_000);
    await locator.locate({ host: 'carrier.test' });
    assert.is(server.count('SRV', '_sip._udp.carrier.test'), 1, 'cached within its 60 s');
    clock.advance(2_000);
    await locator.locate({ host: 'carrier.test' });
    assert.is(server.count('SRV', '_sip._udp.carrier.test'), 2, 'asked again after 60 s');
    assert.is(server.count('NAPTR', 'carrier.test'), 1, 'the NAPTR (300 s) is still cached');
  } finally {
    await server.close();
  }
});

test('cacheMaxSeconds caps a long TTL', async () => {
  const server = await TestDnsServer.start({ records: CARRIER });
  try {
    const clock = new FakeClock(0);
    const client = new DnsClient({ servers: [server.address], clock: systemClock, timeoutMs: 300 });
    const cache = new DnsCache({ query: client.query, clock, maxSeconds: 10 });
    await cache.query('plain.test', RR.A);
    clock.advance(11_000);
    await cache.query('plain.test', RR.A);
    assert.is(server.count('A', 'plain.test'), 2);
  } finally {
    await server.close();
  }
});

test('hostile answers are refused cleanly: SRV and NAPTR loops, too many records, oversized, CNAME loop, silence', async () => {
  const { server, locator, client } = await setup({ oversized: { 'big.test': 5000 }, silent: ['slow.test'] });
  try {
    const refused = async (host: string, re: RegExp) => {
      try {
        await locator.locate({ host });
      } catch (e) {
        assert.instance(e, LocateError, host);
        assert.match((e as Error).message, re, host);
        return;
      }
      assert.unreachable(`${host} was located`);
    };
    await refused('loop.test', /loop/);
    await refused('naptrloop.test', /loop/);
    await refused('many.test', /more than the/);
    await refused('big.test', /more than the 4096 accepted|no A/);
    await refused('slow.test', /no answer|no A/);
    try {
      await client.query('cname.test', RR.A);
      assert.unreachable('CNAME loop answered');
    } catch (e) {
      assert.match((e as Error).message, /CNAME loop/);
    }
    try {
      await client.query('big.test', RR.A);
      assert.unreachable('oversized answer taken');
    } catch (e) {
      assert.match((e as Error).message, /more than the 4096 accepted/);
    }
    try {
      await client.query('slow.test', RR.A);
      assert.unreachable('silence answered');
    } catch (e) {
      assert.match((e as Error).message, /no answer/);
    }
  } finally {
    await server.close();
  }
});

test('a packet from another source or with another id is ignored (no spoofed answers)', async () => {
  const server = await TestDnsServer.start({ records: CARRIER, spoof: '6.6.6.6' });
  try {
    const client = new DnsClient({ servers: [server.address], clock: systemClock, timeoutMs: 1000 });
    const a = await client.query('plain.test', RR.A);
    assert.equal(a.records.map((r) => (r.type === 'A' ? r.address : '')), ['127.0.0.20']);
  } finally {
    await server.close();
  }
});

test.run();
