import { createSocket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaError } from './media-error.js';
import { PortAllocator, splitPortRange } from './port-allocator.js';

test('hands out even ports only, each once while in use', () => {
  const p = new PortAllocator({ portMin: 20001, portMax: 20010 }); // odd start: 20002..20008 (20010 has no 20011)
  assert.is(p.capacity, 4);
  const got = [p.take(), p.take(), p.take(), p.take()];
  assert.equal(got, [20002, 20004, 20006, 20008]);
  for (const port of got) {
    assert.is(port % 2, 0);
    assert.ok(p.isInUse(port));
  }
  assert.is(new Set(got).size, got.length);
});

test('exhaustion is a typed error, and a release makes room again', () => {
  const p = new PortAllocator({ portMin: 30000, portMax: 30003 });
  p.take();
  const second = p.take();
  const err = (() => {
    try {
      p.take();
    } catch (e) {
      return e;
    }
  })();
  assert.instance(err, MediaError);
  assert.is((err as MediaError).code, 'ports-exhausted');
  assert.ok(p.release(second));
  assert.is(p.take(), second);
});

test('a released port goes to the back of the queue', () => {
  const p = new PortAllocator({ portMin: 40000, portMax: 40007 }); // 40000, 40002, 40004, 40006
  const first = p.take();
  p.release(first);
  assert.equal([p.take(), p.take(), p.take()], [40002, 40004, 40006]);
  assert.is(p.take(), first);
});

test('releasing a port that is not in use changes nothing', () => {
  const p = new PortAllocator({ portMin: 40000, portMax: 40007 });
  const a = p.take();
  assert.ok(p.release(a));
  assert.not.ok(p.release(a)); // twice
  assert.not.ok(p.release(40001)); // odd
  assert.not.ok(p.release(50000)); // out of range
  assert.is(p.free, 4);
  const all = [p.take(), p.take(), p.take(), p.take()];
  assert.is(new Set(all).size, 4); // no port queued twice
});

test('allocate skips a port held by another process and leaves it free for later', async () => {
  // Hold an even port with a real socket (ask the kernel for ports until one is even).
  let holder = createSocket('udp4');
  for (let i = 0; ; i++) {
    await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
    if (holder.address().port % 2 === 0 || i > 50) break;
    holder.close();
    holder = createSocket('udp4');
  }
  const held = holder.address().port;
  assert.is(held % 2, 0);
  const p = new PortAllocator({ portMin: held, portMax: held + 3 });
  const bind = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', (err) => {
        s.close();
        reject(err);
      });
      s.bind({ port, address: '127.0.0.1', exclusive: true }, () => {
        s.close();
        resolve(port);
      });
    });
  try {
    const r = await p.allocate(bind);
    assert.is(r.port, held + 2, 'the held port is skipped');
    assert.not.ok(p.isInUse(held), 'the skipped port is not marked in use');
    assert.is(p.free, 1, 'and stays in the queue for later');
  } finally {
    holder.close();
  }
});

test('allocate gives up with a typed error when every port is held', async () => {
  const p = new PortAllocator({ portMin: 50000, portMax: 50005 });
  const taken = Object.assign(new Error('taken'), { code: 'EADDRINUSE' });
  let tries = 0;
  try {
    await p.allocate(async () => {
      tries++;
      throw taken;
    });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, MediaError);
    assert.is((err as MediaError).code, 'ports-exhausted');
  }
  assert.is(tries, 3, 'each port tried once');
  assert.is(p.free, 3, 'all back in the queue');
});

test('allocate passes on a bind error that is not about the port', async () => {
  const p = new PortAllocator({ portMin: 50000, portMax: 50005 });
  const bad = Object.assign(new Error('no such address'), { code: 'EADDRNOTAVAIL' });
  try {
    await p.allocate(async () => {
      throw bad;
    });
    assert.unreachable();
  } catch (err) {
    assert.is(err, bad);
  }
  assert.is(p.free, 3);
});

test('splitPortRange: whole pairs, no overlap, all ports used', () => {
  const parts = splitPortRange({ portMin: 20000, portMax: 29999 }, 3);
  assert.is(parts.length, 3);
  assert.equal(parts[0], { portMin: 20000, portMax: 23333 });
  let next = 20000;
  let pairs = 0;
  for (const r of parts) {
    assert.is(r.portMin, next);
    assert.is(r.portMin % 2, 0);
    assert.is(r.portMax % 2, 1);
    next = r.portMax + 1;
    pairs += new PortAllocator(r).capacity;
  }
  assert.is(next, 30000);
  assert.is(pairs, 5000);
  assert.throws(() => splitPortRange({ portMin: 20000, portMax: 20003 }, 3), /fewer than 3 workers/);
});

test.run();
