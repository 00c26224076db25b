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
    pinned: false,
    messageStartedAt: undefined,
    ...over,
  };
}
const from = (address: string, over: Partial<Fake> = {}) => conn({ remote: { protocol: 'tcp', address, port: 30000 + n }, ...over });

const LIMITS = { idleConnectionMs: 10_000, firstMessageMs: 3_000, handshakeTimeoutMs: 1_000, unpinnedIdleMs: 5_000, messageDeadlineMs: 4_000 };

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

test('per-source cap: IPv6 sources are counted per /64, so one subscriber cannot rotate addresses past it', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 100, maxConnectionsPerSource: 2 });
  t.add(from('2001:db8:1:2::1'));
  t.add(from('2001:db8:1:2::ffff'));
  assert.is(t.admitInbound('2001:db8:1:2:dead:beef:0:1', false), 'per-source cap');
  assert.is(t.admitInbound('2001:db8:1:3::1', false), 'ok', 'the next /64 is another source');
  assert.is(t.countFrom('2001:db8:1:2::77'), 2);
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

test('pickEvictable: an unpinned inbound connection of the source holding the most, idle longest; never a pinned or outbound one', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 10, maxConnectionsPerSource: 10 });
  const phone = from('192.0.2.50', { lastActivity: 0, pinned: true });
  const trunk = from('198.51.100.1', { lastActivity: 0, direction: 'outbound' });
  const lone = from('192.0.2.60', { lastActivity: 10 });
  const flood = [from('192.0.2.66', { lastActivity: 300 }), from('192.0.2.66', { lastActivity: 200 }), from('192.0.2.66', { lastActivity: 400 })];
  for (const c of [phone, trunk, lone, ...flood]) t.add(c);
  assert.is(t.pickEvictable(), flood[1], 'the flooding source loses its oldest idle connection first');
  t.remove(flood[1]!);
  t.remove(flood[0]!);
  // Now 192.0.2.66 and 192.0.2.60 hold one each: the one idle longest goes.
  assert.is(t.pickEvictable(), lone);
  t.remove(lone);
  t.remove(flood[2]!);
  assert.is(t.pickEvictable(), undefined, 'pinned and outbound connections are never evicted');
});

test('pickEvictable prefers a connection that is already closing', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 10, maxConnectionsPerSource: 10 });
  const idle = from('192.0.2.1', { lastActivity: 0 });
  const closing = from('192.0.2.1', { lastActivity: 500, closingAt: 600 });
  t.add(idle);
  t.add(closing);
  assert.is(t.pickEvictable(), closing);
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
  const handshaking = conn({ ready: false, delivered: false });
  const silent = conn({ delivered: false, lastActivity: 2_900 });
  const idle = conn({ lastActivity: 0, pinned: true });
  const busy = conn({ lastActivity: 9_000 });
  const outboundSilent = conn({ direction: 'outbound', delivered: false, lastActivity: 9_000 });
  const closing = conn({ closingAt: 7_000, lastActivity: 9_000 });
  for (const c of [handshaking, silent, idle, busy, outboundSilent, closing]) t.add(c);
  const at = (now: number) => new Map(t.expired(now, LIMITS).map((e) => [e.conn.id, e.reason]));
  assert.equal(at(999).size, 0);
  assert.is(at(1_000).get(handshaking.id), 'handshake timeout');
  assert.is(at(3_000).get(silent.id), 'no message');
  const late = at(10_000);
  assert.is(late.get(idle.id), 'idle');
  assert.is(late.get(closing.id), 'close linger');
  assert.not.ok(late.has(busy.id));
  assert.not.ok(late.has(outboundSilent.id), 'the first-message grace is for inbound connections');
});

test('expired: an unpinned inbound connection gets the short idle timeout; pinned and outbound ones the long one', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 10, maxConnectionsPerSource: 10 });
  const stranger = conn({ lastActivity: 1_000 });
  const phone = conn({ lastActivity: 1_000, pinned: true });
  const trunk = conn({ lastActivity: 1_000, direction: 'outbound' });
  for (const c of [stranger, phone, trunk]) t.add(c);
  const at = (now: number) => new Map(t.expired(now, LIMITS).map((e) => [e.conn.id, e.reason]));
  assert.not.ok(at(5_999).has(stranger.id));
  assert.is(at(6_000).get(stranger.id), 'idle');
  assert.not.ok(at(6_000).has(phone.id));
  assert.not.ok(at(6_000).has(trunk.id));
  assert.is(at(11_000).get(phone.id), 'idle');
  assert.is(at(11_000).get(trunk.id), 'idle');
});

test('expired: a message not read whole within the deadline closes even a busy, pinned connection', () => {
  const t = new ConnectionTable<Fake>({ maxConnections: 10, maxConnectionsPerSource: 10 });
  // A trickler: one octet every few seconds keeps lastActivity fresh, but the message never ends.
  const trickler = conn({ messageStartedAt: 1_000, lastActivity: 4_900, pinned: true });
  const between = conn({ messageStartedAt: undefined, lastActivity: 4_900 });
  t.add(trickler);
  t.add(between);
  const at = (now: number) => new Map(t.expired(now, LIMITS).map((e) => [e.conn.id, e.reason]));
  assert.not.ok(at(4_999).has(trickler.id));
  assert.is(at(5_000).get(trickler.id), 'message deadline');
  assert.not.ok(at(5_000).has(between.id));
});

test.run();
