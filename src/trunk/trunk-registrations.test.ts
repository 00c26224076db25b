import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { carrierTrunk, flush, harness } from './registration.case.js';
import { parseTrunkContactUser, PROVIDER, sameRegistration, tenantOwner, trunkContactUser, TrunkRegistrations } from './trunk-registrations.js';

function setup() {
  const h = harness({ stopTimeoutMs: 1_000 });
  const regs = new TrunkRegistrations(h.deps);
  const contactOf = (r: SipRequest) => getHeader(r, 'contact');
  return { h, regs, contactOf };
}

test('contact user: names owner and trunk, and reads back', () => {
  assert.is(trunkContactUser(PROVIDER, 'carrier1'), 'p.carrier1');
  assert.is(trunkContactUser(tenantOwner('acme'), 'carrier1'), 't.acme.carrier1');
  assert.equal(parseTrunkContactUser('p.carrier1'), { owner: PROVIDER, trunk: 'carrier1' });
  assert.equal(parseTrunkContactUser('t.acme.carrier1'), { owner: tenantOwner('acme'), trunk: 'carrier1' });
  assert.equal(parseTrunkContactUser('t.provider.x'), { owner: tenantOwner('provider'), trunk: 'x' });
  assert.is(parseTrunkContactUser('1001'), undefined);
  assert.is(parseTrunkContactUser('t.acme'), undefined);
  assert.is(parseTrunkContactUser('p.a.b'), undefined);
});

test('sync: starts register trunks only, one per owner and name', async () => {
  const { h, regs, contactOf } = setup();
  const r = regs.sync([
    { owner: PROVIDER, trunk: carrierTrunk() },
    { owner: tenantOwner('acme'), trunk: carrierTrunk() },
    { owner: tenantOwner('acme'), trunk: carrierTrunk({ name: 'static', kind: 'ip' }) },
  ]);
  assert.equal(r.started, ['provider/carrier1', 'tenant:acme/carrier1']);
  await flush();
  const sent = h.registers();
  assert.is(sent.length, 2);
  assert.equal(sent.map(contactOf).sort(), ['<sip:p.carrier1@203.0.113.1:5060>', '<sip:t.acme.carrier1@203.0.113.1:5060>']);
  const states = regs.states();
  assert.is(states.length, 2);
  assert.equal(
    states.map((s) => [s.owner, s.trunk, s.state, s.contactUser]),
    [
      [PROVIDER, 'carrier1', 'registering', 'p.carrier1'],
      [tenantOwner('acme'), 'carrier1', 'registering', 't.acme.carrier1'],
    ],
  );
  h.reply(sent[0]!, 200);
  assert.is(regs.state(PROVIDER, 'carrier1')?.state, 'registered');
  assert.is(regs.state(tenantOwner('acme'), 'carrier1')?.state, 'registering');
  assert.is(regs.state(tenantOwner('globex'), 'carrier1'), undefined);
});

test('sync: unchanged does nothing; a change of sources only is taken without registering again', async () => {
  const { h, regs } = setup();
  const t = carrierTrunk();
  regs.sync([{ owner: PROVIDER, trunk: t }]);
  await flush();
  h.reply(h.last(), 200);
  let r = regs.sync([{ owner: PROVIDER, trunk: t }]);
  assert.equal(r, { started: [], restarted: [], updated: [], stopped: [] });
  const t2 = carrierTrunk({ allowedSources: ['198.51.100.0/24'], maxChannels: 4 });
  r = regs.sync([{ owner: PROVIDER, trunk: t2 }]);
  assert.equal(r.updated, ['provider/carrier1']);
  await flush();
  assert.is(h.registers().length, 1);
  assert.is(regs.state(PROVIDER, 'carrier1')?.state, 'registered');
});

test('sync: a changed trunk unregisters the old binding first, then registers anew', async () => {
  const { h, regs } = setup();
  regs.sync([{ owner: PROVIDER, trunk: carrierTrunk() }]);
  await flush();
  const first = h.last();
  h.reply(first, 200);
  const r = regs.sync([{ owner: PROVIDER, trunk: carrierTrunk({ password: 'new-secret', registerExpires: 600 }) }]);
  assert.equal(r.restarted, ['provider/carrier1']);
  assert.is(regs.state(PROVIDER, 'carrier1')?.state, 'idle');
  await flush();
  const un = h.last();
  assert.is(getHeader(un, 'expires'), '0');
  assert.is(getHeader(un, 'call-id'), getHeader(first, 'call-id'));
  assert.is(h.registers().length, 2, 'nothing new before the old binding is gone');
  h.reply(un, 200);
  await regs.settled();
  await flush();
  const fresh = h.last();
  assert.is(h.registers().length, 3);
  assert.is(getHeader(fresh, 'expires'), '600');
  assert.is.not(getHeader(fresh, 'call-id'), getHeader(first, 'call-id'));
  assert.is(regs.state(PROVIDER, 'carrier1')?.state, 'registering');
});

test('sync: a removed trunk, or one no longer of kind register, unregisters and is gone', async () => {
  const { h, regs } = setup();
  regs.sync([
    { owner: PROVIDER, trunk: carrierTrunk() },
    { owner: tenantOwner('acme'), trunk: carrierTrunk({ name: 'other' }) },
  ]);
  await flush();
  for (const r of h.registers()) h.reply(r, 200);
  const res = regs.sync([{ owner: tenantOwner('acme'), trunk: carrierTrunk({ name: 'other', kind: 'ip' }) }]);
  assert.equal(res.stopped.sort(), ['provider/carrier1', 'tenant:acme/other']);
  assert.equal(regs.states(), []);
  await flush();
  const unregs = h.registers().slice(2);
  assert.is(unregs.length, 2);
  for (const u of unregs) {
    assert.is(getHeader(u, 'expires'), '0');
    h.reply(u, 200);
  }
  await regs.settled();
});

test('stopAll: every binding removed (bounded), no sync afterwards', async () => {
  const { h, regs } = setup();
  regs.sync([{ owner: PROVIDER, trunk: carrierTrunk() }]);
  await flush();
  h.reply(h.last(), 200);
  const done = regs.stopAll();
  await flush();
  assert.is(getHeader(h.last(), 'expires'), '0');
  h.clock.advance(1_000);
  await done;
  assert.equal(regs.sync([{ owner: PROVIDER, trunk: carrierTrunk() }]).started, []);
  assert.equal(regs.states(), []);
});

test('sameRegistration: credentials, addresses and expiry matter; sources and codecs do not', () => {
  const a = carrierTrunk();
  assert.ok(sameRegistration(a, carrierTrunk({ allowedSources: ['10.0.0.0/8'], codecs: ['PCMU'], maxChannels: 2 })));
  assert.not.ok(sameRegistration(a, carrierTrunk({ password: 'x' })));
  assert.not.ok(sameRegistration(a, carrierTrunk({ authUsername: 'x' })));
  assert.not.ok(sameRegistration(a, carrierTrunk({ host: 'other.test' })));
  assert.not.ok(sameRegistration(a, carrierTrunk({ transport: 'tcp' })));
  assert.not.ok(sameRegistration(a, carrierTrunk({ outboundProxy: { host: 'p.test', port: 5060 } })));
  assert.not.ok(sameRegistration(a, carrierTrunk({ registerExpires: 60 })));
  assert.not.ok(sameRegistration(a, carrierTrunk({ domain: 'x.test' })));
});

test.run();
