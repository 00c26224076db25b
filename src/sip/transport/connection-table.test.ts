import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionTable, type TrackedConnection } from './connection-table.js';

type Fake = { -readonly [K in keyof TrackedConnection]: TrackedConnection[K] };

let n = 0;
function conn(over: Partial<Fake> = {}): Fake {
  n++;
  return {
    id: `tcp-${n}`,
    protocol: 'tcp',
    direction: 'inbound',
    remote: { protocol: 'tcp', address: '192.0.2.1', port: 30000 + n },
    openedAt: 0,
    lastActivity: 0,
    ready: true,
    delivered: true,
    closingAt: undefined,
    ...over,
  };
}

test('per-source cap counts inbound connections of one address; trusted sources are exempt', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 100, maxConnectionsPerSource: 2 });
  t.add(conn());
  assert.is(t.admitInbound('192.0.2.1', false), 'ok');
  t.add(conn());
  assert.is(t.admitInbound('192.0.2.1', false), 'per-source cap');
  assert.is(t.admitInbound('192.0.2.1', true), 'ok');
  assert.is(t.admitInbound('192.0.2.2', false), 'ok');
  t.add(conn({ direction: 'outbound' }));
  assert.is(t.countFrom('192.0.2.1'), 2, 'outbound connections do not count against a source');
});

test('removing a connection frees its place; removing twice is harmless', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 100, maxConnectionsPerSource: 1 });
  const c = conn();
  t.add(c);
  assert.is(t.admitInbound('192.0.2.1', false), 'per-source cap');
  t.remove(c);
  t.remove(c);
  assert.is(t.size, 0);
  assert.is(t.countFrom('192.0.2.1'), 0);
  assert.is(t.admitInbound('192.0.2.1', false), 'ok');
});

test('the total cap holds for everyone, trusted or not, and for outbound', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 2, maxConnectionsPerSource: 10 });
  t.add(conn());
  t.add(conn({ remote: { protocol: 'tcp', address: '192.0.2.9', port: 1 } }));
  assert.is(t.admitInbound('192.0.2.3', true), 'total cap');
  assert.is(t.admitOutbound(), false);
});

test('findByRemote and get: by address and port, skipping connections that are closing', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 10, maxConnectionsPerSource: 10 });
  const c = conn({ direction: 'outbound', remote: { protocol: 'tcp', address: '198.51.100.1', port: 5060 } });
  t.add(c);
  assert.is(t.findByRemote('tcp', '198.51.100.1', 5060), c);
  assert.is(t.findByRemote('tls', '198.51.100.1', 5060), undefined);
  assert.is(t.get(c.id), c);
  c.closingAt = 5;
  assert.is(t.findByRemote('tcp', '198.51.100.1', 5060), undefined);
});

test('expired: handshake timeout, no first message, idle, close linger, each at its deadline', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 10, maxConnectionsPerSource: 10 });
  const limits = { idleConnectionMs: 10_000, firstMessageMs: 3_000, handshakeTimeoutMs: 1_000 };
  const handshaking = conn({ ready: false, delivered: false });
  const silent = conn({ delivered: false, lastActivity: 2_900 });
  const idle = conn({ lastActivity: 0 });
  const busy = conn({ lastActivity: 9_000 });
  const outboundSilent = conn({ direction: 'outbound', delivered: false, lastActivity: 9_000 });
  const closing = conn({ closingAt: 7_000, lastActivity: 9_000 });
  for (const c of [handshaking, silent, idle, busy, outboundSilent, closing]) t.add(c);
  const at = (now: number) => new Map(t.expired(now, limits).map((e) => [e.conn.id, e.reason]));
  assert.equal(at(999).size, 0);
  assert.is(at(1_000).get(handshaking.id), 'handshake timeout');
  assert.is(at(3_000).get(silent.id), 'no message');
  const late = at(10_000);
  assert.is(late.get(idle.id), 'idle');
  assert.is(late.get(closing.id), 'close linger');
  assert.not.ok(late.has(busy.id));
  assert.not.ok(late.has(outboundSilent.id), 'the first-message grace is for inbound connections');
});

test.run();
