import { MessageChannel } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { portLogger, type WorkerLogMessage } from './port-logger.js';

test('lines are plain data: level, msg, scope from child(), fields from with() and the line', () => {
  const sent: WorkerLogMessage[] = [];
  const log = portLogger((m) => sent.push(m), { level: 'info' });
  log.debug('below the level');
  log.child('relay').child('srtp').with({ session: 's1' }).warn('auth failed', { leg: 'a', error: new Error('bad tag') });
  log.info('plain');
  assert.equal(sent, [
    { kind: 'log', level: 'warn', msg: 'auth failed', scope: 'relay.srtp', fields: { session: 's1', leg: 'a', error: 'bad tag' } },
    { kind: 'log', level: 'info', msg: 'plain' },
  ]);
});

test('a field structured cloning refuses does not lose the line (a real MessagePort)', async () => {
  const { port1, port2 } = new MessageChannel();
  const got: WorkerLogMessage[] = [];
  const arrived = new Promise<void>((resolve) =>
    port2.on('message', (m: WorkerLogMessage) => {
      got.push(m);
      if (got.length === 2) resolve();
    }),
  );
  const log = portLogger((m) => port1.postMessage(m));
  log.info('odd', { fn: () => 1, nested: { fn: () => 2 }, n: 1 });
  log.info('after');
  await arrived;
  port1.close();
  assert.is(got[0]!.msg, 'odd');
  assert.is(got[0]!.fields!.n, 1);
  assert.is(typeof got[0]!.fields!.fn, 'string');
  assert.is(got[1]!.msg, 'after');
});

test.run();
