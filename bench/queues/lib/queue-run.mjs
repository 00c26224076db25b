// One queue run: the agents registered on one answering SIPp process, then the callers at a fixed
// rate for a fixed time through the trunk to the queue's DID; the queue's statistics polled every
// second (peak waiting), the media workers' pacer counters before and after, CPU and memory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSipp } from '../../calls/lib/sipp-calls.mjs';
import { schedDelta, schedTimes } from '../../flows/lib/sched-wait.mjs';
import { pacerDelta } from '../../flows/lib/pbx-api.mjs';
import { Sampler } from '../../lib/proc-stats.mjs';
import { captureRate } from './music-capture.mjs';
import { accountCallers, simulateQueue } from './queue-model.mjs';
import { agentsCsv, callersCsv, QUEUE, TENANT } from './queue-config.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** GET .../queues/support/stats -> its `stats` object (QueueStats of src/apps/queue/queue-runtime.ts). */
export async function queueStats(api) {
  const body = JSON.parse(await api.get(`/api/v1/tenants/${TENANT}/queues/${QUEUE}/stats`));
  if (!body.stats) throw new Error(`queue ${QUEUE} has no statistics: ${JSON.stringify(body).slice(0, 200)}`);
  return body.stats;
}

/** @returns {Promise<object>} the run's figures (see queue-results-md.mjs) */
export async function queueRun({ server, api, dir, o, agents, log }) {
  const target = `${server.host}:${server.port}`;
  const agentPath = join(dir, 'agents.csv');
  writeFileSync(agentPath, agentsCsv(agents, `127.0.0.1:${o.agentPort}`, 3600));
  const offered = o.rate * o.seconds;
  const expected = simulateQueue({ rate: o.rate, seconds: o.seconds, agents: agents.length, talkSeconds: o.talkSeconds, ringSeconds: 0.5, maxWaitSeconds: o.maxWaitSeconds });
  const lifeSeconds = o.seconds + o.maxWaitSeconds + o.talkSeconds + 30;
  const uas = startSipp({ dir, tag: 'agents', target, scenario: o.agentScenario, localPort: o.agentPort, mediaPort: o.agentMediaPort, pauseMs: o.talkSeconds * 1000, timeoutSeconds: lifeSeconds + 60, recvTimeoutMs: 60_000, maxCalls: agents.length * 4 + 100 });
  let caller;
  try {
    const reg = startSipp({ dir, tag: 'register', target, scenario: o.registerScenario, csv: agentPath, localPort: o.registerPort, calls: agents.length, rate: 100, timeoutSeconds: 30 });
    const r = await reg.done;
    const registered = r.summary?.successful ?? 0;
    log(`${registered} of ${agents.length} agents registered on the answering SIPp (127.0.0.1:${o.agentPort})`);
    if (registered < agents.length) throw new Error(`only ${registered} of ${agents.length} agents registered: ${r.problems.join('; ')}`);

    const stats0 = await queueStats(api);
    const pacer0 = await api.pacer();
    const sched0 = schedTimes(server.pids());
    const sampler = new Sampler({ pbx: { pids: () => server.pids(), ports: () => [server.port] }, sipp: { pids: () => [uas.pid(), ...(caller ? [caller.pid()] : [])] } }, 500);
    sampler.start();
    const t0 = Date.now();
    const callerPath = join(dir, 'callers.csv');
    writeFileSync(callerPath, callersCsv(offered));
    log(`${offered} callers at ${o.rate}/s for ${o.seconds} s, maxWaitSeconds ${o.maxWaitSeconds}, agents talk ${o.talkSeconds} s; expected peak ~${expected.peakWaiting} waiting, ~${expected.answered} answered, ~${expected.overflowed} overflowed`);
    caller = startSipp({
      dir,
      tag: 'callers',
      target,
      scenario: o.callerScenario,
      csv: callerPath,
      localIp: o.trunkHost,
      localPort: o.callerPort,
      mediaPort: o.callerMediaPort,
      calls: offered,
      rate: o.rate,
      maxCalls: offered + 10,
      recvTimeoutMs: (o.maxWaitSeconds + o.talkSeconds + 60) * 1000,
      timeoutSeconds: lifeSeconds + 30,
    });
    // poll the queue's statistics until the callers are done: the peak of callers waiting
    let peak = { waiting: 0, atSeconds: 0, longestWaitSeconds: 0 };
    let finished = false;
    const callerDone = caller.done.finally(() => (finished = true));
    const samples = [];
    /** one tcpdump look at the music once the queue is near its expected peak */
    let music;
    let musicCapture;
    while (!finished) {
      await sleep(1000);
      try {
        const s = await queueStats(api);
        const at = (Date.now() - t0) / 1000;
        samples.push({ at, waiting: s.waiting });
        if (!musicCapture && s.waiting >= 0.8 * expected.peakWaiting) {
          const waitingBefore = s.waiting;
          musicCapture = captureRate({ host: o.trunkHost, port: o.callerMediaPort, seconds: 3 }).then(async (c) => {
            const after = await queueStats(api).catch(() => undefined);
            music = c && { ...c, waiting: (waitingBefore + (after?.waiting ?? waitingBefore)) / 2 };
          });
        }
        if (s.waiting > peak.waiting) peak = { waiting: s.waiting, atSeconds: at, longestWaitSeconds: s.longestWaitSeconds };
        if (samples.length % 10 === 0) log(`t=${at.toFixed(0)} s: ${s.waiting} waiting (longest ${s.longestWaitSeconds.toFixed(0)} s), answered ${s.answered - stats0.answered}, overflowed ${s.overflowed - stats0.overflowed}`);
      } catch (err) {
        log(`stats: ${err.message ?? err}`);
      }
    }
    const cd = await callerDone;
    await musicCapture;
    if (music) log(`music: ${music.perSecond.toFixed(0)} RTP packets/s to the callers while ~${music.waiting.toFixed(0)} waited (${(music.perSecond / Math.max(1, music.waiting)).toFixed(1)} per caller; 50 expected), tcpdump dropped ${music.dropped}`);
    const pacer1 = await api.pacer();
    const sched = schedDelta(sched0, schedTimes(server.pids()));
    // the last agents hang up with their callers; give their BYE transactions a moment
    await sleep(2000);
    const usage = sampler.stop();
    const seconds = (Date.now() - t0) / 1000;
    const ud = await uas.stop();
    const s1 = await queueStats(api);
    const stats = {
      offered: s1.offered - stats0.offered,
      answered: s1.answered - stats0.answered,
      abandoned: s1.abandoned - stats0.abandoned,
      overflowed: s1.overflowed - stats0.overflowed,
      answeredWithinServiceLevel: s1.answeredWithinServiceLevel - stats0.answeredWithinServiceLevel,
      averageWaitSeconds: s1.averageWaitSeconds,
      serviceLevel: s1.serviceLevel,
      waitingAtEnd: s1.waiting,
    };
    const cs = cd.summary;
    const agentCalls = ud.summary?.successful ?? 0;
    const account = accountCallers({ offered, callersCompleted: cs?.successful ?? 0, agentCalls, stats });
    const pacer = pacerDelta(pacer0, pacer1);
    const res = {
      offered,
      rate: o.rate,
      seconds,
      maxWaitSeconds: o.maxWaitSeconds,
      targetPeak: o.targetPeak,
      talkSeconds: o.talkSeconds,
      agents: agents.length,
      registered,
      expected,
      callers: { created: cs?.created ?? 0, successful: cs?.successful ?? 0, failed: cs?.failed ?? 0, failureKinds: cs?.failureKinds ?? {}, retransmissions: cs?.retransmissions ?? 0 },
      agentSummary: { successful: agentCalls, failed: ud.summary?.failed ?? 0, failureKinds: ud.summary?.failureKinds ?? {} },
      account,
      stats,
      peak,
      samples,
      music,
      pacer,
      sched,
      problems: [...cd.problems, ...ud.problems],
      pbxCpuPct: usage.groups.pbx.cpuPct,
      pbxRss: usage.groups.pbx.rss,
      pbxPss: usage.groups.pbx.pss,
      pbxUdpDrops: usage.groups.pbx.udpDrops,
      sippCpuPct: usage.groups.sipp.cpuPct,
      otherCpuPct: usage.otherCpuPct,
    };
    res.pass = account.lost === 0 && peak.waiting >= 0.9 * o.targetPeak && account.problems.length === 0 && account.answered > 0 && res.problems.length === 0 && pacer.paced > 0 && pacer.latePct < 0.1;
    log(
      `offered ${offered}, answered ${account.answered}, overflowed ${account.overflowed}, lost ${account.lost}${account.problems.length ? ` (${account.problems.join('; ')})` : ''}; ` +
        `peak ${peak.waiting} waiting at t=${peak.atSeconds.toFixed(0)} s; late frames ${pacer.late}/${pacer.paced} (${pacer.latePct.toFixed(3)} %); PBX CPU ${res.pbxCpuPct.toFixed(0)} %, RSS ${(res.pbxRss / 2 ** 20).toFixed(0)} MiB, SIPp CPU ${res.sippCpuPct.toFixed(0)} %, rest ${res.otherCpuPct.toFixed(0)} % => ${res.pass ? 'pass' : 'FAIL'}`,
    );
    return res;
  } finally {
    if (caller) await caller.stop();
    await uas.stop();
  }
}
