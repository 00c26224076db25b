#!/usr/bin/env node
// The relay ceiling (issue 13 point 3) measured side by side, steps interleaved: bench/media's
// relay step (same generator, same hosts, CPU of the engine's process tree from /proc) for the
// PBX relay (one media worker), the bare Node dgram relay (bare-relay-worker.mjs) and, with
// --base DIR, the PBX relay of another checkout (an exported copy of main with its node_modules),
// one step of each in turn, `rounds` times, so that each gets the same share of a busy machine.
// Besides the bench's figures it reports each engine thread's CPU (the relay thread apart from
// the process's main thread and V8's helpers), to see where a difference comes from.
//
//   node bench/media/relay-side-by-side.mjs [--calls 100] [--rounds 3] [--seconds 10] [--base DIR]
//        [--perf DIR]   (perf record of the relay thread for 5 s in each step; run with NODE_OPTIONS=--perf-basic-prof for JS names)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PbxMediaHost } from './lib/pbx-media-host.mjs';
import { pbxStep } from './lib/steps.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const { values: o } = parseArgs({ options: { calls: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' }, base: { type: 'string' }, perf: { type: 'string' } } });
const calls = Number(o.calls);
const rounds = Number(o.rounds);

/** CPU ms of each thread of a process, by "name#tid". */
function threads(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(`${st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'))}#${tid}`, (Number(f[11]) + Number(f[12])) * 10);
    } catch {
      // the thread ended
    }
  }
  return out;
}
const RELAY_THREAD = /^(media-0|WorkerThread)#/;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const helper = await PbxMediaHost.start({ repoRoot, portMin: 24000, portMax: 24099 });
const payloads = { PCMU: (await helper.request({ op: 'payloads', codec: 'PCMU' })).payloads };
await helper.stop();
const hosts = {
  pbx: await PbxMediaHost.start({ repoRoot, portMin: 28000, portMax: 31999, workers: 1 }),
  ...(o.base ? { base: await PbxMediaHost.start({ repoRoot: resolve(o.base), portMin: 36000, portMax: 39999, workers: 1 }) } : {}),
  bare: await PbxMediaHost.start({ repoRoot, portMin: 32000, portMax: 35999, entry: join(here, 'lib', 'bare-relay-host.mjs'), env: { THREADS: '1' } }),
};
const res = Object.fromEntries(Object.keys(hosts).map((k) => [k, { engine: [], relay: [] }]));
console.log(`${calls} calls, ${rounds} rounds of ${Object.keys(hosts).join(', ')}, ${o.seconds} s measured after 2 s of warm-up; load average before ${loadavg()}`);
for (let round = 0; round < rounds; round++) {
  for (const [kind, host] of Object.entries(hosts)) {
    const pid = host.child.pid;
    const t0 = threads(pid);
    let perf;
    if (o.perf) {
      const tid = [...t0.keys()].find((k) => RELAY_THREAD.test(k))?.split('#')[1];
      const out = join(o.perf, `${kind}-${round}.data`);
      perf = new Promise((done) => setTimeout(() => done((spawnSync('perf', ['record', '-q', '-F', '4999', '-t', tid, '-o', out, '--', 'sleep', '5']), out)), 4000));
    }
    const r = await pbxStep({ host, calls, a: 'PCMU', b: 'PCMU', transcode: false, threads: 1, warmupMs: 2000, measureMs: Number(o.seconds) * 1000, payloads });
    await perf;
    const t1 = threads(pid);
    const busy = [...t1].map(([k, v]) => [k, v - (t0.get(k) ?? 0)]).filter(([, v]) => v > 0);
    const relay = busy.filter(([k]) => RELAY_THREAD.test(k)).reduce((n, [, v]) => n + v, 0);
    const rest = busy.filter(([k]) => !RELAY_THREAD.test(k)).reduce((n, [, v]) => n + v, 0);
    res[kind].engine.push(r.engineCpuPct);
    res[kind].relay.push(relay);
    console.log(`${kind.padEnd(4)} round ${round + 1}: engine ${r.engineCpuPct.toFixed(1)} % (${r.lossPct < 0.1 ? 'pass' : 'FAIL'}, loss ${r.lossPct.toFixed(3)} %), relay thread ${relay} ms, the process's other threads ${rest} ms; generator ${r.generatorCpuPct.toFixed(0)} % (lag max ${r.maxLagMs.toFixed(0)} ms), rest of machine ${r.otherCpuPct?.toFixed(0)} %, load ${loadavg()}`);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (k) => `${k} engine ${med(res[k].engine).toFixed(1)} %, relay thread ${med(res[k].relay)} ms`;
console.log(`medians: ${Object.keys(res).map(line).join('; ')}`);
for (const k of Object.keys(res).filter((k) => k !== 'bare')) {
  console.log(`${k} calls per core / bare's (engine CPU, as the bench): ${(med(res.bare.engine) / med(res[k].engine)).toFixed(2)}; per round: ${res[k].engine.map((x, i) => (res.bare.engine[i] / x).toFixed(2)).join(' ')}; relay thread alone: ${(med(res.bare.relay) / med(res[k].relay)).toFixed(2)}`);
}
for (const h of Object.values(hosts)) await h.stop();
process.exit(0);
