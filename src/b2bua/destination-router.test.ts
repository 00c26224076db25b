import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallApp } from '../apps/app-channel.js';
import type { CallApps, ExtensionPolicy } from '../apps/call-apps.js';
import type { BindingRow } from '../store/binding-row.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { AnyDestination } from './app-destination.js';
import type { PlannerPorts, TrunkHandle } from './call-plan.js';
import { DestinationRouter, type Route } from './destination-router.js';

const NOW = 1_700_000_000_000;

/** A tenant whose store knows some extensions (with COS) and which of them are registered. */
function tenant(id: string, exts: Record<string, { cos: string; registered?: boolean }>): TenantContext {
  const binding = (aor: string): BindingRow => ({ aor, contact: `sip:${aor}@127.0.0.1:5070`, callId: 'c', cseq: 1, expiresAt: NOW + 60_000, source: { protocol: 'udp', address: '127.0.0.1', port: 5070, localAddress: '127.0.0.1', localPort: 5060 }, updatedAt: NOW });
  return {
    id,
    name: id,
    status: 'active',
    realm: `${id}.example`,
    domains: [`${id}.example`],
    limits: {},
    store: {
      getExtension: (e: string) => (exts[e] ? { ext: e, name: e, enabled: true, realm: `${id}.example`, ha1: {}, classOfService: exts[e]!.cos } : undefined),
      getBindings: (e: string) => (exts[e]?.registered ? [binding(e)] : []),
    },
  } as unknown as TenantContext;
}

const carrier: TrunkHandle = { name: 'carrier', channelKey: 'acme/carrier', target: { protocol: 'udp', address: '192.0.2.1', port: 5060 }, domain: 'carrier.example', answerChallenge: () => undefined };

const planner: PlannerPorts = {
  // internal dials nothing outside; any other class dials 1NXX... numbers
  routeOutbound: (_t, dialled, cos) => (/^\d{4}$/.test(dialled) ? { kind: 'internal' } : cos === 'internal' ? { kind: 'refused', status: 403, reason: 'Forbidden' } : { kind: 'route', trunks: ['carrier'], number: `+${dialled}`, e164: `+${dialled}`, emergency: false }),
  trunk: (_t, name) => (name === 'carrier' ? carrier : undefined),
  inboundDestination: () => undefined,
  ringGroup: (t, name) => (t.id === 'acme' && name === 'sales' ? { name, strategy: 'simultaneous', members: ['1002', '1003'], ringSeconds: 10, fallback: { type: 'voicemail', box: '1002' } } : undefined),
  callerIdOf: (_t, e) => (e === '1002' ? '+14155550102' : '+14155550100'),
};

const app = (name: string): CallApp => ({ run: async () => void name });

function router(o: { policies?: Record<string, ExtensionPolicy>; maxHops?: number; inboundCos?: string; log?: string[] } = {}) {
  const calls: string[] = [];
  const apps: CallApps = {
    voicemailDeposit: (t, box, reason) => (calls.push(`deposit ${t.id} ${box} ${reason}`), t.id === 'acme' && box === '1002' ? app('vm') : undefined),
    boxOfExtension: (t, e) => (t.id === 'acme' && e === '1002' ? '1002' : undefined),
    ivr: (t, name) => (calls.push(`ivr ${t.id} ${name}`), t.id === 'acme' && name === 'main' ? app('ivr') : undefined),
    timeCondition: (t, name, now) => (calls.push(`tc ${t.id} ${name} ${now}`), name === 'hours' ? { type: 'extension', ext: '1003' } : undefined),
    extensionPolicy: (t, e) => (t.id === 'acme' ? o.policies?.[e] : undefined),
  };
  const r = new DestinationRouter({
    planner,
    apps: () => apps,
    maxForwardHops: () => o.maxHops ?? 3,
    inboundCos: () => o.inboundCos,
    log: { info: (m) => o.log?.push(m), warn: (m) => o.log?.push(m) },
  });
  return { r, calls };
}

const ACME = tenant('acme', { '1001': { cos: 'national', registered: true }, '1002': { cos: 'national', registered: true }, '1003': { cos: 'national', registered: true }, '1004': { cos: 'internal', registered: true }, '1005': { cos: 'national' } });
const GLOBEX = tenant('globex', { '2001': { cos: 'national', registered: true } });
const ctx = (t = ACME) => ({ tenant: t, now: NOW, hops: 0 });
const go = (r: DestinationRouter, d: AnyDestination, t = ACME): Route => r.resolve(d, ctx(t));

test('an extension with no policy rings its contacts; busy/no answer go to its box with the reason', () => {
  const { r, calls } = router();
  const route = go(r, { type: 'extension', ext: '1002' });
  assert.is(route.kind, 'ring');
  if (route.kind !== 'ring') return;
  assert.is(route.stages[0]!.targets[0]!.binding?.aor, '1002');
  assert.is(route.onFail?.('busy')?.kind, 'app');
  assert.ok(calls.includes('deposit acme 1002 busy'));
  assert.is(route.onFail?.('noanswer')?.kind, 'app');
  assert.ok(calls.includes('deposit acme 1002 noanswer'));
});

test('forwardNoAnswer rings for its afterSeconds, then forwards (one hop); forwardBusy only on busy', () => {
  const { r, calls } = router({ policies: { '1002': { dnd: false, forwardNoAnswer: { afterSeconds: 5, destination: { type: 'extension', ext: '1003' } }, forwardBusy: { type: 'ivr', name: 'main' } } } });
  const route = go(r, { type: 'extension', ext: '1002' });
  assert.is(route.kind === 'ring' && route.noAnswerMs, 5000);
  if (route.kind !== 'ring') return;
  const next = route.onFail?.('noanswer');
  assert.is(next?.kind === 'ring' && next.label, '1003');
  assert.is(route.onFail?.('busy')?.kind, 'app');
  assert.ok(calls.includes('ivr acme main'));
  // unavailable has no forward here: the box
  assert.is(route.onFail?.('unavailable')?.kind, 'app');
  assert.ok(calls.includes('deposit acme 1002 unavailable'));
});

test('DND does not ring: the box with reason dnd, else 486', () => {
  const { r, calls } = router({ policies: { '1002': { dnd: true }, '1003': { dnd: true } } });
  assert.is(go(r, { type: 'extension', ext: '1002' }).kind, 'app');
  assert.ok(calls.includes('deposit acme 1002 dnd'));
  assert.equal(go(r, { type: 'extension', ext: '1003' }), { kind: 'fail', status: 486, reason: 'Busy Here' });
});

test('unregistered is unavailable: forwardUnavailable, else the box, else 480', () => {
  const { r } = router({ policies: { '1005': { dnd: false, forwardUnavailable: { type: 'extension', ext: '1003' } } } });
  const route = go(r, { type: 'extension', ext: '1005' });
  assert.is(route.kind, 'ring');
  assert.is(route.kind === 'ring' && route.label, '1003');
  const { r: plain } = router();
  assert.equal(go(plain, { type: 'extension', ext: '1005' }), { kind: 'fail', status: 480, reason: 'Temporarily Unavailable' });
});

test('forwardAlways to an outside number uses the forwarding extension\'s COS and caller ID; an internal COS falls back', () => {
  const { r } = router({ policies: { '1002': { dnd: false, forwardAlways: { type: 'number', number: '13035550123' } }, '1004': { dnd: false, forwardAlways: { type: 'number', number: '13035550123' } } } });
  const out = go(r, { type: 'extension', ext: '1002' });
  assert.is(out.kind, 'outbound');
  if (out.kind === 'outbound') {
    assert.is(out.number, '+13035550123');
    assert.is(out.fromNumber, '+14155550102');
    assert.ok(out.stages[0]!.targets[0]!.headers!.some(([n, v]) => n === 'P-Asserted-Identity' && v.includes('+14155550102')));
  }
  // 1004 is internal: the forward is refused and, with no box, 1004 rings as usual.
  const refused = go(r, { type: 'extension', ext: '1004' });
  assert.is(refused.kind, 'ring');
});

test('a number destination dials with the given cos, else inboundCos, else internal (refused)', () => {
  assert.equal(router().r.resolve({ type: 'number', number: '13035550123' }, ctx()).kind, 'fail');
  assert.is(router({ inboundCos: 'national' }).r.resolve({ type: 'number', number: '13035550123' }, ctx()).kind, 'outbound');
  assert.is(router().r.resolve({ type: 'number', number: '13035550123' }, { ...ctx(), cos: 'national' }).kind, 'outbound');
});

test('a number leaves through the same stages as a dialled outside call: every target of each trunk in turn (RFC 3263), a 503 marks the target failed and goes on', () => {
  const failed: string[] = [];
  const a: TrunkHandle = { ...carrier, name: 'a', targets: [{ protocol: 'udp', address: '192.0.2.1', port: 5060 }, { protocol: 'udp', address: '192.0.2.2', port: 5060 }], markFailed: (t) => failed.push(t.address) };
  const b: TrunkHandle = { ...carrier, name: 'b', target: { protocol: 'udp', address: '198.51.100.1', port: 5060 } };
  const r = new DestinationRouter({
    planner: { ...planner, routeOutbound: () => ({ kind: 'route', trunks: ['a', 'b'], number: '+13035550123', e164: '+13035550123', emergency: false }), trunk: (_t, n) => (n === 'a' ? a : n === 'b' ? b : undefined) },
    apps: () => undefined,
    maxForwardHops: () => 3,
    inboundCos: () => undefined,
    log: { info: () => undefined, warn: () => undefined },
  });
  const out = r.resolve({ type: 'number', number: '13035550123' }, { ...ctx(), cos: 'national' });
  assert.is(out.kind, 'outbound');
  if (out.kind !== 'outbound') return;
  assert.equal(out.stages.map((st) => `${st.targets[0]!.trunk} ${st.targets[0]!.target.address}`), ['a 192.0.2.1', 'a 192.0.2.2', 'b 198.51.100.1']);
  assert.ok(out.stages[0]!.continueAfter!([{ status: 503 }]), 'a 503 goes on to the next target');
  assert.equal(failed, ['192.0.2.1']);
  assert.not.ok(out.stages[1]!.continueAfter!([{ status: 486 }]), 'busy is the answer');
});

test('forward hops: a loop of forwardAlways ends at calls.maxForwardHops', () => {
  const log: string[] = [];
  const { r } = router({ maxHops: 2, log, policies: { '1001': { dnd: false, forwardAlways: { type: 'extension', ext: '1003' } }, '1003': { dnd: false, forwardAlways: { type: 'extension', ext: '1001' } } } });
  const route = go(r, { type: 'extension', ext: '1001' });
  // 1001 -> 1003 (1) -> 1001 (2): the third forward is not taken, 1001 rings.
  assert.is(route.kind === 'ring' && route.label, '1001');
  assert.ok(log.some((l) => l.includes('hop limit')));
  const { r: none } = router({ maxHops: 0, policies: { '1001': { dnd: false, forwardAlways: { type: 'extension', ext: '1003' } } } });
  assert.is((k => k.kind === 'ring' && k.label)(go(none, { type: 'extension', ext: '1001' })), '1001');
});

test('ivr, voicemail, time condition, play, hangup, ring group with fallback', () => {
  const { r, calls } = router();
  assert.is(go(r, { type: 'ivr', name: 'main' }).kind, 'app');
  assert.is(go(r, { type: 'voicemail', box: '1002' }).kind, 'app');
  assert.ok(calls.includes('deposit acme 1002 direct'));
  const tc = go(r, { type: 'timeCondition', name: 'hours' });
  assert.is(tc.kind === 'ring' && tc.label, '1003');
  assert.ok(calls.includes(`tc acme hours ${NOW}`));
  const play = go(r, { type: 'play', prompt: 'goodbye' });
  assert.is(play.kind === 'app' && play.cause, 'play');
  assert.equal(go(r, { type: 'hangup' }), { kind: 'fail', status: 603, reason: 'Decline' });
  const group = go(r, { type: 'ringGroup', name: 'sales' });
  assert.is(group.kind, 'ring');
  if (group.kind === 'ring') {
    assert.is(group.stages[0]!.targets.length, 2);
    assert.is(group.onFail?.('noanswer')?.kind, 'app', 'the fallback (voicemail) after the group');
  }
  assert.is(go(r, { type: 'ivr', name: 'nope' }).kind, 'fail');
  assert.is(go(r, { type: 'conference', room: '800' }).kind, 'fail', 'no rooms in this planner');
});

test('isolation: every name is looked up in the tenant given; another tenant\'s extension, box, menu are not found', () => {
  const { r, calls } = router();
  assert.equal(go(r, { type: 'extension', ext: '2001' }), { kind: 'fail', status: 404, reason: 'Not Found' });
  assert.is(go(r, { type: 'voicemail', box: '1002' }, GLOBEX).kind, 'fail');
  assert.is(go(r, { type: 'ivr', name: 'main' }, GLOBEX).kind, 'fail');
  assert.is(go(r, { type: 'ringGroup', name: 'sales' }, GLOBEX).kind, 'fail');
  assert.ok(calls.includes('deposit globex 1002 direct'), 'looked up in globex, not acme');
});

test('a chain of time conditions that loops ends with 482', () => {
  const looping = new DestinationRouter({
    planner,
    apps: () => ({ timeCondition: () => ({ type: 'timeCondition', name: 'again' }) }),
    maxForwardHops: () => 3,
    inboundCos: () => undefined,
    log: { info: () => {}, warn: () => {} },
  });
  assert.equal(looping.resolve({ type: 'timeCondition', name: 'x' }, ctx()), { kind: 'fail', status: 482, reason: 'Loop Detected' });
});

test.run();
