import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { reuseportSpread, spreadNote } from './reuseport-spread.mjs';

async function freePorts(n) {
  const socks = Array.from({ length: n }, () => createSocket('udp4'));
  await Promise.all(socks.map((s) => new Promise((r) => s.bind(0, '127.0.0.1', r))));
  const ports = socks.map((s) => s.address().port);
  await Promise.all(socks.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

test('every source port lands on one of the sockets, the same one each time', async () => {
  const [port, a, b, c] = await freePorts(4);
  const first = await reuseportSpread('127.0.0.1', port, 2, [a, b, c]);
  assert.ok(first, 'the check ran');
  assert.is(first.length, 3);
  for (const k of first) assert.ok(k === 0 || k === 1);
  assert.equal(await reuseportSpread('127.0.0.1', port, 2, [a, b, c]), first);
});

test('a busy port: no answer instead of a wrong one', async () => {
  const [a] = await freePorts(1);
  const busy = createSocket('udp4');
  await new Promise((r) => busy.bind(0, '127.0.0.1', r));
  assert.is(await reuseportSpread('127.0.0.1', busy.address().port, 2, [a]), undefined);
  busy.close();
});

test('the note says whether every thread gets load', () => {
  assert.match(spreadNote([0, 1], 2, [5070, 5071]), 'every thread gets load');
  assert.match(spreadNote([1, 1], 2, [5070, 5071]), 'only 1 of 2 threads get load');
  assert.match(spreadNote([0], 2, [5070]), 'fewer SIPp processes than threads');
  assert.match(spreadNote(undefined, 2, [5070]), 'could not be made');
});

test.run();
