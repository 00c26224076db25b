#!/usr/bin/env node
// BLF benchmark (issue 12 point 5): 2,000 dialog-event subscriptions (RFC 4235), refreshed with
// digest auth, while extensions change state at 100 changes/s; every change fans out as NOTIFYs
// to the extension's watchers. Measures NOTIFYs delivered, change → NOTIFY latency, and the
// PBX's CPU and memory. See bench/blf/README.md.
//
//   node_modules/.bin/node bench/blf/run.mjs [--subs 2000] [--rate 100] [--seconds 45] [--expires 30] [--quick]
//
// The PBX is the real server in a child process (bench/blf/pbx-child.ts, run under the project's
// Node 24 with tsx). State changes are driven through a test hook: the child feeds them into the
// server's ExtensionStates (what the B2BUA reports for real calls); the subscribers are a pool of
// raw UDP SIP clients in this process (no SIPp: each must answer its own NOTIFYs and refresh its
// own dialog, which SIPp's one-scenario-per-call model does not do for 2,000 long dialogs).
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from '../lib/machine.mjs';
import { cpuSeconds, memoryBytes, processTree } from '../lib/proc-stats.mjs';
import { prependSection } from '../lib/results-file.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const log = (s) => process.stderr.write(`[blf ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const { values: a } = parseArgs({
  options: {
    subs: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '45' },
    expires: { type: 'string', default: '30' },
    tenants: { type: 'string', default: '10' },
    exts: { type: 'string', default: '100' },
    sockets: { type: 'string', default: '20' },
    quick: { type: 'boolean' },
    results: { type: 'string' },
    'no-results': { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (a.help) {
  process.stdout.write('usage: node bench/blf/run.mjs [--subs N] [--rate changes/s] [--seconds S] [--expires S] [--tenants N] [--exts N] [--sockets N] [--quick] [--results FILE | --no-results]\n');
  process.exit(0);
}
const SUBS = Number(a.quick ? 200 : a.subs);
const RATE = Number(a.rate);
const SECONDS = Number(a.quick ? 10 : a.seconds);
const EXPIRES = Number(a.quick ? 10 : a.expires);
const TENANTS = Number(a.tenants);
const EXTS = Number(a.exts);
const SOCKETS = Number(a.sockets);
const resultsFile = a.results ?? (a.quick ? join(repoRoot, 'bench', 'out', 'RESULTS-quick.md') : join(repoRoot, 'bench', 'RESULTS.md'));

// ---- the PBX ---------------------------------------------------------------------------------
const nodeBin = join(repoRoot, 'node_modules', '.bin', 'node');
const child = fork(join(here, 'pbx-child.ts'), [String(TENANTS), String(EXTS)], { execPath: nodeBin, execArgv: ['--import', 'tsx'], cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
let serverSubs = 0;
const ready = new Promise((res, rej) => {
  child.on('message', (m) => {
    if (m.ready) res(m.port);
    if (m.subscriptions !== undefined) serverSubs = m.subscriptions;
  });
  child.on('exit', (code) => rej(new Error(`PBX exited (${code})`)));
});
const stopChild = () => {
  try {
    child.send({ op: 'stop' });
  } catch {
    /* gone */
  }
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
};
process.on('SIGINT', () => (stopChild(), process.exit(130)));
const port = await ready;
log(`PBX up on udp 127.0.0.1:${port} (pid ${child.pid}), ${TENANTS} tenants x ${EXTS} extensions`);

// ---- a minimal SIP client over a pool of UDP sockets -----------------------------------------
const md5 = (s) => createHash('md5').update(s).digest('hex');
const rnd = () => randomBytes(6).toString('hex');
function parse(buf) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = text.slice(0, end).split('\r\n');
  const headers = new Map();
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, []);
    headers.get(name).push(line.slice(i + 1).trim());
  }
  const h = (n) => headers.get(n)?.[0];
  const start = head[0];
  const isReq = !start.startsWith('SIP/2.0');
  return { isReq, start, method: isReq ? start.split(' ')[0] : undefined, status: isReq ? 0 : Number(start.split(' ')[1]), h, all: (n) => headers.get(n) ?? [], body: text.slice(end + 4) };
}

const sockets = [];
const pendingTx = new Map(); // branch → resolve
const byCallId = new Map(); // Call-ID → subscription
let notifies = 0;
let notifyBytes = 0;
const latencies = [];
const sent = new Map(); // `${tenant}|${dialogId}|${state}` → t0
let stale = 0;

for (let i = 0; i < SOCKETS; i++) {
  const s = createSocket('udp4');
  s.on('message', (b) => onMessage(s, b));
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  s.setRecvBufferSize?.(4 << 20);
  sockets.push(s);
}

function onMessage(sock, buf) {
  let m;
  try {
    m = parse(buf);
  } catch {
    return;
  }
  if (!m.isReq) {
    const branch = /branch=([^;\s,]+)/.exec(m.h('via') ?? '')?.[1];
    const r = pendingTx.get(branch);
    if (r && m.status >= 200) {
      pendingTx.delete(branch);
      r(m);
    }
    return;
  }
  if (m.method !== 'NOTIFY') return;
  const t = performance.now();
  const resp = [`SIP/2.0 200 OK`, ...m.all('via').map((v) => `Via: ${v}`), `From: ${m.h('from')}`, `To: ${m.h('to')}`, `Call-ID: ${m.h('call-id')}`, `CSeq: ${m.h('cseq')}`, 'Content-Length: 0', '', ''].join('\r\n');
  const src = /SIP\/2\.0\/UDP ([^:;\s]+):(\d+)/.exec(m.h('via'));
  sock.send(resp, Number(/rport=(\d+)/.exec(m.h('via'))?.[1] ?? src[2]), src[1]);
  notifies++;
  notifyBytes += buf.length;
  const sub = byCallId.get(m.h('call-id'));
  if (sub) {
    sub.notifies++;
    sub.lastBody = m.body;
  }
  const tenant = /entity="sip:[^@"]+@([^."]+)\./.exec(m.body)?.[1];
  if (!tenant) return;
  for (const d of m.body.matchAll(/<dialog id="([^"]+)-r" direction="recipient">\r\n {4}<state>([a-z]+)<\/state>/g)) {
    const key = `${tenant}|${d[1]}|${d[2]}`;
    const t0 = sent.get(key);
    // The first NOTIFY of this subscription that shows this change (a refresh's NOTIFY repeats it).
    if (t0 === undefined || !sub || sub.seen.has(key)) continue;
    sub.seen.add(key);
    latencies.push(t - t0);
  }
  if (!m.body.includes('<dialog ')) stale++;
}

function request(sock, text, branch, timeoutMs = 4000) {
  return new Promise((res) => {
    const timer = setTimeout(() => (pendingTx.delete(branch), res(undefined)), timeoutMs);
    pendingTx.set(branch, (m) => (clearTimeout(timer), res(m)));
    sock.send(text, port, '127.0.0.1');
  });
}

function subscribeText(sub, auth) {
  const branch = `z9hG4bK${rnd()}`;
  const lport = sub.sock.address().port;
  const uri = sub.toTag ? sub.target : `sip:${sub.watched}@${sub.tenant}.example`;
  const text = [
    `SUBSCRIBE ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${lport};rport;branch=${branch}`,
    'Max-Forwards: 70',
    `From: <sip:${sub.user}@${sub.tenant}.example>;tag=${sub.fromTag}`,
    `To: <sip:${sub.watched}@${sub.tenant}.example>${sub.toTag ? `;tag=${sub.toTag}` : ''}`,
    `Call-ID: ${sub.callId}`,
    `CSeq: ${sub.cseq++} SUBSCRIBE`,
    `Contact: <sip:${sub.user}@127.0.0.1:${lport}>`,
    'Event: dialog',
    'Accept: application/dialog-info+xml',
    `Expires: ${EXPIRES}`,
    ...(auth ? [`Proxy-Authorization: ${auth(uri)}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { text, branch };
}

let subscribeFailures = 0;
let refreshes = 0;
let refreshFailures = 0;
async function subscribe(sub) {
  const first = subscribeText(sub);
  const ch = await request(sub.sock, first.text, first.branch);
  if (!ch || ch.status !== 407) return ch?.status ?? 0;
  const p = ch.h('proxy-authenticate');
  const realm = /realm="([^"]+)"/.exec(p)[1];
  const nonce = /nonce="([^"]+)"/.exec(p)[1];
  const opaque = /opaque="([^"]+)"/.exec(p)?.[1];
  const cnonce = rnd();
  const auth = (uri) => {
    const ha1 = md5(`${sub.user}:${realm}:${sub.tenant}-${sub.user}-secret`);
    const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`SUBSCRIBE:${uri}`)}`);
    return `Digest username="${sub.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"${opaque ? `, opaque="${opaque}"` : ''}`;
  };
  const second = subscribeText(sub, auth);
  const ok = await request(sub.sock, second.text, second.branch);
  if (ok?.status === 200 && !sub.toTag) {
    sub.toTag = /;\s*tag=([^;\s]+)/.exec(ok.h('to'))?.[1];
    sub.target = /<([^>]+)>/.exec(ok.h('contact') ?? '')?.[1];
  }
  return ok?.status ?? 0;
}

// ---- 2,000 subscriptions: every extension of each tenant watches a few colleagues ----------
const perTenant = Math.ceil(SUBS / TENANTS);
const subs = [];
for (let i = 0; i < SUBS; i++) {
  const t = i % TENANTS;
  const k = Math.floor(i / TENANTS);
  const user = 1000 + (k % EXTS);
  const watched = 1000 + ((k % EXTS) + 1 + Math.floor(k / EXTS) * 17) % EXTS;
  subs.push({ tenant: `t${t}`, user: String(user), watched: String(watched), callId: `${rnd()}@bench`, fromTag: rnd(), cseq: 1, toTag: undefined, target: undefined, sock: sockets[i % SOCKETS], notifies: 0, seen: new Set() });
}
for (const s of subs) byCallId.set(s.callId, s);
const watchedBy = new Map(); // `${tenant}|${ext}` → count
for (const s of subs) watchedBy.set(`${s.tenant}|${s.watched}`, (watchedBy.get(`${s.tenant}|${s.watched}`) ?? 0) + 1);
const watchedList = [...watchedBy.keys()].map((k) => k.split('|'));

log(`subscribing ${SUBS} (${perTenant} per tenant) ...`);
const tSub0 = performance.now();
let i = 0;
await Promise.all(
  Array.from({ length: 50 }, async () => {
    while (i < subs.length) {
      const s = subs[i++];
      const status = await subscribe(s);
      if (status !== 200) subscribeFailures++;
    }
  }),
);
const subSeconds = (performance.now() - tSub0) / 1000;
await new Promise((r) => setTimeout(r, 1500));
log(`${SUBS - subscribeFailures} subscribed in ${subSeconds.toFixed(1)} s (${subscribeFailures} failed); server holds ${serverSubs}`);

// ---- refreshes at half the expiry, spread evenly ----------------------------------------------
const live = subs.filter((s) => s.toTag);
let stopping = false;
const refreshTimers = live.map((s, n) =>
  setTimeout(function again() {
    if (stopping) return;
    refreshes++;
    void subscribe(s).then((st) => {
      if (st !== 200) refreshFailures++;
    });
    s.timer = setTimeout(again, (EXPIRES * 1000) / 2);
  }, ((EXPIRES * 1000) / 2) * (n / live.length)),
);

// ---- state changes at RATE/s: each call rings (early), is answered (confirmed), ends ----------
const pbxPids = () => processTree(child.pid);
const cpu0 = cpuSeconds(pbxPids());
const mem0 = memoryBytes(pbxPids());
let peakRss = mem0.rss;
const memTimer = setInterval(() => (peakRss = Math.max(peakRss, memoryBytes(pbxPids()).rss)), 1000);
const notifies0 = notifies;
const t0 = performance.now();
let changes = 0;
let expectedFanout = 0;
let seq = 0;
const change = (tenant, ext, callId, phase) => {
  sent.set(`${tenant}|${callId}|${phase}`, performance.now());
  if (phase === 'terminated') child.send({ op: 'end', tenant, callId });
  else child.send({ op: 'legs', tenant, callId, ext, phase });
  changes++;
  expectedFanout += watchedBy.get(`${tenant}|${ext}`) ?? 0;
};
// One new call every 3/RATE s; each makes three changes (early, confirmed, terminated).
const callEveryMs = 3000 / RATE;
let nextCall = performance.now();
const driver = setInterval(() => {
  const now = performance.now();
  while (nextCall <= now && now - t0 < SECONDS * 1000) {
    nextCall += callEveryMs;
    const [tenant, ext] = watchedList[Math.floor(Math.random() * watchedList.length)];
    const callId = `b${seq++}`;
    change(tenant, ext, callId, 'early');
    setTimeout(() => change(tenant, ext, callId, 'confirmed'), 400);
    setTimeout(() => change(tenant, ext, callId, 'terminated'), 1200);
  }
}, 5);
await new Promise((r) => setTimeout(r, SECONDS * 1000 + 1300));
clearInterval(driver);
await new Promise((r) => setTimeout(r, 2000));
const elapsed = (performance.now() - t0) / 1000;
const cpu = cpuSeconds(pbxPids()) - cpu0;
clearInterval(memTimer);
const mem1 = memoryBytes(pbxPids());
peakRss = Math.max(peakRss, mem1.rss);
stopping = true;
for (const t of refreshTimers) clearTimeout(t);
for (const s of live) clearTimeout(s.timer);
const delivered = notifies - notifies0;
// Every call has ended: each subscription's last NOTIFY must show its extension idle (no dialog
// that is not terminated). One that does not would be a lost change.
const notIdleAtEnd = live.filter((s) => /<state>(trying|proceeding|early|confirmed)<\/state>/.test(s.lastBody ?? '')).length;

latencies.sort((x, y) => x - y);
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN);
const mi = machineInfo(repoRoot);
const r = {
  subs: SUBS,
  live: live.length,
  subscribeFailures,
  subSeconds,
  refreshes,
  refreshFailures,
  changes,
  changeRate: changes / (SECONDS + 1.2),
  expectedFanout,
  delivered,
  notifyRate: delivered / elapsed,
  samples: latencies.length,
  p50: pct(50),
  p95: pct(95),
  p99: pct(99),
  max: latencies[latencies.length - 1],
  notIdleAtEnd,
  cpuPct: (cpu / elapsed) * 100,
  rss0: mem0.rss,
  peakRss,
};
log(JSON.stringify(r));

const mb = (b) => (b / 2 ** 20).toFixed(0);
const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const section = [
  `## BLF: ${SUBS} dialog subscriptions, ${RATE} state changes/s, ${SECONDS} s (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  '',
  `Machine: ${mi.nproc} × ${mi.cpuModel}, ${mi.memGiB.toFixed(1)} GiB, Linux ${mi.kernel}, Node ${mi.node} (bench) / project Node 24 (PBX); load average at the end ${mi.loadavg}; commit ${mi.revision}.`,
  `Run: \`node bench/blf/run.mjs${a.quick ? ' --quick' : ''} --subs ${SUBS} --rate ${RATE} --seconds ${SECONDS} --expires ${EXPIRES}\`. ${TENANTS} tenants × ${EXTS} extensions; each subscriber is an extension watching a colleague of its own tenant (Event: dialog), over ${SOCKETS} UDP sockets; every SUBSCRIBE and refresh answers the 407 digest challenge. State changes are driven through the test hook (bench/blf/pbx-child.ts feeds ExtensionStates in the PBX process, as the B2BUA does for real calls), not by real calls: one "call" every ${callEveryMs.toFixed(0)} ms on a random watched extension, early → confirmed (+0.4 s) → terminated (+1.2 s).`,
  '',
  '| figure | value |',
  '|---|---|',
  `| subscriptions granted | ${live.length} of ${SUBS} (${subscribeFailures} failed), in ${subSeconds.toFixed(1)} s |`,
  `| refreshes during the run (Expires ${EXPIRES}, at half) | ${refreshes} sent, ${refreshFailures} not answered 200 |`,
  `| state changes | ${changes} (${r.changeRate.toFixed(0)}/s) |`,
  `| NOTIFYs the changes fan out to (watchers of the changed extension) | ${expectedFanout} |`,
  `| NOTIFYs received and answered (changes, refreshes) | ${delivered} (${r.notifyRate.toFixed(0)}/s) |`,
  `| changes seen by their watchers (a NOTIFY showing that very state) | ${latencies.length} of ${expectedFanout} (${((100 * latencies.length) / Math.max(1, expectedFanout)).toFixed(1)} %) |`,
  `| subscriptions whose last NOTIFY, after every call ended, still shows a call (a lost change) | ${notIdleAtEnd} of ${live.length} |`,
  `| change → NOTIFY latency, ${latencies.length} samples (from the hook call in the bench process, IPC included) | p50 ${ms(r.p50)} ms, p95 ${ms(r.p95)} ms, p99 ${ms(r.p99)} ms, max ${ms(r.max)} ms |`,
  `| PBX CPU over the run | ${r.cpuPct.toFixed(0)} % of one core |`,
  `| PBX memory (RSS) | ${mb(mem0.rss)} MiB after subscribing, peak ${mb(peakRss)} MiB |`,
  '',
  'Latency samples are NOTIFYs that show the very change that was sent; a NOTIFY coalesced with a later change (one NOTIFY in flight per subscription, RFC 6665) shows the later state and counts for that one instead.',
  '',
].join('\n');
if (!a['no-results']) {
  prependSection(resultsFile, section);
  log(`results written to ${resultsFile}`);
} else {
  process.stdout.write(section + '\n');
}
for (const s of sockets) s.close();
stopChild();
