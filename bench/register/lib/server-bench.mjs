// The whole measurement of one registrar: start it, take its memory at rest, register every
// extension once and take it again, then ramp the REGISTER rate, then stop it.
import { join } from 'node:path';
import { findMaxRate } from '../../lib/ramp.mjs';
import { cpuSeconds, machineCpu, memoryBytes, Sampler } from '../../lib/proc-stats.mjs';
import { runSipp } from '../../lib/sipp-run.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Before a step: waits until the server is idle again (under 10 % of a core over 1 s, i.e. it has
 * worked off the previous step) and the whole machine is quiet (under `quietPct` % of one core:
 * the machine is shared, and someone else's build skews a step), at most maxMs. Returns the
 * machine's busy % of the last second, to flag steps that had to start anyway.
 */
async function waitQuiet(server, maxMs, quietPct) {
  const end = Date.now() + maxMs;
  let busyPct = 0;
  for (;;) {
    const a = cpuSeconds(server.pids());
    const m = machineCpu();
    await sleep(1000);
    const serverBusy = cpuSeconds(server.pids()) - a;
    busyPct = 100 * (machineCpu().busy - m.busy);
    if ((serverBusy < 0.1 && busyPct < quietPct) || Date.now() >= end) return busyPct;
  }
}

/**
 * @param {object} server KamailioServer | PbxServer | ExternalServer (started by the caller)
 * @param {{ scenario: string, fullCsv: string, sliceCsvs: string[], userCount: number,
 *           outDir: string, o: object, log: (s: string) => void }} ctx
 */
export async function benchServer(server, ctx) {
  const { o, log } = ctx;
  const target = `${server.host}:${server.port}`;
  const result = { name: server.name, memory: undefined, fill: undefined, ramp: undefined, notes: [] };

  // 1. Memory at rest, tenants applied, nothing registered.
  await sleep(o.restSeconds * 1000);
  await server.prepareMeasure?.();
  const base = { ...memoryBytes(server.pids()), shm: server.shmUsed(), heap: server.lastStats?.heapUsed };

  // 2. One extension of every tenant registers: each tenant's store is now open. The
  //    memory this costs is per tenant (a SQLite connection and its caches), not per contact.
  const fillPass = async (csv, calls, tag) => {
    const r = await runSipp({
      target,
      scenario: ctx.scenario,
      csvFiles: [csv],
      rate: o.fillRate,
      calls,
      localPortBase: o.sippPort,
      ...(o.sippIp ? { localIp: o.sippIp } : {}),
      outDir: ctx.outDir,
      tag: `${server.name}-${tag}`,
      timeoutSeconds: Math.ceil(calls / o.fillRate) + 30,
    });
    if (!r.summary || r.summary.successful !== calls) {
      result.notes.push(`${tag} pass: ${r.summary?.successful ?? 0} of ${calls} registrations succeeded${r.problems.length ? ` (${r.problems.join('; ')})` : ''}`);
    }
    return r;
  };
  const tenants = ctx.tenantCount;
  log(`${server.name}: registering one extension in each of the ${tenants} tenants`);
  const first = await fillPass(ctx.firstCsv, tenants, 'fill-first');
  log(`${server.name}: settling ${o.settleSeconds} s`);
  await sleep(o.settleSeconds * 1000);
  await server.prepareMeasure?.();
  const warm = { ...memoryBytes(server.pids()), shm: server.shmUsed(), heap: server.lastStats?.heapUsed };

  // 3. Every other extension registers once; let transactions and nonces age out (RFC 3261
  //    §17.2.2 Timer J = 64*T1 = 32 s), then measure.
  const rest = ctx.userCount - tenants;
  log(`${server.name}: registering the other ${rest} extensions once at ${o.fillRate}/s`);
  const fill = await fillPass(ctx.restCsv, rest, 'fill-rest');
  result.fill = fill;
  log(`${server.name}: settling ${o.settleSeconds} s before measuring memory`);
  await sleep(o.settleSeconds * 1000);
  await server.prepareMeasure?.();
  const after = { ...memoryBytes(server.pids()), shm: server.shmUsed(), heap: server.lastStats?.heapUsed };
  const contacts = server.registeredContacts();
  // Divide by what was really registered: the server's own count when it has one, else SIPp's.
  const n = contacts || (first.summary?.successful ?? 0) + (fill.summary?.successful ?? 0) || ctx.userCount;
  const nRest = Math.max(1, n - (first.summary?.successful ?? tenants));
  result.memory = {
    divisor: n,
    base,
    warm,
    after,
    contacts,
    tenants,
    // Everything since rest, over every contact: what a contact costs when each tenant has this many.
    perContactRss: (after.rss - base.rss) / n,
    perContactPss: (after.pss - base.pss) / n,
    perContactShm: base.shm !== undefined && after.shm !== undefined ? (after.shm - base.shm) / n : undefined,
    // Split: the first registration of each tenant (store opened), and each further contact.
    perTenantPss: (warm.pss - base.pss) / tenants,
    perFurtherContactPss: (after.pss - warm.pss) / nRest,
    perFurtherContactShm: warm.shm !== undefined && after.shm !== undefined ? (after.shm - warm.shm) / nRest : undefined,
    furtherContacts: nRest,
    // The PBX's live JS heap after a full GC (SIGUSR2 report), per further contact.
    perFurtherContactHeap: warm.heap !== undefined && after.heap !== undefined ? (after.heap - warm.heap) / nRest : undefined,
  };

  // 4. Ramp.
  const deadline = Date.now() + o.budgetSeconds * 1000;
  let stepNo = 0;
  result.ramp = await findMaxRate({
    start: o.start,
    step: o.step,
    max: o.max,
    resolution: o.resolution,
    maxSteps: o.maxSteps,
    deadline,
    runStep: async (rate) => {
      // A step that fails while someone else used the machine says little about the server:
      // run it once more (after waiting for quiet) and keep the first attempt for the record.
      const first = await attempt(rate);
      if (first.pass || first.otherCpuPct < o.quietPct) return first;
      log(`${server.name}: ${rate}/s failed while the rest of the machine used ${first.otherCpuPct.toFixed(0)} % of a core; repeating it once`);
      const second = await attempt(rate);
      return { ...second, disturbedAttempt: first };
    },
  });
  result.contactsAfterRamp = server.registeredContacts();
  result.memory.afterRamp = memoryBytes(server.pids());
  return result;

  async function attempt(rate) {
    stepNo++;
    const busyBefore = await waitQuiet(server, o.quietWaitSeconds * 1000, o.quietPct);
    if (busyBefore >= o.quietPct) log(`${server.name}: machine still busy (${busyBefore.toFixed(0)} % of a core) after ${o.quietWaitSeconds} s; starting the step anyway`);
    let sippPids = [];
    const sippPorts = ctx.sliceCsvs.map((_, i) => o.sippPort + i);
    const sampler = new Sampler(
      {
        server: { pids: () => server.pids(), ports: () => [server.port] },
        // SIPp's ports are only its own while it runs.
        sipp: { pids: () => sippPids, ports: () => (sippPids.length ? sippPorts : []) },
      },
      250,
    );
    sampler.start();
    const calls = Math.round(rate * o.stepSeconds);
    const run = await runSipp({
      target,
      scenario: ctx.scenario,
      csvFiles: ctx.sliceCsvs,
      rate,
      calls,
      localPortBase: o.sippPort,
      ...(o.sippIp ? { localIp: o.sippIp } : {}),
      outDir: ctx.outDir,
      tag: `${server.name}-step${String(stepNo).padStart(2, '0')}-${rate}`,
      timeoutSeconds: o.stepSeconds + 25,
      onStart: (pids) => (sippPids = pids),
    });
    const usage = sampler.stop();
    const s = run.summary;
    const created = s?.created ?? 0;
    const failed = Math.max(0, created - (s?.successful ?? 0)) + Math.max(0, calls - created);
    const failurePct = calls > 0 ? (100 * failed) / calls : 100;
    const achieved = s?.achievedRate ?? 0;
    const sippCpuPct = usage.groups.sipp.cpuPct;
    // SIPp is single-threaded: near a full core it is the bottleneck, whatever the server does.
    const sippBound = sippCpuPct / ctx.sliceCsvs.length > 90;
    const achievedOk = achieved >= 0.97 * rate;
    const pass = failurePct < 1 && achievedOk && run.problems.length === 0;
    const step = {
      rate,
      calls,
      achieved,
      okPerSec: s && s.sendSeconds > 0 ? s.successful / s.sendSeconds : 0,
      failurePct,
      failureKinds: s?.failureKinds ?? {},
      retransPct: created > 0 ? (100 * (s?.retransmissions ?? 0)) / created : 0,
      callLengthMs: s?.callLengthMs ?? 0,
      serverCpuPct: usage.groups.server.cpuPct,
      serverRss: usage.groups.server.rss,
      serverPss: usage.groups.server.pss,
      sippCpuPct,
      sippBound,
      serverUdpDrops: usage.groups.server.udpDrops,
      sippUdpDrops: usage.groups.sipp.udpDrops,
      otherCpuPct: usage.otherCpuPct,
      busyBeforePct: busyBefore,
      problems: run.problems,
      pass,
    };
    log(
      `${server.name}: ${rate}/s -> achieved ${achieved.toFixed(0)}/s, failed ${failurePct.toFixed(2)} %, ` +
        `retrans ${step.retransPct.toFixed(1)} %, mean call ${step.callLengthMs.toFixed(1)} ms, server CPU ${step.serverCpuPct.toFixed(0)} %, ` +
        `SIPp CPU ${sippCpuPct.toFixed(0)} %, UDP drops server/SIPp ${step.serverUdpDrops}/${step.sippUdpDrops}, other ${step.otherCpuPct.toFixed(0)} % => ${pass ? 'pass' : 'FAIL'}` +
        (run.problems.length ? ` (${run.problems.join('; ')})` : ''),
    );
    return step;
  }
}
