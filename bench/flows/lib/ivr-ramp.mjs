// IVR menus answered per second: the SIPp carrier calls the DID routed to { ivr: main } at a
// rising rate for `stepSeconds` each; every call is answered by the menu, hears its greeting
// (the "welcome" prompt, played by a media worker) for `holdMs` with its tone playing back, then
// hangs up. A call fails on anything but 200 to the INVITE and 200 to the BYE. The highest rate
// with under 1 % failures (and SIPp really offering 97 % of the asked rate) passes; the workers'
// late frames over each step are reported beside it. Ramp and bisection as bench/register.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Sampler } from '../../lib/proc-stats.mjs';
import { findMaxRate } from '../../lib/ramp.mjs';
import { waitQuiet } from '../../lib/wait-quiet.mjs';
import { startSipp } from '../../calls/lib/sipp-calls.mjs';
import { pacerDelta } from './pbx-api.mjs';
import { schedDelta, schedTimes } from './sched-wait.mjs';
import { IVR_DID } from './flows-config.mjs';

export async function ivrRamp({ server, api, dir, o, log }) {
  const file = join(dir, 'ivr.csv');
  const most = o.ivrMax * o.stepSeconds;
  writeFileSync(file, 'SEQUENTIAL\n' + Array.from({ length: Math.min(most, 50_000) }, (_, i) => `${IVR_DID};+4916${String(i).padStart(8, '0')}`).join('\n') + '\n');
  let stepNo = 0;
  const attempt = async (rate) => {
    stepNo++;
    const busyBeforePct = await waitQuiet(() => server.pids(), o.quietWaitSeconds * 1000, o.quietPct);
    const calls = Math.round(rate * o.stepSeconds);
    const sampler = new Sampler({ pbx: { pids: () => server.pids(), ports: () => [server.port] }, sipp: { pids: () => (sippPid ? [sippPid] : []) } }, 250);
    const pacer0 = await api.pacer();
    const sched0 = schedTimes(server.pids());
    let sippPid;
    sampler.start();
    const sipp = startSipp({
      dir,
      tag: `ivr-step${String(stepNo).padStart(2, '0')}-${rate}`,
      target: `${server.host}:${server.port}`,
      scenario: o.ivrMode === 'key' ? o.ivrKeyScenario : o.carrierScenario,
      csv: file,
      localIp: o.trunkHost,
      localPort: o.callerPort,
      mediaPort: o.callerMediaPort,
      calls,
      rate,
      pauseMs: o.ivrMode === 'key' ? o.ivrKeyDelayMs : o.ivrHoldMs,
      // SIPp's default cap on open calls (3 x rate x -d) is far too low when the server's BYE
      // ends the call (up to 10 s after the key): allow every call of the step to be open at once
      maxCalls: calls + 10,
      timeoutSeconds: o.stepSeconds + Math.ceil(o.ivrHoldMs / 1000) + 30,
    });
    sippPid = sipp.pid();
    const done = await sipp.done;
    const usage = sampler.stop();
    const pacer = pacerDelta(pacer0, await api.pacer());
    const sched = schedDelta(sched0, schedTimes(server.pids()));
    const s = done.summary;
    const created = s?.created ?? 0;
    const failed = Math.max(0, created - (s?.successful ?? 0)) + Math.max(0, calls - created);
    const failurePct = calls > 0 ? (100 * failed) / calls : 100;
    const achieved = s?.achievedRate ?? 0;
    const pass = failurePct < 1 && achieved >= 0.97 * rate && done.problems.length === 0;
    const step = {
      rate,
      calls,
      achieved,
      failurePct,
      failureKinds: s?.failureKinds ?? {},
      retransPct: created > 0 ? (100 * (s?.retransmissions ?? 0)) / created : 0,
      callLengthMs: s?.callLengthMs,
      pbxCpuPct: usage.groups.pbx.cpuPct,
      pbxRss: usage.groups.pbx.rss,
      pbxUdpDrops: usage.groups.pbx.udpDrops,
      sippCpuPct: usage.groups.sipp.cpuPct,
    otherCpuPct: usage.otherCpuPct,
      busyBeforePct,
      pacer,
      sched,
      problems: done.problems,
      pass,
    };
    log(
      `ivr ${rate}/s: ${calls} calls, mean call ${(s?.callLengthMs ?? NaN).toFixed(0)} ms, achieved ${achieved.toFixed(1)}/s, failed ${failurePct.toFixed(2)} %, retrans ${step.retransPct.toFixed(1)} %, PBX CPU ${step.pbxCpuPct.toFixed(0)} %, ` +
        `late frames ${pacer.late}/${pacer.paced} (${pacer.latePct.toFixed(3)} %), SIPp CPU ${step.sippCpuPct.toFixed(0)} %, PBX ran ${sched.runSeconds.toFixed(1)} s and waited ${sched.waitSeconds.toFixed(1)} s for a CPU, rest of machine ${step.otherCpuPct.toFixed(0)} % => ${pass ? 'pass' : 'FAIL'}` +
        (done.problems.length ? ` (${done.problems.join('; ')})` : '') +
        (Object.keys(step.failureKinds).length ? ` ${JSON.stringify(step.failureKinds)}` : ''),
    );
    return step;
  };
  return findMaxRate({
    start: o.ivrStart,
    step: o.ivrStep,
    max: o.ivrMax,
    resolution: o.ivrResolution,
    maxSteps: 20,
    deadline: Date.now() + o.budgetSeconds * 1000,
    runStep: async (rate) => {
      const first = await attempt(rate);
      if (first.pass || first.otherCpuPct < o.quietPct) return first;
      log(`ivr ${rate}/s failed while the rest of the machine used ${first.otherCpuPct.toFixed(0)} % of a core; repeating it once`);
      return { ...(await attempt(rate)), disturbedAttempt: first };
    },
  });
}
