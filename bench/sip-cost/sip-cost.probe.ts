/**
 * CPU cost probe of the SIP path (issue 13 point 1; not a test, not the benchmark: bench/register
 * owns the rates). Starts the real server as a child process on loopback (log level info as in production, no
 * flood limit), drives it from this process with small UDP clients, and reads the child's CPU
 * (utime + stime from /proc/<pid>/stat) around N operations, so the clients' own CPU is not
 * counted:
 *   - OPTIONS to the server (one request, one reply);
 *   - an authenticated REGISTER pair (REGISTER, 401, REGISTER with digest, 200);
 *   - a call between two registered extensions through the B2BUA (INVITE, 407, ACK, INVITE with
 *     digest, 100, INVITE to the callee, 180/200 both ways, ACKs, BYE both ways, media set-up, CDR).
 * Messages are sent one operation at a time (no pipelining), so the figure is CPU per operation
 * including the timers and callbacks each causes, not throughput.
 * Then, with the server stopped, the same REGISTER pairs against bench/register/bare-registrar.mjs
 * (a bare Node registrar: dgram, the digest's MD5s, a Map; one thread), read the same way: the
 * floor of Node's UDP path plus the necessary crypto, to set the PBX's figure against.
 *
 * Beside them, the floor: a bare Node process (no PBX code) that echoes every datagram it reads,
 * measured the same way with the same OPTIONS bytes ("Node floor: recv+send of the same bytes"),
 * so a figure reads as ours/floor: what the runtime and the kernel take for one datagram in and
 * one out, which no change to the PBX can go under. OPTIONS and the floor are also measured 32
 * datagrams at a time, where the cost of waking the server for each one is shared.
 *
 *   node --import tsx bench/sip-cost/sip-cost.probe.ts [options=20000] [registers=5000] [calls=500]
 *   (PBX_CPU_PROF=dir adds --cpu-prof --cpu-prof-dir=dir to the server; PBX_PROBE_DIST=1 runs the
 *   compiled dist/ instead of the sources under tsx; PBX_CPU_THREADS=1 also prints each figure
 *   split by the server's threads, from /proc/<pid>/task: MainThread (SIP), media-N (the media
 *   workers), V8Worker (V8's GC and compiler helpers); 0 skips a measurement.)
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMessage } from '../../src/sip/message/parse.js';
import { getHeader } from '../../src/sip/message/headers.js';
import { tenantYaml, REPO } from '../../test/support/pbx-process.js';
import { freePort } from '../../test/support/ports.js';
import { UdpPhone } from '../../test/support/udp-phone.js';

const nOptions = Number(process.argv[2] ?? 20_000);
const nRegisters = Number(process.argv[3] ?? 5_000);
const nCalls = Number(process.argv[4] ?? 500);
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

const dir = mkdtempSync(join(tmpdir(), 'pbx-sip-cost-'));
mkdirSync(join(dir, 'tenants'));
const port = await freePort();
const apiPort = await freePort();
const rtpBase = 30000 + Math.floor(Math.random() * 100) * 100;
writeFileSync(
  join(dir, 'pbx.yaml'),
  [
    'dataDir: data',
    // One SIP thread: the targets are CPU per message on one core (front threads would add a hop).
    `sip: { listen: [ "udp://127.0.0.1:${port}" ], publicAddress: 127.0.0.1, threads: 1 }`,
    `api: { listen: "127.0.0.1:${apiPort}" }`,
    `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 1 }`,
    'security: { floodRate: 0 }',
    'log: { level: info }',
  ].join('\n') + '\n',
);
const exts = ['1001', '1002'].map((ext) => ({ ext, password: `acme-${ext}-secret`, extraKeys: 'voicemail: { enabled: false }' }));
writeFileSync(join(dir, 'tenants', 'acme.yaml'), tenantYaml({ id: 'acme', domains: ['acme.example'], extensions: exts }));

const profDir = process.env['PBX_CPU_PROF'];
// PBX_PROBE_DIST=1: the compiled dist/ (what bin/pbx runs; `npm run build`
// first) instead of the sources under tsx, whose transform wraps every function created at run
// time in a __name call (an Object.defineProperty per closure made, and a property store of its
// own for each closure: CPU and heap production does not pay).
const built = process.env['PBX_PROBE_DIST'] === '1';
const entry = built ? [join(REPO, 'dist/cli/main.js')] : ['--import', 'tsx', join(REPO, 'src/cli/main.ts')];
const child = spawn(process.execPath, [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...entry, 'serve', '--config', join(dir, 'pbx.yaml')], {
  cwd: REPO,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, NO_COLOR: '1' },
});
// The server never outlives the probe, whatever ends it.
process.on('exit', () => child.kill('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(1));
let log = '';
child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
for (let i = 0; !/ready/.test(log); i++) {
  if (i > 1200 || child.exitCode !== null) throw new Error('server did not start:\n' + log);
  await new Promise((r) => setTimeout(r, 50));
}

/** CPU time of each thread of the server so far (µs), keyed name#tid. */
function threadCpu(): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of readdirSync(`/proc/${child.pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${child.pid}/task/${t}/stat`, 'utf8');
      const name = f.slice(f.indexOf('(') + 1, f.lastIndexOf(')'));
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      m.set(`${name}#${t}`, (Number(fields[11]) + Number(fields[12])) * TICK_US);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return m;
}

function childCpuUs(pid = child.pid!): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime, stime (fields 14, 15)
}

async function measure(label: string, n: number, warm: number, op: (i: number) => Promise<void>, pid = child.pid!): Promise<number> {
  if (n <= 0) return 0;
  for (let i = 0; i < warm; i++) await op(i);
  await new Promise((r) => setTimeout(r, 300));
  const c0 = childCpuUs(pid);
  const th0 = process.env['PBX_CPU_THREADS'] && pid === child.pid ? threadCpu() : undefined;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op(warm + i);
  const us = (childCpuUs(pid) - c0) / n;
  const ms = performance.now() - t0;
  if (n > 0 && th0) {
    const th1 = threadCpu();
    const per = new Map<string, number>();
    for (const [k, v] of th1) {
      const name = k.slice(0, k.indexOf('#'));
      per.set(name, (per.get(name) ?? 0) + (v - (th0.get(k) ?? 0)) / n);
    }
    console.log(`  per thread (µs per operation): ${[...per].filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
  }
  console.log(`${label}: ${us.toFixed(1)} µs server CPU per operation (${n} in ${(ms / 1000).toFixed(1)} s wall)`);
  return us;
}

// OPTIONS from a raw socket (the server answers out of dialog, RFC 3261 §11.2).
const sock = createSocket('udp4');
await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
const myPort = (sock.address() as { port: number }).port;
let waiting: ((b: Buffer) => void) | undefined;
sock.on('message', (b) => waiting?.(b));
/** Datagrams sent at once by the burst measurements. */
const BURST = 32;
function optionsText(i: number): string {
  return (
    `OPTIONS sip:acme.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${myPort};rport;branch=z9hG4bK-probe-${i}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:probe@acme.example>;tag=p${i}\r\nTo: <sip:acme.example>\r\nCall-ID: probe-${i}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
  );
}
function options(i: number): Promise<void> {
  const text = optionsText(i);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no answer to OPTIONS')), 5000);
    waiting = (b) => {
      const r = parseMessage(b);
      if (r.ok && r.message.kind === 'response' && getHeader(r.message, 'call-id') === `probe-${i}@127.0.0.1`) {
        clearTimeout(t);
        resolve();
      }
    };
    sock.send(Buffer.from(text), port, '127.0.0.1');
  });
}

const a = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port } });
const b = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port } });
b.answer = { kind: 'answer', ringMs: 0 };

// The floor: the same Node binary, no PBX code, one datagram in and the same bytes out.
const echoPort = await freePort();
const echo = spawn(
  process.execPath,
  ['-e', `const s = require('node:dgram').createSocket('udp4'); s.on('message', (m, r) => s.send(m, r.port, r.address)); s.bind(${echoPort}, '127.0.0.1', () => console.log('ready'));`],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
process.on('exit', () => echo.kill('SIGKILL'));
await new Promise<void>((r) => echo.stdout!.once('data', () => r()));
function echoOnce(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no echo')), 5000);
    waiting = () => {
      clearTimeout(t);
      resolve();
    };
    sock.send(Buffer.from(optionsText(i)), echoPort, '127.0.0.1');
  });
}

function echoBurst(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no echo of a burst')), 5000);
    let left = BURST;
    waiting = () => {
      if (--left > 0) return;
      clearTimeout(t);
      resolve();
    };
    for (let k = 0; k < BURST; k++) sock.send(Buffer.from(optionsText(i * BURST + k)), echoPort, '127.0.0.1');
  });
}

const before = loadavg();
const floor = await measure('Node floor: recv+send of the same bytes', nOptions, 2000, echoOnce, echo.pid);
const floorBurst = nOptions > 0 ? (await measure(`Node floor, ${BURST} at a time (per burst)`, Math.ceil(nOptions / BURST), 50, echoBurst, echo.pid)) / BURST : 0;
echo.kill('SIGTERM');
const opt = await measure('OPTIONS', nOptions, 2000, options);
if (floor > 0) console.log(`OPTIONS / floor: ${(opt / floor).toFixed(2)}`);
// The same OPTIONS, BURST at a time (the replies awaited together): the server's fixed cost of
// waking up for one datagram (epoll, the scheduler, caches gone cold while it slept) is shared
// by the burst, so this is closer to the per-message work itself.
let burstLost = 0;
function optionsBurst(i: number): Promise<void> {
  return new Promise((resolve) => {
    // A server that sheds load (overload control, e.g. when slowed by a profiler) may leave some unanswered: counted, not fatal.
    const t = setTimeout(() => {
      burstLost += left;
      resolve();
    }, 1000);
    let left = BURST;
    waiting = (b) => {
      const r = parseMessage(b);
      if (r.ok && r.message.kind === 'response' && --left === 0) {
        clearTimeout(t);
        resolve();
      }
    };
    for (let k = 0; k < BURST; k++) sock.send(Buffer.from(optionsText(i * BURST + k)), port, '127.0.0.1');
  });
}
const burst = nOptions > 0 ? (await measure(`OPTIONS, ${BURST} at a time (per burst)`, Math.ceil(nOptions / BURST), 50, optionsBurst)) / BURST : 0;
if (burst > 0) console.log(`OPTIONS, ${BURST} at a time: ${burst.toFixed(1)} µs server CPU per OPTIONS; floor ${floorBurst.toFixed(1)}; ours/floor ${(burst / floorBurst).toFixed(2)}${burstLost ? `; ${burstLost} unanswered` : ''}`);
const reg = await measure('REGISTER pair with digest', nRegisters, 500, async () => {
  const s = await a.register(600);
  if (s !== 200) throw new Error(`REGISTER answered ${s}`);
});
await b.register(600);
const call = await measure('call 1001 -> 1002 (set-up and BYE)', nCalls, 30, async () => {
  const r = await a.call('1002');
  if (r.status !== 200) throw new Error(`call answered ${r.status}`);
  const bye = await a.inDialog('BYE');
  if (bye.status !== 200) throw new Error(`BYE answered ${bye.status}`);
});
a.close();
b.close();
sock.close();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));

// The floor: the same REGISTER pairs against the bare Node registrar (one thread), same users.
const barePort = await freePort();
const usersCsv = join(dir, 'bare-users.csv');
writeFileSync(usersCsv, exts.map((e) => `${e.ext};acme.example;${e.password}`).join('\n') + '\n');
const bare = spawn(process.execPath, [join(REPO, 'bench/register/bare-registrar.mjs'), '--port', String(barePort), '--users', usersCsv], { stdio: ['ignore', 'pipe', 'pipe'] });
process.on('exit', () => bare.kill('SIGKILL'));
let bareLog = '';
bare.stdout!.on('data', (d: Buffer) => (bareLog += d.toString()));
bare.stderr!.on('data', (d: Buffer) => (bareLog += d.toString()));
for (let i = 0; !/ready/.test(bareLog); i++) {
  if (i > 400 || bare.exitCode !== null) throw new Error('bare registrar did not start:\n' + bareLog);
  await new Promise((r) => setTimeout(r, 50));
}
const c = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port: barePort } });
const bareReg = nRegisters <= 0 ? 0 : await measure(
  'REGISTER pair with digest, bare Node registrar (the floor)',
  nRegisters,
  500,
  async () => {
    const s = await c.register(600);
    if (s !== 200) throw new Error(`bare registrar answered REGISTER with ${s}`);
  },
  bare.pid!,
);
c.close();
bare.kill('SIGTERM');
await new Promise((r) => bare.once('exit', r));

if (bareReg > 0) console.log(`PBX / bare for a REGISTER pair: ${(reg / bareReg).toFixed(1)}x`);
console.log(`load average before ${before.map((x) => x.toFixed(2)).join(' ')}, after ${loadavg().map((x) => x.toFixed(2)).join(' ')}; node ${process.version}; server ${built ? 'from dist/' : 'under tsx'}`);
console.log(JSON.stringify({ floorUs: +floor.toFixed(1), optionsUs: +opt.toFixed(1), optionsBurstUs: +burst.toFixed(1), floorBurstUs: +floorBurst.toFixed(1), registerPairUs: +reg.toFixed(1), callUs: +call.toFixed(1), bareRegisterPairUs: +bareReg.toFixed(1) }));
rmSync(dir, { recursive: true, force: true });
