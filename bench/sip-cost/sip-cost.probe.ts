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
 *
 *   node --import tsx bench/sip-cost/sip-cost.probe.ts [options=20000] [registers=5000] [calls=500]
 *   (PBX_CPU_PROF=dir adds --cpu-prof --cpu-prof-dir=dir to the server; PBX_CPU_THREADS=1 also
 *   prints each figure split by the server's threads, from /proc/<pid>/task: MainThread (SIP),
 *   media-N (the media workers), V8Worker (V8's GC and compiler helpers).)
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
    `sip: { listen: [ "udp://127.0.0.1:${port}" ], publicAddress: 127.0.0.1 }`,
    `api: { listen: "127.0.0.1:${apiPort}" }`,
    `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 1 }`,
    'security: { floodRate: 0 }',
    'log: { level: info }',
  ].join('\n') + '\n',
);
const exts = ['1001', '1002'].map((ext) => ({ ext, password: `acme-${ext}-secret`, extraKeys: 'voicemail: { enabled: false }' }));
writeFileSync(join(dir, 'tenants', 'acme.yaml'), tenantYaml({ id: 'acme', domains: ['acme.example'], extensions: exts }));

const profDir = process.env['PBX_CPU_PROF'];
// PBX_PROBE_BUILT=1: the server from dist/ (`npm run build` first), as bin/pbx runs it in
// production. Under tsx every function carries esbuild's __name(fn, "name") (keepNames): a
// defineProperty per closure made, which costs CPU and leaves each closure with its own
// property store, figures production does not pay.
const built = process.env['PBX_PROBE_BUILT'] === '1';
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

function childCpuUs(): number {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime, stime (fields 14, 15)
}

async function measure(label: string, n: number, warm: number, op: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < warm; i++) await op(i);
  await new Promise((r) => setTimeout(r, 300));
  const c0 = childCpuUs();
  const th0 = process.env['PBX_CPU_THREADS'] ? threadCpu() : undefined;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op(warm + i);
  const us = (childCpuUs() - c0) / n;
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
function options(i: number): Promise<void> {
  const text =
    `OPTIONS sip:acme.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${myPort};rport;branch=z9hG4bK-probe-${i}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:probe@acme.example>;tag=p${i}\r\nTo: <sip:acme.example>\r\nCall-ID: probe-${i}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
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

const before = loadavg();
const opt = await measure('OPTIONS', nOptions, 2000, options);
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
console.log(`${built ? 'server from dist/' : 'server under tsx'}; load average before ${before.map((x) => x.toFixed(2)).join(' ')}, after ${loadavg().map((x) => x.toFixed(2)).join(' ')}; node ${process.version}`);
console.log(JSON.stringify({ optionsUs: +opt.toFixed(1), registerPairUs: +reg.toFixed(1), callUs: +call.toFixed(1) }));

a.close();
b.close();
sock.close();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });
