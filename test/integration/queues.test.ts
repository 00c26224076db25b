// Call queues (ACD) against the real server (in this process, to read the queue service's
// statistics directly) with real UDP phones over loopback, a real media worker and real
// SQLite files: three agents that answer, 30 calls per strategy with the distribution
// checked (roundrobin, fewestcalls and leastrecent evenly, random to everyone, ringall rings
// all), wrap-up respected, overflow on max wait, join-empty refused to the overflow, agents
// logging in and out by feature code, an agent in another call skipped, an inbound trunk call
// and a forward routed to a queue, the caller's audio reaching the agent through the
// bridge, and isolation (another tenant's phone dialling the queue's number reaches nothing).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipMessage } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { freeUdpPortOn } from '../support/carrier.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { UdpPhone } from '../support/udp-phone.js';

const logger = memoryLogger('info');
const CARRIER = '127.0.0.10';
let pbx: InProcessPbx;
let agents: UdpPhone[];
let caller: UdpPhone;
let overflowPhone: UdpPhone;
let silent: UdpPhone;
let late: UdpPhone;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ext = (e: string) => ({ ext: e, password: `acme-${e}-secret` });
const isInvite = (m: SipMessage) => m.kind === 'request' && m.method === 'INVITE';
const invites = (p: UdpPhone) => p.received.filter(isInvite).length;

function stats(queue: string, tenant = 'acme') {
  return pbx.server.queues.allStats().find((s) => s.tenant === tenant && s.queue === queue)?.stats;
}

async function until(what: string, ok: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One caller into the queue, answered by an agent, then hung up by the caller; returns the agent that answered. */
async function oneCall(number: string, queue: string): Promise<number> {
  const before = stats(queue)?.answered ?? 0;
  const res = await caller.call(number);
  assert.is(res.status, 200, `the PBX answers the caller of ${queue}`);
  await until(`an agent answering in ${queue}`, () => (stats(queue)?.answered ?? 0) === before + 1);
  const i = agents.findIndex((a) => a.dialog?.incoming === true);
  assert.ok(i >= 0, 'one agent holds the call');
  const bye = await caller.inDialog('BYE');
  assert.is(bye.status, 200);
  await until('the agent hung up', () => agents[i]!.dialog === undefined);
  return i;
}

test.before(async () => {
  const carrierPort = await freeUdpPortOn(CARRIER);
  pbx = await InProcessPbx.start({
    name: 'queues',
    logger,
    security: `tenantTrunkAllowedNetworks: [ "${CARRIER}/32" ]`,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: [...['1001', '1002', '1003', '1004', '1005', '1006', '1010'].map(ext), { ...ext('1007'), extraKeys: 'forward: { always: { queue: rr } }' }],
        extraYaml: [
          'queues:',
          '  - { name: rr, number: "600", strategy: roundrobin, members: [ "1001", "1002", "1003" ] }',
          '  - { name: fewest, number: "601", strategy: fewestcalls, members: [ "1001", "1002", "1003" ] }',
          '  - { name: least, number: "602", strategy: leastrecent, members: [ "1001", "1002", "1003" ] }',
          '  - { name: rand, number: "603", strategy: random, members: [ "1001", "1002", "1003" ] }',
          '  - { name: all, number: "604", strategy: ringall, members: [ "1001", "1002", "1003" ] }',
          '  - { name: wrap, number: "605", strategy: roundrobin, wrapUpSeconds: 2, members: [ "1001" ] }',
          '  - { name: slow, number: "606", members: [ "1005" ], ringSeconds: 30, maxWaitSeconds: 2, overflow: { extension: "1004" } }',
          '  - { name: empty, number: "607", agents: [ "1006" ], joinEmpty: false, overflow: { extension: "1004" } }',
          '  - { name: pen, number: "608", strategy: roundrobin, members: [ { ext: "1001", penalty: 1 }, { ext: "1002", penalty: 0 } ] }',
          'countryCode: "1"',
          'nationalPrefix: "1"',
          'dids: [ "+14155550100" ]',
          'trunks:',
          `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${carrierPort}, allowedSources: [ "${CARRIER}/32" ] }`,
          'inboundRoutes:',
          '  - { did: "+14155550100", destination: { queue: rr } }',
        ].join('\n'),
      },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '2001', password: 'globex-2001-secret' }] },
    ],
  });
  agents = [];
  for (const e of ['1001', '1002', '1003']) {
    const p = await pbx.phone('acme', e);
    assert.is(await p.register(), 200);
    agents.push(p);
  }
  overflowPhone = await pbx.phone('acme', '1004');
  silent = await pbx.phone('acme', '1005');
  silent.answer = { kind: 'ring' };
  late = await pbx.phone('acme', '1006');
  caller = await pbx.phone('acme', '1010');
  for (const p of [overflowPhone, silent, late, caller]) assert.is(await p.register(), 200);
});

test.after(async () => {
  await pbx?.stop();
});

async function distribution(number: string, queue: string, calls = 30): Promise<number[]> {
  const count = [0, 0, 0];
  const before = stats(queue)?.answered ?? 0;
  for (let i = 0; i < calls; i++) count[await oneCall(number, queue)]!++;
  const s = stats(queue)!;
  assert.is(s.answered - before, calls);
  assert.is(s.abandoned, 0);
  assert.is(s.waiting, 0);
  return count;
}

test('roundrobin: 30 calls, 10 to each agent, in turn', async () => {
  const order: number[] = [];
  for (let i = 0; i < 6; i++) order.push(await oneCall('600', 'rr'));
  assert.equal(order, [0, 1, 2, 0, 1, 2]);
  const count = await distribution('600', 'rr', 24);
  assert.equal(count, [8, 8, 8]);
});

test('fewestcalls: 30 calls spread evenly (each agent free when the next call comes)', async () => {
  assert.equal(await distribution('601', 'fewest'), [10, 10, 10]);
});

test('leastrecent: 30 calls spread evenly', async () => {
  assert.equal(await distribution('602', 'least'), [10, 10, 10]);
});

test('random: 30 calls reach every agent', async () => {
  const count = await distribution('603', 'rand');
  assert.is(count[0]! + count[1]! + count[2]!, 30);
  for (const c of count) assert.ok(c >= 2, `every agent gets calls: ${count.join(',')}`);
});

test('ringall: every call rings every agent; one answers, the others are cancelled', async () => {
  const before = agents.map(invites);
  for (let i = 0; i < 30; i++) await oneCall('604', 'all');
  assert.equal(agents.map((a, i) => invites(a) - before[i]!), [30, 30, 30]);
  assert.is(stats('all')!.answered, 30);
});

test('penalty: the lower-penalty agent takes every call while free', async () => {
  const got: number[] = [];
  for (let i = 0; i < 4; i++) got.push(await oneCall('608', 'pen'));
  assert.equal(got, [1, 1, 1, 1]);
});

test('wrap-up: the agent is not rung again until its wrap-up time is over', async () => {
  assert.is(await oneCall('605', 'wrap'), 0);
  const mark = invites(agents[0]!);
  const res = await caller.call('605');
  assert.is(res.status, 200);
  await sleep(1000);
  assert.is(invites(agents[0]!), mark, 'no INVITE during the 2 s of wrap-up');
  assert.is(stats('wrap')!.waiting, 1);
  await until('the agent rung after wrap-up', () => invites(agents[0]!) > mark, 5000);
  await until('answered', () => stats('wrap')!.answered === 2);
  await caller.inDialog('BYE');
  await until('agent free', () => agents[0]!.dialog === undefined);
});

test('the caller is bridged to the agent: its RTP reaches the agent', async () => {
  const before = stats('rr')!.answered;
  const res = await caller.call('600');
  assert.is(res.status, 200);
  await until('answered', () => stats('rr')!.answered === before + 1);
  const agent = agents.find((a) => a.dialog?.incoming === true)!;
  const port = Number(/m=audio (\d+)/.exec(res.body.toString())?.[1]);
  const rtpBefore = agent.rtpReceived;
  caller.sendRtp(port, '127.0.0.1', 50);
  await until('RTP at the agent', () => agent.rtpReceived > rtpBefore + 10, 5000);
  await caller.inDialog('BYE');
  await until('agent free', () => agent.dialog === undefined);
});

test('max wait: a caller nobody answers goes to the overflow destination', async () => {
  const mark = invites(overflowPhone);
  const res = await caller.call('606');
  assert.is(res.status, 200);
  await until('the slow agent rung', () => invites(silent) > 0);
  await until('the overflow extension rung', () => invites(overflowPhone) > mark, 6000);
  await until('bridged to the overflow extension', () => overflowPhone.dialog?.incoming === true);
  const s = stats('slow')!;
  assert.is(s.overflowed, 1);
  assert.is(s.answered, 0);
  assert.is(s.waiting, 0);
  await caller.inDialog('BYE');
  await until('overflow phone hung up', () => overflowPhone.dialog === undefined);
});

test('joinEmpty false: nobody logged in sends the caller on at once; *45 logs the agent in, *46 out', async () => {
  let mark = invites(overflowPhone);
  let res = await caller.call('607');
  assert.is(res.status, 200);
  await until('overflow rung', () => invites(overflowPhone) > mark);
  assert.is(invites(late), 0, 'the agent is not logged in');
  assert.is(stats('empty')!.overflowed, 1);
  await caller.inDialog('BYE');
  await until('overflow phone hung up', () => overflowPhone.dialog === undefined);

  const login = await late.call('*45');
  assert.is(login.status, 200);
  await until('login call ended', () => late.dialog === undefined);
  mark = invites(overflowPhone);
  res = await caller.call('607');
  assert.is(res.status, 200);
  await until('the logged-in agent rung', () => invites(late) > 0);
  await until('answered', () => stats('empty')!.answered === 1);
  assert.is(invites(overflowPhone), mark);
  await caller.inDialog('BYE');
  await until('agent free', () => late.dialog === undefined);

  const logout = await late.call('*46600');
  assert.is(logout.status, 200, 'a queue that does not list the agent: the PBX answers and says so');
  await until('logout call ended', () => late.dialog === undefined);
  const out = await late.call('*46');
  assert.is(out.status, 200);
  await until('logout call ended', () => late.dialog === undefined);
  mark = invites(overflowPhone);
  const lateInvites = invites(late);
  res = await caller.call('607');
  await until('overflow rung again', () => invites(overflowPhone) > mark);
  assert.is(invites(late), lateInvites);
  await caller.inDialog('BYE');
  await until('overflow phone hung up', () => overflowPhone.dialog === undefined);
});

test('an agent in a direct call is skipped until it hangs up', async () => {
  const busy = agents[1]!;
  const direct = await busy.call('1004');
  assert.is(direct.status, 200);
  await until('1004 answered', () => overflowPhone.dialog?.incoming === true);
  const before = invites(busy);
  const got: number[] = [];
  for (let i = 0; i < 4; i++) got.push(await oneCall('600', 'rr'));
  assert.ok(!got.includes(1), `the busy agent got none: ${got.join(',')}`);
  assert.is(invites(busy), before);
  await busy.inDialog('BYE');
  await until('1004 free', () => overflowPhone.dialog === undefined);
  const after: number[] = [];
  for (let i = 0; i < 3; i++) after.push(await oneCall('600', 'rr'));
  assert.ok(after.includes(1), `free again: ${after.join(',')}`);
});

test('an inbound trunk call routed to a queue is answered by an agent', async () => {
  const outside = await UdpPhone.open({ user: '+13125550199', domain: 'carrier.example', password: 'x', server: { host: '127.0.0.1', port: pbx.port }, bindAddress: CARRIER });
  try {
    const before = stats('rr')!.answered;
    const res = await outside.call('+14155550100', { timeoutMs: 15_000 });
    assert.is(res.status, 200, `${res.status} ${res.reason}`);
    await until('answered in rr', () => stats('rr')!.answered === before + 1);
    const agent = agents.find((a) => a.dialog?.incoming === true)!;
    await outside.inDialog('BYE');
    await until('agent free', () => agent.dialog === undefined);
  } finally {
    outside.close();
  }
});

test('a forward to a queue: a call to the forwarding extension waits in the queue and an agent answers', async () => {
  const before = stats('rr')!.answered;
  const res = await caller.call('1007');
  assert.is(res.status, 200);
  await until('answered in rr', () => stats('rr')!.answered === before + 1);
  const agent = agents.find((a) => a.dialog?.incoming === true)!;
  await caller.inDialog('BYE');
  await until('agent free', () => agent.dialog === undefined);
});

test('isolation: another tenant dialling the queue number reaches no queue and no agent', async () => {
  const g = await pbx.phone('globex', '2001');
  assert.is(await g.register(), 200);
  const before = agents.map(invites);
  const res = await g.call('600');
  assert.ok(res.status >= 400, `refused (${res.status})`);
  await sleep(300);
  assert.equal(agents.map(invites), before);
  assert.is(stats('rr', 'globex'), undefined);
});

test.run();
