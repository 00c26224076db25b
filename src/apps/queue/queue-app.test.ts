// The queue application on a hand-made channel with a fake clock: agents "answer" when the
// test says so, time moves only with the clock. Max wait sends the caller to the overflow,
// a full queue and an empty one (joinEmpty false) refuse at once, callers are served first
// come first served, an abandoned caller is counted, wrap-up holds the agent back, and the
// position is announced every announceSeconds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCallFlows } from '../../model/call-flows.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { FakeClock } from '../../util/fake-clock.js';
import type { BridgeOutcome } from '../app-channel.js';
import { FakeAppChannel } from '../fake-app-channel.js';
import { QueueService } from './queue-service.js';

/** A channel whose bridgeTo waits for the test to answer (or fail) the ring. */
class QueueChannel extends FakeAppChannel {
  rings: string[][] = [];
  private ring?: (o: BridgeOutcome) => void;
  moh = 0;
  async musicOnHold(): Promise<boolean> {
    this.moh++;
    return true;
  }
  bridgeTo(exts: readonly string[]): Promise<BridgeOutcome> {
    this.rings.push([...exts]);
    return new Promise((resolve) => {
      this.ring = resolve;
      this.onHangup(() => resolve({ kind: 'hangup' }));
    });
  }
  get ringing(): boolean {
    return this.ring !== undefined;
  }
  settle(o: BridgeOutcome): void {
    const p = this.ring;
    this.ring = undefined;
    p?.(o);
  }
}

function tenantWith(queues: unknown[], registered: readonly string[]): TenantContext {
  const base = FakeAppChannel.tenant('acme', ['1001', '1002', '1003', '1009']);
  const settings = new Map<string, string>();
  const flows = parseCallFlows({ queues }, { extensions: new Set(['1001', '1002', '1003', '1009']), ringGroups: new Set(), conferences: new Set() }, (p, m) => {
    throw new Error(`${p}: ${m}`);
  });
  settings.set('callFlows', JSON.stringify(flows));
  const store = base.store as unknown as Record<string, unknown>;
  store['getSetting'] = (k: string) => settings.get(k);
  store['setSetting'] = (k: string, v: string) => settings.set(k, v);
  store['getBindings'] = (ext: string) => (registered.includes(ext) ? [{ aor: ext, expiresAt: Number.MAX_SAFE_INTEGER }] : []);
  return base;
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

test('max wait: the caller goes to the overflow, counted; the agent ring is cut short', async () => {
  const clock = new FakeClock();
  const svc = new QueueService({ clock });
  const tenant = tenantWith([{ name: 'q', members: ['1001'], ringSeconds: 30, maxWaitSeconds: 10, overflow: { extension: '1009' } }], ['1001']);
  const ch = new QueueChannel(tenant, clock);
  const done = svc.app(tenant, 'q')!.run(ch);
  await flush();
  assert.equal(ch.rings, [['1001']]);
  assert.is(ch.moh, 1);
  clock.advance(10_000);
  ch.settle({ kind: 'failed', why: 'noanswer' });
  await done;
  assert.equal(ch.continued?.d, { type: 'extension', ext: '1009' });
  const s = svc.stats(tenant, 'q')!;
  assert.equal([s.offered, s.answered, s.overflowed, s.waiting], [1, 0, 1, 0]);
});

test('maxLength and joinEmpty: refused to the overflow at once (or hung up without one)', async () => {
  const clock = new FakeClock();
  const svc = new QueueService({ clock });
  const tenant = tenantWith(
    [
      { name: 'small', members: ['1001'], maxLength: 1, overflow: { voicemail: '1001' } },
      { name: 'empty', agents: ['1002'], joinEmpty: false },
    ],
    ['1001', '1002'],
  );
  const first = new QueueChannel(tenant, clock);
  void svc.app(tenant, 'small')!.run(first);
  await flush();
  const second = new QueueChannel(tenant, clock);
  await svc.app(tenant, 'small')!.run(second);
  assert.equal(second.continued?.d, { type: 'voicemail', box: '1001' });
  assert.equal(second.rings, []);
  const third = new QueueChannel(tenant, clock);
  await svc.app(tenant, 'empty')!.run(third);
  assert.match(third.hungUpWith ?? '', /no agent logged in/);
  assert.equal(svc.setLogin(tenant, '1002', true), ['empty']);
  const fourth = new QueueChannel(tenant, clock);
  void svc.app(tenant, 'empty')!.run(fourth);
  await flush();
  assert.equal(fourth.rings, [['1002']]);
  first.drop();
  fourth.drop();
  await flush();
});

test('first come, first served; wrap-up holds the agent back; abandon is counted', async () => {
  const clock = new FakeClock();
  const svc = new QueueService({ clock });
  const tenant = tenantWith([{ name: 'q', members: ['1001'], wrapUpSeconds: 30, serviceLevelSeconds: 20 }], ['1001']);
  const a = new QueueChannel(tenant, clock);
  const b = new QueueChannel(tenant, clock);
  const c = new QueueChannel(tenant, clock);
  const runA = svc.app(tenant, 'q')!.run(a);
  await flush();
  void svc.app(tenant, 'q')!.run(b);
  void svc.app(tenant, 'q')!.run(c);
  await flush();
  assert.equal([a.rings.length, b.rings.length, c.rings.length], [1, 0, 0], 'only the first caller rings the one agent');
  clock.advance(5000);
  a.settle({ kind: 'answered', ext: '1001' });
  await runA;
  await flush();
  assert.equal([b.rings.length, c.rings.length], [0, 0], 'the agent is on a call');
  a.drop();
  await flush();
  clock.advance(29_000);
  await flush();
  assert.is(b.rings.length, 0, 'wrap-up is not over');
  clock.advance(1000);
  await flush();
  assert.equal([b.rings.length, c.rings.length], [1, 0], 'after wrap-up, the caller who came first');
  c.drop();
  await flush();
  const s = svc.stats(tenant, 'q')!;
  assert.equal([s.offered, s.answered, s.abandoned, s.waiting, s.answeredWithinServiceLevel], [3, 1, 1, 1, 1]);
  assert.is(s.averageWaitSeconds, 5);
  assert.is(s.serviceLevel, 0.5);
  b.drop();
  await flush();
});

test('an agent that does not answer is not rung again for the same caller before the others', async () => {
  const clock = new FakeClock();
  const svc = new QueueService({ clock });
  const tenant = tenantWith([{ name: 'q', strategy: 'fewestcalls', members: ['1001', '1002'] }], ['1001', '1002']);
  const ch = new QueueChannel(tenant, clock);
  void svc.app(tenant, 'q')!.run(ch);
  await flush();
  ch.settle({ kind: 'failed', why: 'noanswer' });
  await flush();
  ch.settle({ kind: 'failed', why: 'busy' });
  await flush();
  assert.equal(ch.rings, [['1001'], ['1002']]);
  // Both tried: a short pause, then a new round.
  assert.is(ch.ringing, false);
  clock.advance(2000);
  await flush();
  assert.equal(ch.rings.at(-1), ['1001']);
  ch.drop();
  await flush();
});

test('announcements: position and hold time every announceSeconds, music again after', async () => {
  const clock = new FakeClock();
  const svc = new QueueService({ clock });
  const tenant = tenantWith([{ name: 'q', members: ['1001'], announceSeconds: 60 }], []);
  const known = new Set(['queue-you-are-next', 'queue-you-are-caller-number', 'num-2', 'queue-thank-you']);
  const a = new QueueChannel(tenant, clock, known);
  const b = new QueueChannel(tenant, clock, known);
  void svc.app(tenant, 'q')!.run(a);
  await flush();
  void svc.app(tenant, 'q')!.run(b);
  await flush();
  clock.advance(60_000);
  await flush();
  assert.equal(a.played, [['/prompts/queue-you-are-next.wav', '/prompts/queue-thank-you.wav']]);
  assert.equal(b.played, [['/prompts/queue-you-are-caller-number.wav', '/prompts/num-2.wav', '/prompts/queue-thank-you.wav']]);
  assert.is(a.moh, 2);
  a.drop();
  b.drop();
  await flush();
});

test('a queue name is looked up in the tenant given only', () => {
  const clock = new FakeClock();
  const svc = new QueueService({ clock });
  const acme = tenantWith([{ name: 'q', number: '600', members: ['1001'] }], []);
  const globex = FakeAppChannel.tenant('globex', ['1001']);
  (globex.store as unknown as Record<string, unknown>)['getSetting'] = () => undefined;
  assert.ok(svc.app(acme, 'q'));
  assert.is(svc.app(globex, 'q'), undefined);
  assert.is(svc.byNumber(acme, '600'), 'q');
  assert.is(svc.byNumber(globex, '600'), undefined);
  assert.is(svc.stats(globex, 'q'), undefined);
});

test.run();
