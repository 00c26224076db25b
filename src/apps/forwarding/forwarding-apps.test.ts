// The forwarding and DND feature-code apps, driven through a hand-made AppChannel (the
// B2BUA's channel is helper app-legs' work) on real tenant stores, with the real outbound
// router deciding what an extension's class of service allows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routeOutbound } from '../../routing/outbound-router.js';
import { applyTenant } from '../../tenant/apply-tenant.js';
import type { Destination } from '../../model/routing-plan.js';
import { SystemStore } from '../../store/system-store.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { TenantSpec } from '../../tenant/tenant-spec.js';
import { SqliteTenantStore } from '../../store/tenant-store.js';
import { FakeClock } from '../../util/fake-clock.js';
import type { AppChannel, PlayOutcome, ReadDigitsOptions, ReadDigitsResult } from '../app-channel.js';
import { FeatureCodeRegistry } from '../feature-codes/feature-code-registry.js';
import type { RouteOutbound } from './call-handling-service.js';
import { extensionPolicyOf } from './extension-policy.js';
import { registerForwardingApps } from './forwarding-apps.js';

/** A caller's leg as a script: digits it will press, what it heard, whether it was hung up. */
class ScriptedChannel implements AppChannel {
  readonly callId = 'call-1';
  readonly heard: string[] = [];
  readonly reads: ReadDigitsOptions[] = [];
  answered = false;
  hungUp = false;
  private readonly hangups: Array<() => void> = [];
  constructor(
    readonly tenant: TenantContext,
    readonly caller: { ext: string },
    readonly dialled: string,
    private readonly typed: ReadDigitsResult[] = [],
  ) {}
  async answer() {
    this.answered = true;
    return !this.hungUp;
  }
  prompts(ids: readonly string[]) {
    return ids.map((id) => `/prompts/${id}.wav`);
  }
  async play(files: readonly string[]): Promise<PlayOutcome> {
    this.heard.push(...files.map((f) => f.replace(/^\/prompts\/|\.wav$/g, '')));
    return this.hungUp ? 'hangup' : 'done';
  }
  async stopPlay() {}
  async readDigits(opts: ReadDigitsOptions): Promise<ReadDigitsResult> {
    this.reads.push(opts);
    return this.typed.shift() ?? { digits: '', timedOut: true, hangup: false };
  }
  flushDigits() {}
  async record(): Promise<never> {
    throw new Error('not used');
  }
  continueTo(_d: Destination) {
    throw new Error('not used');
  }
  hangup() {
    this.hungUp = true;
    for (const cb of this.hangups) cb();
  }
  onHangup(cb: () => void) {
    this.hangups.push(cb);
  }
}

let dir = '';
let sys: SystemStore;
const stores: SqliteTenantStore[] = [];
const clock = new FakeClock(1_700_000_000_000);
let registry: FeatureCodeRegistry;
let refused: string[];

const route: RouteOutbound = (t, dialled, cos) =>
  routeOutbound({ plan: t.store.getRoutingPlan(), emergencyNumbers: ['112'], isExtension: (n) => t.store.getExtension(n) !== undefined, dialled, classOfService: cos as 'national' });

function tenant(id: string): TenantContext {
  const store = SqliteTenantStore.open(dir, id);
  stores.push(store);
  return { id, name: id, status: 'active', realm: `${id}.example`, domains: [`${id}.example`], limits: {}, store };
}

function spec(id: string, over: Partial<TenantSpec> = {}): TenantSpec {
  return {
    id,
    name: id,
    domains: [`${id}.example`],
    limits: {},
    countryCode: '49',
    nationalPrefix: '0',
    extensions: [
      { ext: '1001', name: 'Alice', password: 'alice-1001-secret', classOfService: 'national' },
      { ext: '1002', name: 'Bob', password: 'bob-1002-secret', classOfService: 'internal' },
    ],
    outboundRoutes: [{ name: 'out', patterns: ['0.'], trunks: ['carrier'] }],
    ...over,
  };
}

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-fwd-apps-'));
  sys = SystemStore.open(dir, { clock });
  applyTenant({ system: sys, dataDir: dir, clock }, spec('acme'));
  applyTenant({ system: sys, dataDir: dir, clock }, spec('globex'));
  registry = new FeatureCodeRegistry();
  refused = [];
  registerForwardingApps(registry, { routeOutbound: route, clock, onRefused: (_c, p) => refused.push(...p.map((x) => `${x.path}: ${x.message}`)) });
});
test.after.each(() => {
  for (const s of stores.splice(0)) s.close();
  sys.close();
  rmSync(dir, { recursive: true, force: true });
});

async function dial(t: TenantContext, ext: string, dialled: string, typed: ReadDigitsResult[] = []): Promise<ScriptedChannel> {
  const app = registry.lookup(t, ext, dialled);
  assert.ok(app, `${dialled} is a feature code of ${t.id}`);
  const ch = new ScriptedChannel(t, { ext }, dialled, typed);
  await app!.run(ch);
  return ch;
}

test('*72 with a national number: answered, set, "activated", hung up; audited; extensionPolicy says so', async () => {
  const acme = tenant('acme');
  const ch = await dial(acme, '1001', '*72030123456');
  assert.ok(ch.answered);
  assert.equal(ch.heard, ['activated']);
  assert.ok(ch.hungUp);
  assert.equal(acme.store.callHandling.get('1001').always, { type: 'number', number: '030123456' });
  assert.equal(extensionPolicyOf(acme, '1001'), { dnd: false, forwardAlways: { type: 'number', number: '030123456' } });
  assert.equal(acme.store.listAudit({}).filter((e) => e.action === 'extension.call-handling').map((e) => [e.actor, e.target]), [['phone:1001', '1001']]);
  const off = await dial(acme, '1001', '*73');
  assert.equal(off.heard, ['deactivated']);
  assert.is(extensionPolicyOf(acme, '1001'), undefined);
});

test('*92 without a number reads digits until #; an extension of the tenant becomes an internal forward; *90/*91 busy', async () => {
  const acme = tenant('acme');
  const ch = await dial(acme, '1001', '*92', [{ digits: '1002', terminator: '#', timedOut: false, hangup: false }]);
  assert.equal(ch.reads[0]!.terminators, '#');
  assert.equal(ch.heard, ['beep', 'activated']);
  assert.equal(acme.store.callHandling.get('1001').noAnswer, { to: { type: 'extension', ext: '1002' }, afterSeconds: 20 });
  await dial(acme, '1001', '*901002');
  assert.equal(extensionPolicyOf(acme, '1001')?.forwardBusy, { type: 'extension', ext: '1002' });
  await dial(acme, '1001', '*91');
  await dial(acme, '1001', '*93');
  assert.is(extensionPolicyOf(acme, '1001'), undefined);
});

test('refused, nothing changed, "cannot-complete": an outside number the class of service does not allow, itself, emergency; no digits: "please-try-again"', async () => {
  const acme = tenant('acme');
  const a = await dial(acme, '1002', '*72030123456'); // 1002 is internal-only
  assert.equal(a.heard, ['cannot-complete']);
  assert.match(refused[0]!, /^forward\.always\.number: 1002 may not forward to 030123456: class of service internal allows no outside calls/);
  const b = await dial(acme, '1001', '*720044207946000'); // international, 1001 is national
  assert.equal(b.heard, ['cannot-complete']);
  assert.match(refused[1]!, /class of service national does not allow international numbers/);
  const c = await dial(acme, '1001', '*721001');
  assert.equal(c.heard, ['cannot-complete']);
  assert.match(refused[2]!, /1001 cannot forward to itself/);
  const d = await dial(acme, '1001', '*72112');
  assert.match(refused[3]!, /may not forward to an emergency number/);
  assert.equal(d.heard, ['cannot-complete']);
  const e = await dial(acme, '1001', '*72', [{ digits: '', timedOut: true, hangup: false }]);
  assert.equal(e.heard, ['beep', 'please-try-again']);
  assert.is(extensionPolicyOf(acme, '1001'), undefined);
  assert.is(extensionPolicyOf(acme, '1002'), undefined);
});

test('a forward that would loop with another extension is refused at set time with the path', async () => {
  const acme = tenant('acme');
  await dial(acme, '1002', '*721001');
  const ch = await dial(acme, '1001', '*721002');
  assert.equal(ch.heard, ['cannot-complete']);
  assert.equal(refused, ['forward: the destinations loop: ext:1001 -> ext:1002 -> ext:1001']);
});

test('*78/*79 DND; the caller hanging up while asked for digits changes nothing', async () => {
  const acme = tenant('acme');
  await dial(acme, '1002', '*78');
  assert.equal(extensionPolicyOf(acme, '1002'), { dnd: true });
  await dial(acme, '1002', '*79');
  assert.is(extensionPolicyOf(acme, '1002'), undefined);
  const ch = await dial(acme, '1001', '*92', [{ digits: '', timedOut: false, hangup: true }]);
  assert.equal(ch.heard, ['beep']);
  assert.is(extensionPolicyOf(acme, '1001'), undefined);
});

test("per tenant: a renamed or disabled code; one tenant's code never touches another tenant's extension of the same number", async () => {
  applyTenant({ system: sys, dataDir: dir, clock }, spec('globex', { featureCodes: { dndOn: '*55', forwardOn: false } }));
  const acme = tenant('acme');
  const globex = tenant('globex');
  assert.is(registry.lookup(globex, '1001', '*78'), undefined, 'globex renamed dndOn');
  assert.is(registry.lookup(globex, '1001', '*72030123456'), undefined, 'globex disabled forwardOn');
  assert.is(registry.lookup(acme, '1001', '*55'), undefined);
  assert.is(registry.lookup(globex, '9999', '*55'), undefined, 'not an extension of globex');
  assert.is(registry.lookup(globex, '1001', '*97'), undefined, 'no factory registered for voicemail here');
  await dial(globex, '1001', '*55');
  assert.equal(extensionPolicyOf(globex, '1001'), { dnd: true });
  assert.is(extensionPolicyOf(acme, '1001'), undefined, "acme's 1001 is someone else");
  assert.throws(() => registry.register('dndOn', () => ({ run: async () => {} })), /registered twice/);
});

test.run();
