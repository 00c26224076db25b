import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallRecorder } from '../b2bua/ports.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { CallCheckpoint } from './call-checkpoint.js';

const storeRecorder = (store: SqliteTenantStore): CallRecorder => ({
  started: (r) => store.callStarted({ callId: r.callId, fromUri: r.fromUri, toUri: r.toUri, startedAt: r.startedAt }),
  answered: (callId, at) => store.callAnswered(callId, at),
  ended: () => {},
});

test('a call killed mid-way is billed up to its last checkpoint, not to its answer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-checkpoint-'));
  try {
    const clock = new FakeClock();
    const store = SqliteTenantStore.open(dir, 'acme');
    const cp = new CallCheckpoint({ clock, logger: silentLogger, intervalMs: 2_000 });
    const recorder = cp.wrap((t: { id: string; store: SqliteTenantStore }) => storeRecorder(t.store))({ id: 'acme', store });
    cp.start();
    const t0 = clock.now();
    recorder.started({ callId: 'c1', aLegCallId: 'a-c1', fromUri: 'sip:1001@acme.example', toUri: 'sip:1002@acme.example', direction: 'internal', startedAt: t0 });
    clock.advance(1_000);
    recorder.answered('c1', clock.now());
    clock.advance(7_500); // the process dies 7.5 s after the answer, without ending the call
    cp.stop();
    store.close();
    const after = SqliteTenantStore.open(dir, 'acme');
    assert.is(after.recoverCrashedCalls(clock.now()), 1);
    const [rec] = after.listCdrs();
    after.close();
    assert.is(rec!.disposition, 'crashed');
    assert.ok(rec!.billableS >= 6 && rec!.billableS <= 8, `billed ${rec!.billableS} s of 7.5 s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only tenants with calls up are touched, and a failing store is retried at the next checkpoint', () => {
  const clock = new FakeClock();
  const touched: string[] = [];
  let broken = true;
  const tenant = (id: string) => ({
    id,
    store: {
      touchActiveCalls: (at: number) => {
        if (id === 'b' && broken) throw new Error('disk full');
        touched.push(`${id}@${at}`);
        return 1;
      },
    },
  });
  const cp = new CallCheckpoint({ clock, logger: silentLogger, intervalMs: 1_000 });
  const noop: CallRecorder = { started: () => {}, answered: () => {}, ended: () => {} };
  const forTenant = cp.wrap(() => noop);
  const a = forTenant(tenant('a'));
  const b = forTenant(tenant('b'));
  forTenant(tenant('idle'));
  const call = (id: string) => ({ callId: id, aLegCallId: id, fromUri: 'sip:x@y', toUri: 'sip:z@y', direction: 'internal' as const, startedAt: clock.now() });
  a.started(call('a1'));
  b.started(call('b1'));
  cp.start();
  clock.advance(1_000);
  assert.equal(touched, [`a@${clock.now()}`]);
  broken = false;
  clock.advance(1_000);
  assert.equal(touched.slice(1), [`a@${clock.now()}`, `b@${clock.now()}`]);
  a.ended({ ...call('a1'), endedAt: clock.now(), disposition: 'answered', hangupSide: 'caller' } as Parameters<CallRecorder['ended']>[0]);
  assert.is(cp.tenantsWithCalls, 1);
  touched.length = 0;
  clock.advance(1_000);
  assert.equal(touched, [`b@${clock.now()}`]);
  cp.stop();
});

test('a round over many tenants is cut into slices, and every tenant is touched once per round', () => {
  const clock = new FakeClock();
  const count = new Map<string, number>();
  const cp = new CallCheckpoint({ clock, logger: silentLogger, intervalMs: 2_000 });
  const noop: CallRecorder = { started: () => {}, answered: () => {}, ended: () => {} };
  const forTenant = cp.wrap(() => noop);
  for (let i = 0; i < 250; i++) {
    const id = `t${i}`;
    forTenant({ id, store: { touchActiveCalls: () => (count.set(id, (count.get(id) ?? 0) + 1), 1) } }).started({
      callId: `c${i}`, aLegCallId: `c${i}`, fromUri: 'sip:x@y', toUri: 'sip:z@y', direction: 'internal', startedAt: clock.now(),
    });
  }
  cp.start();
  clock.advance(2_000);
  assert.is(count.size, 250);
  assert.ok([...count.values()].every((n) => n === 1));
  clock.advance(2_000);
  assert.ok([...count.values()].every((n) => n === 2));
  cp.stop();
});

test.run();
