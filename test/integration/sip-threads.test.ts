/**
 * SIP on every core (issue 13 point 2), against the real server with sip.threads: 2: a
 * front thread shares the UDP port with the main thread (SO_REUSEPORT), the kernel picks
 * the thread by the source's address and port, and every SIP state stays on the main
 * thread. Which thread a phone lands on is read from /metrics (per-thread datagram
 * counters), one phone at a time, so the tests know they cross threads.
 */
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { PbxProcess } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

const TOKEN = 'sip-threads-test-token';
const secret = (e: string) => `acme-${e}-secret`;
const EXTS = Array.from({ length: 24 }, (_, i) => String(1001 + i));
const LIMIT = 3;

let pbx: PbxProcess;
const phones: UdpPhone[] = [];
/** Registered phones by the thread that reads their datagrams. */
const onThread: Record<0 | 1, UdpPhone[]> = { 0: [], 1: [] };

async function metricsText(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return res.text();
}

function series(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

async function readByThread(): Promise<[number, number]> {
  const t = await metricsText();
  return [series(t, 'pbx_sip_thread_datagrams_total', 'thread="0"') || 0, series(t, 'pbx_sip_thread_datagrams_total', 'thread="1"') || 0];
}

async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens and registers a phone, and learns from /metrics which thread read its two REGISTERs. */
async function registeredPhone(ext: string): Promise<{ phone: UdpPhone; thread: 0 | 1 }> {
  const before = await readByThread();
  const p = await UdpPhone.open({ user: ext, domain: 'acme.example', password: secret(ext), server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(p);
  assert.is(await p.register(), 200, `${ext} registers`);
  const thread = await until(async () => {
    const now = await readByThread();
    const d0 = now[0] - before[0];
    const d1 = now[1] - before[1];
    if (d0 + d1 < 2) return undefined;
    return d1 > d0 ? (1 as const) : (0 as const);
  }, `the REGISTERs of ${ext} in /metrics`);
  onThread[thread].push(p);
  return { phone: p, thread };
}

test.before(async () => {
  pbx = await PbxProcess.start({
    tenants: [{ id: 'acme', domains: ['acme.example'], limits: { calls: LIMIT }, extensions: EXTS.map((ext) => ({ ext, password: secret(ext), extraKeys: 'voicemail: { enabled: false }' })) }],
    transports: ['udp'],
    sipYaml: ['threads: 2'],
    extraYaml: ['security:', '  authFailBan: { attempts: 3, windowSeconds: 60, banSeconds: 600 }'].join('\n'),
    adminToken: TOKEN,
  });
  // Phones until both threads have at least two (each new source port is hashed anew).
  for (const ext of EXTS.slice(0, 16)) {
    await registeredPhone(ext);
    if (onThread[0].length >= 2 && onThread[1].length >= 2) break;
  }
});

test.after(async () => {
  for (const p of phones) p.close();
  await pbx?.dispose();
});

test('/metrics: two SIP threads, both read datagrams, none restarted', async () => {
  const t = await metricsText();
  assert.match(t, /^pbx_sip_threads 2$/m);
  assert.ok(onThread[0].length >= 2 && onThread[1].length >= 2, `phones on both threads (main: ${onThread[0].length}, front: ${onThread[1].length})`);
  const [r0, r1] = await readByThread();
  assert.ok(r0 > 0 && r1 > 0, `both threads read (${r0}, ${r1})`);
  assert.ok(series(t, 'pbx_sip_thread_forwarded_total', 'thread="1"') > 0, 'the front thread forwarded messages');
  assert.is(series(t, 'pbx_sip_thread_restarts_total', 'thread="1"'), 0);
  assert.is(series(t, 'pbx_sip_thread_up', 'thread="1"'), 1);
});

test('registered through one thread, called from the other: both directions connect and hang up', async () => {
  const a = onThread[0][0]!;
  const b = onThread[1][0]!;
  const ab = await a.call(b['o'].user);
  assert.is(ab.status, 200, 'main-thread phone calls a front-thread phone');
  const mark = b.mark();
  assert.is((await a.inDialog('BYE')).status, 200);
  await b.next((m) => m.kind === 'request' && m.method === 'BYE', 10_000, mark);
  const ba = await b.call(a['o'].user);
  assert.is(ba.status, 200, 'front-thread phone calls a main-thread phone');
  assert.is((await b.inDialog('BYE')).status, 200);
});

test('a retransmitted INVITE and a CANCEL read by the front thread reach the transaction on the main thread', async () => {
  const caller = onThread[1][0]!;
  const callee = onThread[0][1]!;
  callee.answer = { kind: 'ring' };
  const invitesAtCallee = () => callee.received.filter((m) => m.kind === 'request' && m.method === 'INVITE').length;
  const seenBefore = invitesAtCallee();
  const pending = caller.call(callee['o'].user);
  await callee.next((m) => m.kind === 'request' && m.method === 'INVITE', 10_000);
  await caller.next((m) => m.kind === 'response' && m.status === 180, 10_000);
  const invite = caller.sentInvites[caller.sentInvites.length - 1] as SipRequest;
  // RFC 3261 §17.2.1: the retransmission is absorbed by the server transaction (the
  // provisional answer is sent again), never a second call.
  const from = caller.mark();
  caller['send'](invite);
  await caller.next((m) => m.kind === 'response' && m.status === 180, 10_000, from);
  caller.cancel(invite);
  const res: SipResponse = await pending;
  assert.is(res.status, 487);
  await callee.next((m) => m.kind === 'request' && m.method === 'CANCEL', 10_000);
  assert.is(invitesAtCallee() - seenBefore, 1, 'one INVITE reached the callee');
  assert.ok(caller.received.some((m) => m.kind === 'response' && m.status === 200 && (getHeader(m, 'cseq') ?? '').endsWith('CANCEL')), 'the CANCEL got its 200');
  callee.answer = { kind: 'answer' };
});

test(`the tenant's call limit (${LIMIT}) is exact under concurrent calls from many source ports on both threads`, async () => {
  const callers: UdpPhone[] = [];
  const callees: UdpPhone[] = [];
  for (const ext of EXTS.slice(16, 24)) callees.push((await registeredPhone(ext)).phone);
  for (const t of [0, 1] as const) callers.push(...onThread[t].filter((p) => !callees.includes(p)).slice(0, 4));
  const threadsOfCallers = new Set(callers.map((c) => (onThread[0].includes(c) ? 0 : 1)));
  assert.is(threadsOfCallers.size, 2, 'callers on both threads');
  const results = await Promise.all(callers.map((c, i) => c.call(callees[i % callees.length]!['o'].user)));
  const answered = results.filter((r) => r.status === 200).length;
  assert.is(answered, Math.min(LIMIT, callers.length), `answered: ${results.map((r) => r.status).join(',')}`);
  assert.ok(results.every((r) => r.status === 200 || r.status >= 400), 'the others are refused');
  await Promise.all(callers.map((c, i) => (results[i]!.status === 200 ? c.inDialog('BYE') : undefined)));
});

test('a source banned on the main thread is dropped unread by the front thread too (the snapshot it is sent)', async () => {
  // Wrong passwords from 127.0.0.2 (another host on loopback) until its address is banned.
  const bad = await UdpPhone.open({ user: EXTS[0]!, domain: 'acme.example', password: 'wrong', server: { host: '127.0.0.1', port: pbx.ports.udp }, bindAddress: '127.0.0.2' });
  phones.push(bad);
  for (let i = 0; i < 3; i++) assert.is(await bad.register(), 403);
  const before = series(await metricsText(), 'pbx_sip_thread_answered_total', 'thread="1",kind="banned"') || 0;
  // Sixteen source ports: the kernel hashes some of them to the front thread.
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < 16; i++) {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.2', () => r()));
      sockets.push(s);
    }
    const options = (port: number) =>
      Buffer.from(`OPTIONS sip:acme.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:${port};branch=z9hG4bK-ban-${port}-${Date.now()};rport\r\nMax-Forwards: 70\r\nFrom: <sip:x@acme.example>;tag=b${port}\r\nTo: <sip:acme.example>\r\nCall-ID: ban-${port}@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`);
    const answers: Buffer[] = [];
    for (const s of sockets) s.on('message', (d) => answers.push(d));
    const banned = await until(async () => {
      for (const s of sockets) s.send(options(s.address().port), pbx.ports.udp, '127.0.0.1');
      const now = series(await metricsText(), 'pbx_sip_thread_answered_total', 'thread="1",kind="banned"') || 0;
      return now > before ? now : undefined;
    }, 'a banned datagram dropped by the front thread');
    assert.ok(banned > before);
    assert.is(answers.length, 0, 'nothing is answered to the banned address, by either thread');
  } finally {
    for (const s of sockets) s.close();
  }
});

test('a killed front thread is started again; calls on the main thread go on meanwhile', async () => {
  const from = pbx.logs.length;
  const r = await fetch(`${pbx.apiUrl}/system/sip-threads/1/kill`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(r.status, 202);
  const a = onThread[0][0]!;
  const b = onThread[0][1]!;
  assert.is((await a.call(b['o'].user)).status, 200, 'a call between main-thread phones');
  assert.is((await a.inDialog('BYE')).status, 200);
  await pbx.waitForLog(/sip thread running again/, 30_000, from);
  const t = await metricsText();
  assert.is(series(t, 'pbx_sip_thread_restarts_total', 'thread="1"'), 1);
  assert.is(series(t, 'pbx_sip_thread_up', 'thread="1"'), 1);
  // Front-thread phones register and call again once it is back.
  const f = onThread[1][0]!;
  assert.is(await f.register(), 200);
  assert.is((await f.call(a['o'].user)).status, 200);
  assert.is((await f.inDialog('BYE')).status, 200);
  assert.is((await fetch(`${pbx.apiUrl}/system/sip-threads/7/kill`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
});

test('SIGHUP reaches the threads (the ban snapshot is pushed again); a graceful stop ends every thread and the process exits 0', async () => {
  const from = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/reloaded/, 15_000, from);
  const t = await metricsText();
  assert.is(series(t, 'pbx_sip_thread_up', 'thread="1"'), 1, 'the front thread still runs after SIGHUP: ' + pbx.logs.filter((l) => /sip.thread/.test(l)).join(' / '));
  const exit = await pbx.stop('SIGTERM', 30_000);
  assert.equal(exit, { code: 0, signal: null });
  assert.not.ok(pbx.logs.slice(from).some((l) => /sip thread ended/.test(l)), 'no thread died on the way out');
});

test.run();
