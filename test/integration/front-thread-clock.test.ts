/**
 * A server whose clock is set apart from the system's (the tests' settable clock, as in
 * time-condition-e2e) with sip.threads: 2: the front thread dates the nonces of the
 * challenges it answers by the main thread's clock (its offset in shared memory), so
 * every phone registers with one challenge whatever thread reads it, before and right
 * after the clock is moved. The phones' ports are spread over the threads by the kernel;
 * the test checks the front thread did answer some of the challenges.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { SettableClock } from '../support/settable-clock.js';
import type { UdpPhone } from '../support/udp-phone.js';

const clock = new SettableClock();
const EXTS = Array.from({ length: 12 }, (_, i) => String(2001 + i));
let pbx: InProcessPbx;
const phones: UdpPhone[] = [];

async function frontChallenges(): Promise<number> {
  const token = readFileSync(join(pbx.dir, 'data', 'admin-token'), 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith('pbx_sip_thread_answered_total{thread="1",kind="challenge"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}

test.before(async () => {
  clock.set(Date.parse('2026-03-27T06:00:00Z'));
  pbx = await InProcessPbx.start({
    name: 'front-clock',
    logger: memoryLogger('warn'),
    clock,
    sip: 'threads: 2',
    tenants: [{ id: 'acme', domains: ['acme.example'], extensions: EXTS.map((ext) => ({ ext, password: `acme-${ext}-secret` })) }],
  });
  for (const e of EXTS) phones.push(await pbx.phone('acme', e));
  // The tenant's store opened (a REGISTER on any thread); the front's snapshot lists it within 2 s.
  assert.is(await phones[0]!.register(), 200);
  await new Promise((r) => setTimeout(r, 2_500));
});

test.after(async () => {
  await pbx?.stop();
});

test("every phone registers with one challenge on a clock months from the system's, and right after the clock jumps; the front thread answered some of them", async () => {
  const before = await frontChallenges();
  for (const p of phones) assert.is(await p.register(), 200, 'registered on 2026-03-27');
  clock.set(Date.parse('2026-03-29T01:30:00Z'));
  for (const p of phones) assert.is(await p.register(), 200, 'registered right after the clock moved two days on');
  clock.set(Date.parse('2025-11-02T12:00:00Z'));
  for (const p of phones) assert.is(await p.register(), 200, 'registered right after the clock moved back');
  let answered = 0;
  for (let i = 0; i < 20 && answered === 0; i++) {
    answered = (await frontChallenges()) - before;
    if (answered === 0) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(answered > 0, 'the front thread answered challenges (the kernel gave it some of the 12 ports)');
});

test.run();
