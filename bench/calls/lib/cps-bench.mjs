// The call setup rate of one server: SIPp callees (test/sipp/call-uas.xml, one process, answering
// at once) registered on it, then a SIPp caller (1 s calls, 407 digest challenge answered) at a
// rising rate until a step fails, bisected like the register bench. With `media`, the callers play
// G.711 (test/sipp/call-uac.xml) and the callee echoes it (-rtp_echo).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sampler } from '../../lib/proc-stats.mjs';
import { waitQuiet } from '../../lib/wait-quiet.mjs';
import { findMaxRate } from '../../lib/ramp.mjs';
import { callersCsv, calleesCsv } from './data.mjs';
import { startSipp } from './sipp-calls.mjs';

/**
 * @param {{ host: string, port: number, name: string, pids: () => number[] }} server started
 * @param {{ pairs: object[], dir: string, media: boolean, scenario: string, uasScenario: string,
 *   registerScenario: string, o: object, log: (s: string) => void, tag: string }} ctx
 */
export async function cpsBench(server, ctx) {
  const { o, log } = ctx;
  const target = `${server.host}:${server.port}`;
  const dir = join(ctx.dir, ctx.tag);
  const callers = join(ctx.dir, 'callers.csv');
  writeFileSync(callers, callersCsv(ctx.pairs));
  const callees = join(ctx.dir, `callees-${ctx.tag}.csv`);
  writeFileSync(callees, calleesCsv(ctx.pairs, `127.0.0.1:${o.uasPort}`, 3600));
  const notes = [];

  const uas = startSipp({ dir, tag: 'uas', target, scenario: ctx.uasScenario, localPort: o.uasPort, mediaPort: o.uasMediaPort, rtpEcho: ctx.media, timeoutSeconds: o.budgetSeconds + 300, recvTimeoutMs: 30_000 });
  try {
    const reg = startSipp({ dir, tag: 'register', target, scenario: ctx.registerScenario, csv: callees, localPort: o.registerPort, calls: ctx.pairs.length, rate: 1000, timeoutSeconds: Math.ceil(ctx.pairs.length / 1000) + 30 });
    const r = await reg.done;
    const registered = r.summary?.successful ?? 0;
    log(`${server.name}: ${registered} of ${ctx.pairs.length} callees registered on the answering SIPp (127.0.0.1:${o.uasPort})`);
    if (registered < ctx.pairs.length) notes.push(`only ${registered} of ${ctx.pairs.length} callees registered`);

    let stepNo = 0;
    const attempt = async (rate) => {
      stepNo++;
      const busyBefore = await waitQuiet(() => [...server.pids(), uas.pid()], o.quietWaitSeconds * 1000, o.quietPct);
      let callerPid;
      const sampler = new Sampler(
        {
          server: { pids: () => server.pids(), ports: () => [server.port] },
          sipp: { pids: () => [uas.pid(), ...(callerPid ? [callerPid] : [])], ports: () => [o.uasPort, ...(callerPid ? [o.callerPort] : [])] },
        },
        250,
      );
      sampler.start();
      const calls = Math.round(rate * o.stepSeconds);
      const caller = startSipp({
        dir,
        tag: `step${String(stepNo).padStart(2, '0')}-${rate}`,
        target,
        scenario: ctx.scenario,
        csv: callers,
        localPort: o.callerPort,
        mediaPort: ctx.media ? o.callerMediaPort : undefined,
        rate,
        calls,
        pauseMs: o.callMs,
        timeoutSeconds: o.stepSeconds + 25,
      });
      callerPid = caller.pid();
      const run = await caller.done;
      const usage = sampler.stop();
      const s = run.summary;
      const created = s?.created ?? 0;
      const failed = Math.max(0, created - (s?.successful ?? 0)) + Math.max(0, calls - created);
      const failurePct = calls > 0 ? (100 * failed) / calls : 100;
      const achieved = s?.achievedRate ?? 0;
      const pass = failurePct < 1 && achieved >= 0.97 * rate && run.problems.length === 0;
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
        sippCpuPct: usage.groups.sipp.cpuPct,
        serverUdpDrops: usage.groups.server.udpDrops,
        sippUdpDrops: usage.groups.sipp.udpDrops,
        otherCpuPct: usage.otherCpuPct,
        busyBeforePct: busyBefore,
        problems: run.problems,
        pass,
      };
      log(
        `${server.name} ${ctx.media ? 'with media' : 'signalling'}: ${rate}/s -> achieved ${achieved.toFixed(0)}/s, failed ${failurePct.toFixed(2)} %, retrans ${step.retransPct.toFixed(1)} %, ` +
          `mean call ${step.callLengthMs.toFixed(0)} ms, server CPU ${step.serverCpuPct.toFixed(0)} %, SIPp CPU ${step.sippCpuPct.toFixed(0)} %, drops ${step.serverUdpDrops}/${step.sippUdpDrops}, other ${step.otherCpuPct.toFixed(0)} % => ${pass ? 'pass' : 'FAIL'}` +
          (run.problems.length ? ` (${run.problems.join('; ')})` : '') +
          (Object.keys(step.failureKinds).length ? ` ${JSON.stringify(step.failureKinds)}` : ''),
      );
      return step;
    };
    const ramp = await findMaxRate({
      start: o.cpsStart,
      step: o.cpsStep,
      max: o.cpsMax,
      resolution: o.cpsResolution,
      maxSteps: o.maxSteps,
      deadline: Date.now() + o.budgetSeconds * 1000,
      runStep: async (rate) => {
        const first = await attempt(rate);
        if (first.pass || first.otherCpuPct < o.quietPct) return first;
        log(`${server.name}: ${rate}/s failed while the rest of the machine used ${first.otherCpuPct.toFixed(0)} % of a core; repeating it once`);
        return { ...(await attempt(rate)), disturbedAttempt: first };
      },
    });
    return { ramp, notes, registered };
  } finally {
    await uas.stop();
  }
}
