import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PortBatch, unbatch } from './port-batch.js';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

test('messages sent in one turn go as one batch, in order', async () => {
  const posted: unknown[] = [];
  const b = new PortBatch<number>((m) => posted.push(m), () => assert.unreachable());
  b.send(1);
  b.send(2);
  b.send(3);
  assert.equal(posted, []);
  await nextTurn();
  assert.equal(posted, [[1, 2, 3]]);
  b.send(4);
  await nextTurn();
  assert.equal(posted, [[1, 2, 3], 4], 'a lone message goes as itself');
});

test("a batch leaves before what the same turn deferred by a nextTick after it (dgram's send to an IP address)", async () => {
  const order: string[] = [];
  const posted: unknown[] = [];
  const b = new PortBatch<number>((m) => (order.push('posted to the worker'), posted.push(m)), () => assert.unreachable());
  // As the B2BUA runs: inside an I/O callback (a macrotask), setRemote for the callee's leg, then
  // the caller's 200, which dgram sends one nextTick later. Node runs the nextTick queue before
  // the microtask queue, so a batch flushed from a microtask would leave after the 200.
  await new Promise<void>((done) =>
    setImmediate(() => {
      b.send(1);
      b.send(2);
      process.nextTick(() => order.push('datagram sent'));
      void Promise.resolve().then(() => b.send(3)); // a continuation: the next batch
      setImmediate(done);
    }),
  );
  assert.equal(order, ['posted to the worker', 'datagram sent', 'posted to the worker']);
  assert.equal(posted, [[1, 2], 3]);
});

test('flush posts at once what is queued', () => {
  const posted: unknown[] = [];
  const b = new PortBatch<string>((m) => posted.push(m), () => assert.unreachable());
  b.send('a');
  b.flush();
  b.flush();
  assert.equal(posted, ['a']);
});

test('a refused batch is posted message by message: only the refused one is reported', async () => {
  const posted: unknown[] = [];
  const refused: Array<[number, string]> = [];
  const b = new PortBatch<number>(
    (m) => {
      if (Array.isArray(m) || m === 2) throw new Error(`cannot clone ${JSON.stringify(m)}`);
      posted.push(m);
    },
    (m, err) => refused.push([m, (err as Error).message]),
  );
  b.send(1);
  b.send(2);
  b.send(3);
  await nextTurn();
  assert.equal(posted, [1, 3]);
  assert.equal(refused, [[2, 'cannot clone 2']]);
});

test('unbatch hands on a batch or a lone message', () => {
  assert.equal(unbatch([1, 2]), [1, 2]);
  assert.equal(unbatch({ kind: 'ready' }), [{ kind: 'ready' }]);
});

test.run();
