/**
 * A tenant's call flows as one document: its time zone, schedules, time conditions and IVR
 * menus (`timezone:`, `schedules:`, `timeConditions:`, `ivrs:` of the tenant YAML, and the
 * API). Read and checked here once, for both doors: the YAML turns each problem's path into
 * file:line:col, the API into a JSON pointer. Every name a flow points at must be one of
 * the SAME tenant (its extensions, ring groups, rooms, menus, conditions); a circle of
 * menus and conditions, or menus nested deeper than MAX_IVR_DEPTH, is refused with the
 * path of the circle. Pure.
 *
 * `targets` undefined: the names outside the document (extensions, ring groups, rooms) are
 * not checked (a stored document read back, already checked when it was written).
 */
import { parseFlowDestination, type FlowDestination } from './flow-destination.js';
import type { Report } from './flow-report.js';
import { MAX_IVRS, parseIvrMenu, type IvrMenu } from './ivr-menu.js';
import { checkQueueTargets, parseCallQueues, queuePath, type CallQueue } from './call-queue.js';
import { parseSchedules, type Schedule } from './schedule.js';
import { isTimeZone, TIME_ZONE_PROBLEM } from './time-zone.js';

export interface TimeCondition {
  name: string;
  /** A schedule of the same tenant. */
  schedule: string;
  open: FlowDestination;
  closed: FlowDestination;
}

export interface CallFlows {
  /** IANA zone the schedules are read in; absent: UTC. */
  timezone?: string;
  schedules: Schedule[];
  timeConditions: TimeCondition[];
  ivrs: IvrMenu[];
  /** Call queues (call-queue.ts); absent: none. */
  queues?: CallQueue[];
}

/** The raw keys, as a tenant file or an API body carries them. */
export interface CallFlowsInput {
  timezone?: unknown;
  schedules?: unknown;
  timeConditions?: unknown;
  ivrs?: unknown;
  queues?: unknown;
}

/** Names of the same tenant that a destination may point at. */
export interface FlowTargets {
  extensions: ReadonlySet<string>;
  ringGroups: ReadonlySet<string>;
  conferences: ReadonlySet<string>;
  /** Voicemail boxes besides the extensions' own; default none. */
  voicemailBoxes?: ReadonlySet<string>;
}

export const MAX_IVR_DEPTH = 8;
export const MAX_TIME_CONDITIONS = 100;
const NAME_RE = /^[a-z0-9-]{1,63}$/;

export const EMPTY_CALL_FLOWS: CallFlows = { schedules: [], timeConditions: [], ivrs: [] };

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseTimeConditions(raw: unknown, bad: Report): TimeCondition[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return (bad('timeConditions', 'must be a list'), []);
  if (raw.length > MAX_TIME_CONDITIONS) return (bad('timeConditions', `at most ${MAX_TIME_CONDITIONS} time conditions`), []);
  const out: TimeCondition[] = [];
  const seen = new Set<string>();
  raw.forEach((c, i) => {
    const at = `timeConditions[${i}]`;
    if (!isMapping(c)) return bad(at, 'must be a mapping { name, schedule, open, closed }');
    let ok = true;
    const fail = (p: string, m: string) => ((ok = false), bad(p, m));
    for (const k of Object.keys(c)) if (!['name', 'schedule', 'open', 'closed'].includes(k)) fail(`${at}.${k}`, 'unknown key (known keys: name, schedule, open, closed)');
    const name = c['name'];
    if (typeof name !== 'string' || !NAME_RE.test(name)) fail(`${at}.name`, 'must be 1-63 characters of a-z 0-9 -');
    else if (seen.has(name)) fail(`${at}.name`, `time condition ${name} is listed twice`);
    else seen.add(name);
    const schedule = c['schedule'];
    if (typeof schedule !== 'string' || !NAME_RE.test(schedule)) fail(`${at}.schedule`, 'must be the name of a schedule');
    for (const k of ['open', 'closed'] as const) if (c[k] === undefined) fail(`${at}.${k}`, 'required key is missing');
    const open = c['open'] === undefined ? undefined : parseFlowDestination(c['open'], `${at}.open`, bad);
    const closed = c['closed'] === undefined ? undefined : parseFlowDestination(c['closed'], `${at}.closed`, bad);
    if (ok && open && closed) out.push({ name: name as string, schedule: schedule as string, open, closed });
  });
  return out;
}

function parseIvrs(raw: unknown, bad: Report): IvrMenu[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return (bad('ivrs', 'must be a list'), []);
  if (raw.length > MAX_IVRS) return (bad('ivrs', `at most ${MAX_IVRS} menus`), []);
  const out: IvrMenu[] = [];
  raw.forEach((m, i) => {
    const menu = parseIvrMenu(m, `ivrs[${i}]`, bad);
    if (!menu) return;
    if (out.some((o) => o.name === menu.name)) return bad(`ivrs[${i}].name`, `IVR ${menu.name} is listed twice`);
    out.push(menu);
  });
  return out;
}

/** Every destination of the document with its path. */
export function flowEdges(f: CallFlows): Array<{ from: string; at: string; to: FlowDestination }> {
  const out: Array<{ from: string; at: string; to: FlowDestination }> = [];
  f.ivrs.forEach((m, i) => {
    const from = `ivr ${m.name}`;
    for (const [key, d] of Object.entries(m.options)) out.push({ from, at: `ivrs[${i}].options.${key}`, to: d });
    if (m.timeout) out.push({ from, at: `ivrs[${i}].timeout`, to: m.timeout });
    if (m.invalid) out.push({ from, at: `ivrs[${i}].invalid`, to: m.invalid });
  });
  (f.queues ?? []).forEach((q, i) => {
    if (q.overflow) out.push({ from: `queue ${q.name}`, at: `${queuePath(q, i)}.overflow`, to: q.overflow });
  });
  f.timeConditions.forEach((c, i) => {
    const from = `timeCondition ${c.name}`;
    out.push({ from, at: `timeConditions[${i}].open`, to: c.open });
    out.push({ from, at: `timeConditions[${i}].closed`, to: c.closed });
  });
  return out;
}

/** A destination that names something this tenant does not have: the problem, else undefined. */
function missingTarget(d: FlowDestination, f: CallFlows, t: FlowTargets | undefined): string | undefined {
  // Without targets (a stored document read back) only the document's own names are checked.
  if (t === undefined && d.type !== 'ivr' && d.type !== 'timeCondition' && d.type !== 'queue') return undefined;
  switch (d.type) {
    case 'extension':
      return t!.extensions.has(d.ext) ? undefined : `no extension '${d.ext}' in this tenant`;
    case 'ringGroup':
      return t!.ringGroups.has(d.name) ? undefined : `no ring group '${d.name}' in this tenant`;
    case 'voicemail':
      return t!.extensions.has(d.box) || t!.voicemailBoxes?.has(d.box) ? undefined : `no voicemail box '${d.box}' in this tenant`;
    case 'conference':
      return t!.conferences.has(d.room) ? undefined : `no conference room '${d.room}' in this tenant`;
    case 'ivr':
      return f.ivrs.some((m) => m.name === d.name) ? undefined : `no IVR '${d.name}' in this tenant`;
    case 'timeCondition':
      return f.timeConditions.some((c) => c.name === d.name) ? undefined : `no time condition '${d.name}' in this tenant`;
    case 'queue':
      return (f.queues ?? []).some((q) => q.name === d.name) ? undefined : `no queue '${d.name}' in this tenant`;
    default:
      return undefined;
  }
}

/** A node of the flow graph a destination enters, or undefined when it leaves the graph. */
function nodeOf(d: FlowDestination): string | undefined {
  if (d.type === 'ivr') return `ivr ${d.name}`;
  if (d.type === 'timeCondition') return `timeCondition ${d.name}`;
  return undefined;
}

/**
 * Circles and depth. A circle (a menu reachable from itself through options, timeout,
 * invalid or a condition's branches) is reported once, at the edge that closes it; a chain
 * of more than MAX_IVR_DEPTH nested menus at the first edge of the deepest chain.
 */
export function checkFlowGraph(f: CallFlows, bad: Report): void {
  const edges = flowEdges(f);
  const out = new Map<string, Array<{ at: string; to: string }>>();
  for (const e of edges) {
    const to = nodeOf(e.to);
    if (to === undefined) continue;
    const list = out.get(e.from) ?? [];
    list.push({ at: e.at, to });
    out.set(e.from, list);
  }
  const nodes = [...f.ivrs.map((m) => `ivr ${m.name}`), ...f.timeConditions.map((c) => `timeCondition ${c.name}`)];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  let circles = 0;
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const e of out.get(n) ?? []) {
      const s = state.get(e.to);
      if (s === 'open') {
        const path = [...stack.slice(stack.indexOf(e.to)), e.to];
        bad(e.at, `leads back in a circle: ${path.join(' -> ')}`);
        circles++;
      } else if (s === undefined) visit(e.to);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of nodes) if (!state.has(n)) visit(n);
  if (circles > 0) return;

  // No circles: the deepest chain of menus from each node (memoized).
  const depth = new Map<string, { d: number; chain: string[]; at?: string }>();
  const measure = (n: string): { d: number; chain: string[]; at?: string } => {
    const known = depth.get(n);
    if (known) return known;
    let best: { d: number; chain: string[]; at?: string } = { d: 0, chain: [] };
    for (const e of out.get(n) ?? []) {
      const m = measure(e.to);
      if (m.d > best.d) best = { d: m.d, chain: m.chain, at: e.at };
    }
    const self = n.startsWith('ivr ') ? 1 : 0;
    const r = { d: best.d + self, chain: [n, ...best.chain], ...(best.at !== undefined ? { at: best.at } : {}) };
    depth.set(n, r);
    return r;
  };
  let worst: { d: number; chain: string[]; at?: string } | undefined;
  for (const n of nodes) {
    const m = measure(n);
    if (!worst || m.d > worst.d) worst = m;
  }
  if (worst && worst.d > MAX_IVR_DEPTH && worst.at !== undefined) {
    bad(worst.at, `menus nest ${worst.d} deep (at most ${MAX_IVR_DEPTH}): ${worst.chain.join(' -> ')}`);
  }
}

/**
 * Reads and checks the document; `bad` gets every problem at its path (`ivrs[0].options.1`,
 * `timezone`). Returns what is valid (the caller refuses the whole when anything was reported).
 */
export function parseCallFlows(raw: CallFlowsInput, targets: FlowTargets | undefined, bad: Report): CallFlows {
  let problems = 0;
  const count: Report = (p, m) => (problems++, bad(p, m));
  const tz = raw.timezone;
  if (tz !== undefined && !isTimeZone(tz)) count('timezone', `'${String(tz)}' ${TIME_ZONE_PROBLEM}`);
  const schedules = parseSchedules(raw.schedules, 'schedules', count);
  const timeConditions = parseTimeConditions(raw.timeConditions, count);
  const ivrs = parseIvrs(raw.ivrs, count);
  const queues = parseCallQueues(raw.queues, count);
  const flows: CallFlows = { ...(typeof tz === 'string' && isTimeZone(tz) ? { timezone: tz } : {}), schedules, timeConditions, ivrs, ...(queues.length > 0 ? { queues } : {}) };

  // Every declared name counts, valid or not, so one bad schedule or menu does not also
  // make each reference to it a problem.
  const declared = (list: unknown): Set<string> => new Set(Array.isArray(list) ? list.flatMap((x) => (isMapping(x) && typeof x['name'] === 'string' ? [x['name']] : [])) : []);
  const scheduleNames = declared(raw.schedules);
  const declaredFlows: CallFlows = {
    schedules: [],
    timeConditions: [...declared(raw.timeConditions)].map((name) => ({ name, schedule: '', open: { type: 'hangup' }, closed: { type: 'hangup' } })),
    ivrs: [...declared(raw.ivrs)].map((name) => ({ name }) as IvrMenu),
    queues: [...declared(raw.queues)].map((name) => ({ name }) as CallQueue),
  };
  if (targets) checkQueueTargets(queues, targets.extensions, count);
  timeConditions.forEach((c, i) => {
    if (!scheduleNames.has(c.schedule)) count(`timeConditions[${i}].schedule`, `no schedule '${c.schedule}' in this tenant`);
  });
  for (const e of flowEdges(flows)) {
    const missing = missingTarget(e.to, declaredFlows, targets);
    if (missing !== undefined) count(`${e.at}.${e.to.type}`, missing);
  }
  if (problems === 0) checkFlowGraph(flows, bad);
  return flows;
}
