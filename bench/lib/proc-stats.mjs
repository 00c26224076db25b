// Process CPU and memory from /proc (Linux only). CPU is utime+stime in clock ticks; memory is
// RSS (what top shows) and PSS (each shared page split between the processes mapping it, so the
// PSS of a process tree adds up to the memory it really holds; RSS over-counts shared memory).
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { readUdpDrops } from './udp-drops.mjs';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* 100 is the Linux default */
}

function readStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields restart after the last ')'.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), utime: Number(rest[11]), stime: Number(rest[12]) };
  } catch {
    return undefined;
  }
}

/** pid plus every live descendant (Kamailio forks its workers; the PBX may too). */
export function processTree(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(name);
    if (!st) continue;
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid).push(Number(name));
  }
  const out = [];
  const queue = [rootPid];
  while (queue.length > 0 && out.length < 10_000) {
    const pid = queue.shift();
    if (!readStat(pid)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds (user + system) used so far by these pids. */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const st = readStat(pid);
    if (st) ticks += st.utime + st.stime;
  }
  return ticks / clkTck;
}

function kbField(text, name) {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Summed RSS and PSS in bytes. */
export function memoryBytes(pids) {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += kbField(roll, 'Rss');
      pss += kbField(roll, 'Pss');
    } catch {
      /* gone */
    }
  }
  return { rss, pss };
}

/** Busy and total jiffies of the whole machine (all CPUs), from /proc/stat. */
export function machineCpu() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / clkTck, total: total / clkTck };
}

/**
 * Samples a set of process trees while a load step runs: CPU % of one core over the whole
 * window (200 % = both cores of this machine), peak RSS/PSS, the CPU that everything else on the
 * machine used meanwhile (another engineer's build skews a step; this shows it), and the UDP
 * receive-buffer drops of each group's ports (a socket's counter dies with it, so the highest
 * value seen counts; the server's counter is read as a difference).
 */
export class Sampler {
  /**
   * @param {Record<string, { pids: () => number[], ports?: () => number[] }>} groups
   */
  constructor(groups, intervalMs = 500) {
    this.groups = groups;
    this.intervalMs = intervalMs;
    this.timer = undefined;
  }

  drops(name) {
    const ports = this.groups[name].ports?.() ?? [];
    const all = readUdpDrops();
    return ports.reduce((a, p) => a + (all.get(p) ?? 0), 0);
  }

  start() {
    this.t0 = performance.now();
    this.m0 = machineCpu();
    this.cpu0 = {};
    this.peak = {};
    this.lastCpu = {};
    this.drops0 = {};
    this.dropsMax = {};
    for (const [name, g] of Object.entries(this.groups)) {
      const p = g.pids();
      this.cpu0[name] = cpuSeconds(p);
      this.lastCpu[name] = this.cpu0[name];
      this.peak[name] = memoryBytes(p);
      this.drops0[name] = this.drops(name);
      this.dropsMax[name] = this.drops0[name];
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  sample() {
    for (const [name, g] of Object.entries(this.groups)) {
      const p = g.pids();
      // A process that exited takes its ticks with it: keep the highest total seen.
      this.lastCpu[name] = Math.max(this.lastCpu[name], cpuSeconds(p));
      const m = memoryBytes(p);
      this.peak[name] = { rss: Math.max(this.peak[name].rss, m.rss), pss: Math.max(this.peak[name].pss, m.pss) };
      this.dropsMax[name] = Math.max(this.dropsMax[name], this.drops(name));
    }
  }

  /** @returns {{ seconds: number, groups: Record<string, {cpuPct: number, rss: number, pss: number, udpDrops: number}>, otherCpuPct: number }} */
  stop() {
    clearInterval(this.timer);
    this.sample();
    const seconds = (performance.now() - this.t0) / 1000;
    const m1 = machineCpu();
    const groups = {};
    let ours = 0;
    for (const name of Object.keys(this.groups)) {
      const used = this.lastCpu[name] - this.cpu0[name];
      ours += used;
      groups[name] = {
        cpuPct: (100 * used) / seconds,
        rss: this.peak[name].rss,
        pss: this.peak[name].pss,
        udpDrops: this.dropsMax[name] - this.drops0[name],
      };
    }
    const machineBusy = m1.busy - this.m0.busy;
    return { seconds, groups, otherCpuPct: Math.max(0, (100 * (machineBusy - ours)) / seconds) };
  }
}
