// A time condition through real calls across a simulated clock: the real server (in this
// process) runs on a clock whose wall time the test sets (its timers stay real), the tenant
// (Europe/Berlin) routes its DID to a condition whose schedule is office hours plus a
// Sunday-night window, and a caller at the carrier's address dials the DID: the extension
// that rings says whether the condition was open (2001) or closed (2002). Across the change
// to summer time (2026-03-29 02:00 CET -> 03:00 CEST) the same UTC instant reads an hour
// later on the wall, and the routing follows the wall. *271 from an extension cycles the
// override auto -> open -> closed -> auto, and the next call follows it. No sleeping for
// the clock: the test sets the date before each call.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../../src/util/logger.js';
import { readOverride } from '../../src/store/call-flows-store.js';
import { freeUdpPortOn } from '../support/carrier.js';
import { byeFrom, rang, sleep, until } from '../support/flow-call.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { SettableClock } from '../support/settable-clock.js';
import { UdpPhone } from '../support/udp-phone.js';

const CARRIER = '127.0.0.12';
const logger = memoryLogger('info');
const clock = new SettableClock();
let pbx: InProcessPbx;
const ext = (e: string) => ({ ext: e, password: `acme-${e}-secret` });
const phones = new Map<string, UdpPhone>();

test.before(async () => {
  clock.set(Date.parse('2026-03-27T06:00:00Z'));
  const carrierPort = await freeUdpPortOn(CARRIER);
  pbx = await InProcessPbx.start({
    name: 'tc-e2e',
    logger,
    clock,
    security: `tenantTrunkAllowedNetworks: [ "${CARRIER}/32" ]`,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: [ext('2001'), ext('2002'), ext('2005')],
        extraYaml: [
          'countryCode: "49"',
          'dids: [ "+4930123456" ]',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${carrierPort}, allowedSources: [ "${CARRIER}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+4930123456", destination: { timeCondition: office-hours } }',
          'timezone: Europe/Berlin',
          'schedules:',
          '  - name: office',
          '    weekly:',
          '      - { days: mon-fri, from: "09:00", to: "17:00" }',
          '      - { days: [ sun ], from: "01:30", to: "03:30" }',
          'timeConditions:',
          '  - { name: office-hours, schedule: office, open: { extension: "2001" }, closed: { extension: "2002" } }',
        ].join('\n'),
      },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '3001', password: 'globex-3001-secret' }], extraYaml: 'timezone: Europe/Berlin\nschedules:\n  - { name: s, weekly: [ { days: mon-sun, from: "00:00", to: "24:00" } ] }\ntimeConditions:\n  - { name: c, schedule: s, open: hangup, closed: hangup }' },
    ],
  });
  for (const e of ['2001', '2002', '2005']) phones.set(e, await pbx.phone('acme', e));
});

test.after(async () => {
  // Calls still ending (a BYE on its way) would otherwise keep stop() draining for their transaction's timeout.
  await until(() => (pbx.server as unknown as { b2bua: { activeCalls: number } }).b2bua.activeCalls === 0, 5000, 'calls ended').catch(() => undefined);
  await pbx?.stop();
});

/** Sets the server's wall clock; the phones register again (their bindings live on that clock). */
async function at(iso: string): Promise<void> {
  clock.set(Date.parse(iso));
  for (const p of phones.values()) assert.is(await p.register(), 200);
}

/** Which of 2001 (open) and 2002 (closed) a call to the DID rings now. */
async function routedTo(): Promise<string> {
  const marks = new Map([...phones].map(([e, p]) => [e, p.mark()]));
  const caller = await UdpPhone.open({ user: '+4917612345678', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  try {
    const res = await caller.call('+4930123456', { timeoutMs: 10_000 });
    assert.is(res.status, 200, `${res.status} ${res.reason}`);
    const rung = ['2001', '2002'].filter((e) => rang(phones.get(e)!, marks.get(e)));
    assert.is(rung.length, 1, `exactly one rang: ${rung.join(',')}`);
    await caller.inDialog('BYE');
    await sleep(100);
    return rung[0]!;
  } finally {
    caller.close();
  }
}

/** 2005 dials *271: the first condition's override moves one step; the server hangs up after saying so. */
async function toggle(): Promise<string> {
  const p = phones.get('2005')!;
  const mark = p.mark();
  const res = await p.call('*271');
  assert.is(res.status, 200, `*271: ${res.status} ${res.reason}`);
  await byeFrom(p, mark);
  const t = pbx.server as unknown as { resolver: { getTenant(id: string): { store: Parameters<typeof readOverride>[0] } | undefined } };
  return readOverride(t.resolver.getTenant('acme')!.store, 'office-hours');
}

test('winter (CET, UTC+1): Friday 08:30 UTC is 09:30 on the wall, open; 07:30 UTC closed; 16:30 UTC (17:30) closed', async () => {
  await at('2026-03-27T07:30:00Z');
  assert.is(await routedTo(), '2002');
  await at('2026-03-27T08:30:00Z');
  assert.is(await routedTo(), '2001');
  await at('2026-03-27T15:30:00Z');
  assert.is(await routedTo(), '2001', '16:30 CET: still open');
  await at('2026-03-27T16:30:00Z');
  assert.is(await routedTo(), '2002');
});

test('the night of the change (Sunday 2026-03-29): 01:30-03:30 on the wall is 00:30-01:30 UTC, an hour of which does not exist', async () => {
  await at('2026-03-29T00:20:00Z'); // 01:20 CET
  assert.is(await routedTo(), '2002');
  await at('2026-03-29T00:40:00Z'); // 01:40 CET
  assert.is(await routedTo(), '2001');
  await at('2026-03-29T01:10:00Z'); // 03:10 CEST (02:00 CET became 03:00 CEST)
  assert.is(await routedTo(), '2001');
  await at('2026-03-29T01:40:00Z'); // 03:40 CEST: closed (in CET it would read 02:40, open)
  assert.is(await routedTo(), '2002');
});

test('summer (CEST, UTC+2): Monday 07:30 UTC is 09:30 on the wall, open; 15:30 UTC is 17:30, closed', async () => {
  await at('2026-03-30T06:50:00Z'); // 08:50 CEST
  assert.is(await routedTo(), '2002');
  await at('2026-03-30T07:30:00Z');
  assert.is(await routedTo(), '2001', 'a week earlier 07:30 UTC was closed');
  await at('2026-03-30T15:30:00Z');
  assert.is(await routedTo(), '2002', 'a week earlier 15:30 UTC was open');
});

test('*271 cycles the override: forced open after hours, forced closed in office hours, back to the schedule', async () => {
  await at('2026-03-30T18:00:00Z'); // 20:00 CEST, closed by the schedule
  assert.is(await routedTo(), '2002');
  assert.is(await toggle(), 'open');
  assert.is(await routedTo(), '2001', 'forced open');
  assert.is(await toggle(), 'closed');
  await at('2026-03-31T08:00:00Z'); // Tuesday 10:00 CEST, open by the schedule
  assert.is(await routedTo(), '2002', 'forced closed');
  assert.is(await toggle(), 'auto');
  assert.is(await routedTo(), '2001', 'the schedule again');
});

test('isolation: a globex extension dialling *271 toggles globex\'s own first condition, never acme\'s', async () => {
  const t = pbx.server as unknown as { resolver: { getTenant(id: string): { store: Parameters<typeof readOverride>[0] } | undefined } };
  const before = readOverride(t.resolver.getTenant('acme')!.store, 'office-hours');
  const g = await pbx.phone('globex', '3001');
  assert.is(await g.register(), 200);
  const mark = g.mark();
  const res = await g.call('*271');
  assert.is(res.status, 200);
  await byeFrom(g, mark);
  assert.is(readOverride(t.resolver.getTenant('globex')!.store, 'c'), 'open');
  assert.is(readOverride(t.resolver.getTenant('acme')!.store, 'office-hours'), before, 'acme unchanged');
  assert.is(readOverride(t.resolver.getTenant('globex')!.store, 'office-hours'), 'auto', 'no acme name in globex');
});

test.run();
