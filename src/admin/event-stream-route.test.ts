import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { ApiError, type Principal } from './api-types.js';
import { eventStreamRoute } from './event-stream-route.js';
import { LiveEvents } from './live-events.js';

/** The parts of a ServerResponse the route uses, recording what it writes. */
class FakeRes extends EventEmitter {
  written: string[] = [];
  head: { status: number; headers: Record<string, string> } | undefined;
  writableEnded = false;
  writableLength = 0;
  writeHead(status: number, headers: Record<string, string>) {
    this.head = { status, headers };
    return this;
  }
  write(text: string) {
    this.written.push(text);
    return true;
  }
  end() {
    this.writableEnded = true;
    this.emit('close');
  }
}

const user: Principal = { role: 'user', tokenId: 'web:1', tenantId: 'acme', ext: '1001' };

function open(route: ReturnType<typeof eventStreamRoute>, principal = user) {
  const req = new EventEmitter() as unknown as IncomingMessage;
  const res = new FakeRes();
  const out = route.handler({ req, res: res as unknown as ServerResponse, principal, remoteAddress: '127.0.0.1', readJson: async () => undefined });
  return { req, res, out };
}

test('a heartbeat comment every 15 s; scoped events as event/data blocks; closed once the session is gone', () => {
  const clock = new FakeClock();
  const live = new LiveEvents();
  let allowed = true;
  const route = eventStreamRoute({ live, clock, maxStreams: () => 2, stillAllowed: () => allowed });
  const { res, out } = open(route);
  assert.equal(out, { streamed: true });
  assert.is(res.head!.status, 200);
  assert.is(res.head!.headers['Content-Type'], 'text/event-stream; charset=utf-8');
  assert.is(res.written.length, 1);
  clock.advance(14_999);
  assert.is(res.written.length, 1);
  clock.advance(1);
  assert.is(res.written.at(-1), ': heartbeat\n\n');
  clock.advance(15_000);
  assert.is(res.written.filter((w) => w.startsWith(': heartbeat')).length, 2);
  live.publish({ type: 'registration', tenantId: 'acme', ext: '1002', contacts: 1 });
  live.publish({ type: 'registration', tenantId: 'globex', ext: '1001', contacts: 1 });
  live.publish({ type: 'registration', tenantId: 'acme', ext: '1001', contacts: 2 });
  assert.is(res.written.at(-1), 'event: registration\ndata: {"tenantId":"acme","ext":"1001","contacts":2}\n\n');
  assert.is(res.written.filter((w) => w.startsWith('event:')).length, 1, 'only its own extension');
  allowed = false;
  clock.advance(15_000);
  assert.ok(res.writableEnded, 'the heartbeat found the session gone');
  assert.is(live.subscribers, 0);
});

test('at most maxStreams per principal; a closed one frees its place; a client that does not read is cut off', () => {
  const clock = new FakeClock();
  const live = new LiveEvents();
  const route = eventStreamRoute({ live, clock, maxStreams: () => 2, stillAllowed: () => true, maxBufferedBytes: 100 });
  const a = open(route);
  open(route);
  try {
    open(route);
    assert.unreachable('a third stream');
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).status, 429);
  }
  open(route, { ...user, tokenId: 'web:2' });
  (a.req as unknown as EventEmitter).emit('close');
  const c = open(route);
  c.res.writableLength = 101;
  live.publish({ type: 'registration', tenantId: 'acme', ext: '1001', contacts: 1 });
  assert.ok(c.res.writableEnded, 'cut off');
  assert.not.ok(c.res.written.some((w) => w.startsWith('event:')));
});

test.run();
