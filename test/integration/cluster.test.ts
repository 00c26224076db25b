// Scale-out behind Kamailio (issue 15, part 1): the real Kamailio from Debian as the edge, two
// real `pbx serve` nodes (acme on node 1, globex on node 2), the edge's config and routing table
// written by `pbx cluster kamailio-config`, phones of both tenants registering and calling through
// the edge with RTP relayed by each tenant's own node, then node 1 SIGKILLed: acme gets 503 with
// Retry-After at the edge, globex goes on calling.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipMessage, SipResponse } from '../../src/sip/message/types.js';
import { kamailioArgs } from '../../src/cluster/kamailio-rpc.js';
import { PbxProcess, REPO } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { requireTools } from '../support/tools.js';
import { UdpPhone } from '../support/udp-phone.js';
import { collectPcmu, pcmuToneShare, sendPcmuTone } from '../support/rtp-tone.js';

const TOKEN = 'cluster-test-provider-token';
const secret = (t: string, e: string) => `${t}-${e}-secret`;
const tenant = (id: string, did: string) => ({ id, domains: [`${id}.example`], extraYaml: `countryCode: "1"\ndids: [ "${did}" ]`, extensions: ['1001', '1002'].map((e) => ({ ext: e, password: secret(id, e) })) });

const s = suite('cluster: Kamailio edge in front of two PBX nodes');
const enabled = requireTools('cluster behind Kamailio', 'kamailio', 'kamcmd');
const run = enabled ? s : s.skip;

let node1: PbxProcess;
let node2: PbxProcess;
let kamailio: ChildProcess | undefined;
const kamLog: string[] = [];
let dir: string;
let edgePort: number;
const phones: UdpPhone[] = [];

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
}

async function node(t: ReturnType<typeof tenant>, rtpBase: number): Promise<PbxProcess> {
  return PbxProcess.start({
    tenants: [t],
    transports: ['udp'],
    adminToken: TOKEN,
    // the edge is Kamailio on 127.0.0.1; phones live on 127.0.0.10 and .11
    sipYaml: ['trustedEdges: [ "127.0.0.1" ]'],
    extraYaml: [`rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 1 }`, 'registrar: { writeDelayMs: 0 }'].join('\n'),
  });
}

/** One request, sent by hand (for answers the phones' helpers do not expose). */
async function once(text: (port: number) => string, timeoutMs = 3000): Promise<string | undefined> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.12', () => r()));
  const port = (sock.address() as { port: number }).port;
  try {
    return await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      sock.on('message', (m) => {
        const t = m.toString('latin1');
        if (/^SIP\/2\.0 1\d\d/.test(t)) return;
        clearTimeout(timer);
        resolve(t);
      });
      sock.send(text(port), edgePort, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}

const register = (domain: string) => (port: number) =>
  `REGISTER sip:${domain} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.12:${port};rport;branch=z9hG4bK${Math.random().toString(36).slice(2)}\r\nMax-Forwards: 70\r\nFrom: <sip:1001@${domain}>;tag=${Math.random().toString(36).slice(2)}\r\nTo: <sip:1001@${domain}>\r\nCall-ID: ${Math.random().toString(36).slice(2)}@t\r\nCSeq: 1 REGISTER\r\nContact: <sip:1001@127.0.0.12:${port}>\r\nContent-Length: 0\r\n\r\n`;

async function phone(t: string, ext: string, bind: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user: ext, domain: `${t}.example`, password: secret(t, ext), server: { host: '127.0.0.1', port: edgePort }, bindAddress: bind });
  phones.push(p);
  return p;
}

function mediaOf(m: SipMessage): { address: string; port: number } {
  const sdp = m.body.toString();
  return { address: /c=IN IP4 (\S+)/.exec(sdp)![1]!, port: Number(/m=audio (\d+)/.exec(sdp)![1]) };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}\nkamailio:\n${kamLog.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A call from a to b through the edge, RTP both ways through b's node; hung up by a. */
async function callWithMedia(a: UdpPhone, b: UdpPhone): Promise<void> {
  const mark = b.mark();
  const res = (await a.call(b.o.user)) as SipResponse;
  assert.is(res.status, 200, `call ${a.o.user}@${a.o.domain} -> ${b.o.user}: ${res.status}`);
  // the node answered through the edge: the edge's Record-Route is in the dialog
  assert.match(getHeader(res, 'record-route') ?? '', `127.0.0.1:${edgePort}`);
  const invite = await b.next((m) => m.kind === 'request' && m.method === 'INVITE', 5000, mark);
  const toA = mediaOf(res);
  const toB = mediaOf(invite);
  // media: direct to the node's own RTP ports (never end to end between the phones)
  assert.is.not(toA.port, b.rtpPort);
  // a tone each way (440 Hz from the caller, 1000 Hz from the callee): audio, not just packets
  const atA = collectPcmu(a.rtp);
  const atB = collectPcmu(b.rtp);
  await Promise.all([sendPcmuTone(a.rtp, toA, 440, 40, 0xa440), sendPcmuTone(b.rtp, toB, 1000, 40, 0xb100)]);
  await until('both phones hear the other', () => (atA.payloads.length >= 25 && atB.payloads.length >= 25 ? true : undefined), 3000).catch(() => undefined);
  atA.stop();
  atB.stop();
  assert.ok(atB.payloads.length >= 25, `callee got ${atB.payloads.length} PCMU packets`);
  assert.ok(atA.payloads.length >= 25, `caller got ${atA.payloads.length} PCMU packets`);
  // the first packets may be lost while the legs latch: judge the last 20 frames
  assert.ok(pcmuToneShare(atB.payloads.slice(-20), 440) > 0.8, `callee hears 440 Hz (share ${pcmuToneShare(atB.payloads.slice(-20), 440).toFixed(2)})`);
  assert.ok(pcmuToneShare(atA.payloads.slice(-20), 1000) > 0.8, `caller hears 1000 Hz (share ${pcmuToneShare(atA.payloads.slice(-20), 1000).toFixed(2)})`);
  const bye = await a.inDialog('BYE');
  assert.is(bye.status, 200);
}

s.before(async () => {
  if (!enabled) return;
  dir = mkdtempSync(join(tmpdir(), 'pbx-cluster-'));
  const base = 42000 + Math.floor(Math.random() * 40) * 200;
  node1 = await node(tenant('acme', '+14155550100'), base);
  node2 = await node(tenant('globex', '+14155550200'), base + 100);
  edgePort = await freePort();
  writeFileSync(
    join(dir, 'cluster.yaml'),
    [
      'edge:',
      `  sip: udp://127.0.0.1:${edgePort}`,
      '  runDir: run',
      '  probeSeconds: 1',
      '  retryAfterSeconds: 17',
      '  floodRate: 0',
      'nodes:',
      `  - { name: node1, sip: "127.0.0.1:${node1.ports.udp}", api: "http://127.0.0.1:${node1.apiPort}", token: "\${NODE_TOKEN}" }`,
      `  - { name: node2, sip: "127.0.0.1:${node2.ports.udp}", api: "http://127.0.0.1:${node2.apiPort}", token: "\${NODE_TOKEN}" }`,
    ].join('\n') + '\n',
  );
});

s.after(async () => {
  for (const p of phones) p.close();
  if (kamailio && kamailio.exitCode === null) {
    kamailio.kill('SIGTERM');
    await new Promise((r) => kamailio!.once('exit', r));
  }
  await node1?.dispose();
  await node2?.dispose();
});

run('pbx cluster kamailio-config places acme on node 1 and globex on node 2 and Kamailio serves it', async () => {
  process.env['NODE_TOKEN'] = TOKEN;
  const r = cli('cluster', 'kamailio-config', '--cluster', join(dir, 'cluster.yaml'));
  assert.is(r.status, 0, r.stderr + r.stdout);
  assert.ok(/node1: acme; domains acme\.example; DIDs \+14155550100/.test(r.stdout), r.stdout);
  assert.match(r.stdout, /node1: acme; domains acme\.example; DIDs \+14155550100/);
  assert.match(r.stdout, /node2: globex; domains globex\.example; DIDs \+14155550200/);
  const runDir = join(dir, 'run');
  assert.is(spawnSync('kamailio', ['-c', '-f', join(runDir, 'kamailio.cfg')], { encoding: 'utf8' }).status, 0);
  kamailio = spawn('kamailio', kamailioArgs(runDir), { stdio: ['ignore', 'ignore', 'pipe'] });
  kamailio.stderr!.on('data', (d: Buffer) => kamLog.push(...d.toString().split('\n').filter(Boolean)));
  await until('kamailio answers OPTIONS', () => once((port) => `OPTIONS sip:127.0.0.1:${edgePort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.12:${port};rport;branch=z9hG4bKo${Date.now()}\r\nMax-Forwards: 70\r\nFrom: <sip:t@x>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: o${Date.now()}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, 500));
  // the reload path: kamcmd over the ctl socket
  const again = cli('cluster', 'kamailio-config', '--cluster', join(dir, 'cluster.yaml'), '--reload');
  assert.is(again.status, 0, again.stderr + again.stdout);
  assert.match(again.stdout, /kamailio reloaded/);
});

run('an unknown domain is refused at the edge', async () => {
  const answer = await once(register('nobody.example'));
  assert.match(answer ?? 'no answer', /^SIP\/2\.0 404 /);
});

run('phones of both tenants register through the edge; the node stores Path and sees the real phone', async () => {
  for (const [t, bind] of [['acme', '127.0.0.10'], ['globex', '127.0.0.11']] as const) {
    for (const ext of ['1001', '1002']) assert.is(await (await phone(t, ext, bind)).register(), 200, `${ext}@${t}`);
  }
  const res = await fetch(`${node1.apiUrl}/tenants/acme/registrations`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.json()) as { items: Array<{ source: { address: string } }> };
  assert.is(body.items.length, 2);
  // X-PBX-Source from the trusted edge: the phone's own address, not Kamailio's 127.0.0.1
  for (const b of body.items) assert.is(b.source.address, '127.0.0.10');
  // the edge's Path is stored: calls to these phones go back through the edge
  for (const b of body.items as Array<{ path?: string[] }>) assert.match(b.path?.[0] ?? 'no path', `127.0.0.1:${edgePort}`);
  const none = await fetch(`${node2.apiUrl}/tenants/acme/registrations`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(none.status, 404, 'acme lives on node 1 only');
});

run('a call within each tenant, through the edge and back to the phone by its Path, with RTP', async () => {
  const [a1, a2, g1, g2] = phones;
  await callWithMedia(a1!, a2!);
  await callWithMedia(g1!, g2!);
});

run('SIGKILL node 1: acme gets 503 with Retry-After at the edge, globex still calls', async () => {
  node1.signal('SIGKILL');
  const answer = await until('503 for acme', async () => {
    const a = await once(register('acme.example'));
    return a !== undefined && /^SIP\/2\.0 503 /.test(a) ? a : undefined;
  });
  assert.match(answer, /\r\nRetry-After: 17\r\n/i);
  const [, , g1, g2] = phones;
  await callWithMedia(g2!, g1!);
  assert.is(await g1!.register(), 200);
});

run('X-PBX-Source and Path sent straight to a node by a phone are ignored: it is judged and reached as itself', async () => {
  // a trap where the forged Path points: nothing may ever arrive there
  const trap = createSocket('udp4');
  await new Promise<void>((r) => trap.bind(0, '127.0.0.13', () => r()));
  let trapped = 0;
  trap.on('message', () => trapped++);
  const trapPort = (trap.address() as { port: number }).port;
  const direct = await UdpPhone.open({ user: '1002', domain: 'globex.example', password: secret('globex', '1002'), server: { host: '127.0.0.1', port: node2.ports.udp! }, bindAddress: '127.0.0.12' });
  phones.push(direct);
  try {
    const forged = [
      { name: 'x-pbx-source', value: 'udp:203.0.113.9:5060' },
      { name: 'path', value: `<sip:127.0.0.13:${trapPort};lr>` },
    ];
    assert.is(await direct.register(600, forged), 200);
    const res = await fetch(`${node2.apiUrl}/tenants/globex/registrations`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const items = ((await res.json()) as { items: Array<{ contact: string; source: { address: string }; path?: string[] }> }).items.filter((b) => b.contact.includes('127.0.0.12'));
    assert.is(items.length, 1);
    assert.is(items[0]!.source.address, '127.0.0.12', 'the packet source, not the forged header');
    assert.is(items[0]!.path, undefined, 'a Path from a phone is not stored');
    // a call to 1002 reaches the direct phone directly (not through the edge, not at the trap)
    const mark = direct.mark();
    direct.answer = { kind: 'busy' };
    const [, , g1] = phones;
    const call = g1!.call('1002', { timeoutMs: 8000 });
    const invite = await direct.next((m) => m.kind === 'request' && m.method === 'INVITE', 5000, mark);
    assert.not.ok(invite.headers.some((h) => h.name === 'record-route'), 'straight from the node, not through the edge');
    // the edge-registered 1002 answers; the direct one said busy
    const answered = (await call) as SipResponse;
    assert.is(answered.status, 200);
    assert.is((await g1!.inDialog('BYE')).status, 200);
    assert.is(trapped, 0, 'nothing sent where the forged Path pointed');
  } finally {
    await direct.register(0).catch(() => undefined);
    trap.close();
  }
});

s.run();
