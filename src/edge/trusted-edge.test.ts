import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../sip/message/parse.js';
import { clientOf, type Inbound } from '../sip/transport/types.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { parseSourceHeader, TrustedEdges } from './trusted-edge.js';

function inbound(from: string, extra: string[]): Inbound {
  const text = ['REGISTER sip:acme.example SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1', 'From: <sip:1001@acme.example>;tag=1', 'To: <sip:1001@acme.example>', 'Call-ID: c1', 'CSeq: 1 REGISTER', ...extra, 'Content-Length: 0', '', ''].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error('bad sample');
  return { message: r.message, source: { protocol: 'udp', address: from, port: 5060 }, local: { protocol: 'udp', address: '10.0.0.11', port: 5060 }, receivedAt: 0 };
}

const edges = () => new TrustedEdges(['10.0.0.1', '192.0.2.0/28'], { clock: new FakeClock(), logger: silentLogger });

test('parseSourceHeader takes proto:ipv4:port and proto:[ipv6]:port, nothing else', () => {
  assert.equal(parseSourceHeader('udp:203.0.113.5:5060'), { protocol: 'udp', address: '203.0.113.5', port: 5060 });
  assert.equal(parseSourceHeader('TCP:[2001:DB8::5]:5061'), { protocol: 'tcp', address: '2001:db8::5', port: 5061 });
  for (const bad of ['', 'udp:203.0.113.5', 'sctp:1.2.3.4:5060', 'udp:999.1.1.1:5060', 'udp:1.2.3.4:0', 'udp:1.2.3.4:70000', 'udp:host.example:5060', 'udp:2001:db8::5:5060', 'udp:[1.2.3.4]:5060', 'udp:1.2.3.4:5060, udp:5.6.7.8:5060']) {
    assert.is(parseSourceHeader(bad), undefined, bad);
  }
});

test('from a trusted edge, X-PBX-Source names the client; the packet source (where answers go) stays the edge', () => {
  const i = edges().stamp(inbound('10.0.0.1', ['X-PBX-Source: udp:203.0.113.5:40000']));
  assert.equal(i.client, { protocol: 'udp', address: '203.0.113.5', port: 40000 });
  assert.equal(clientOf(i), { protocol: 'udp', address: '203.0.113.5', port: 40000 });
  assert.is(i.source.address, '10.0.0.1');
  assert.is(edges().stamp(inbound('192.0.2.9', ['X-PBX-Source: udp:203.0.113.6:5060'])).client?.address, '203.0.113.6');
});

test('the same header from any other source is ignored: the packet source is the client', () => {
  const i = edges().stamp(inbound('198.51.100.7', ['X-PBX-Source: udp:203.0.113.5:40000']));
  assert.is(i.client, undefined);
  assert.equal(clientOf(i), { protocol: 'udp', address: '198.51.100.7', port: 5060 });
  // no edges configured at all: nobody is trusted
  const none = new TrustedEdges([], { clock: new FakeClock(), logger: silentLogger }).stamp(inbound('10.0.0.1', ['X-PBX-Source: udp:203.0.113.5:40000']));
  assert.is(none.client, undefined);
});

test('a malformed or repeated header from the edge is ignored, the edge stands as the source', () => {
  assert.is(edges().stamp(inbound('10.0.0.1', ['X-PBX-Source: udp:evil'])).client, undefined);
  assert.is(edges().stamp(inbound('10.0.0.1', ['X-PBX-Source: udp:203.0.113.5:1', 'X-PBX-Source: udp:203.0.113.6:1'])).client, undefined);
});

test('reconfigure replaces the trusted set', () => {
  const e = edges();
  e.reconfigure(['10.9.0.0/16']);
  assert.is(e.stamp(inbound('10.0.0.1', ['X-PBX-Source: udp:203.0.113.5:40000'])).client, undefined);
  assert.is(e.stamp(inbound('10.9.1.1', ['X-PBX-Source: udp:203.0.113.5:40000'])).client?.port, 40000);
});

test.run();
