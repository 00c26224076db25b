/**
 * A call queue (ACD) of a tenant, as declared under `queues:` of the tenant YAML or PUT by
 * the API: who answers (static members, and the extensions that may log in as agents), how
 * an agent is chosen, how long callers may wait and how many, and where they go when they
 * cannot (overflow). Read from either door into a normalized spec; every problem at its
 * path (`queues[0].members[2].penalty`). Pure.
 */
import { parseFlowDestination, type FlowDestination } from './flow-destination.js';
import type { Report } from './flow-report.js';

export const QUEUE_STRATEGIES = ['ringall', 'roundrobin', 'leastrecent', 'fewestcalls', 'random'] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

export interface QueueMember {
  ext: string;
  /** Lower rings first: an agent is rung only when no free agent has a lower penalty (0-100). */
  penalty: number;
}

export interface CallQueue {
  name: string;
  /** A number the tenant's phones dial to join the queue (not an extension's); absent: reached only as a destination. */
  number?: string;
  strategy: QueueStrategy;
  /** Always logged in. */
  members: QueueMember[];
  /** Extensions that may log in and out (feature codes queueLogin/queueLogout, the API). */
  agents: QueueMember[];
  /** How long one agent (or, ringall, every agent) rings before the next try. */
  ringSeconds: number;
  /** After a queue call an agent is not rung for this long. */
  wrapUpSeconds: number;
  /** A caller waits at most this long, then goes to `overflow` (else is hung up); 0: no limit. */
  maxWaitSeconds: number;
  /** At most this many callers wait; the next goes to `overflow` at once; 0: no limit. */
  maxLength: number;
  /** false: a caller who finds no agent logged in (with a registered phone) goes to `overflow` at once. */
  joinEmpty: boolean;
  /** Every this many seconds a waiting caller hears its position and the expected wait; 0: never. */
  announceSeconds: number;
  /** Answered within this many seconds counts as within the service level. */
  serviceLevelSeconds: number;
  overflow?: FlowDestination;
}

export const MAX_QUEUES = 100;
export const MAX_QUEUE_MEMBERS = 200;
export const QUEUE_DEFAULTS = { strategy: 'ringall', ringSeconds: 15, wrapUpSeconds: 0, maxWaitSeconds: 0, maxLength: 0, joinEmpty: true, announceSeconds: 0, serviceLevelSeconds: 20 } as const;

const NAME_RE = /^[a-z0-9-]{1,63}$/;
const DIGITS_RE = /^[0-9]{1,32}$/;
const KEYS = ['name', 'number', 'strategy', 'members', 'agents', 'ringSeconds', 'wrapUpSeconds', 'maxWaitSeconds', 'maxLength', 'joinEmpty', 'announceSeconds', 'serviceLevelSeconds', 'overflow'] as const;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  return undefined;
}

function whole(raw: Record<string, unknown>, key: string, def: number, min: number, max: number, at: string, fail: Report): number {
  const v = raw[key];
  if (v === undefined) return def;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  fail(`${at}.${key}`, `must be a whole number from ${min} to ${max}`);
  return def;
}

/** `1001` or `{ ext: 1001, penalty: 2 }`. */
function parseMembers(raw: unknown, at: string, fail: Report): QueueMember[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return (fail(at, 'must be a list of extensions (1001 or { ext: 1001, penalty: 1 })'), []);
  if (raw.length > MAX_QUEUE_MEMBERS) return (fail(at, `at most ${MAX_QUEUE_MEMBERS} members`), []);
  const out: QueueMember[] = [];
  raw.forEach((m, i) => {
    const p = `${at}[${i}]`;
    let ext: string | undefined;
    let penalty = 0;
    if (isMapping(m)) {
      for (const k of Object.keys(m)) if (k !== 'ext' && k !== 'penalty') fail(`${p}.${k}`, 'unknown key (known keys: ext, penalty)');
      ext = text(m['ext']);
      if (m['penalty'] !== undefined) {
        const v = m['penalty'];
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100) penalty = v;
        else fail(`${p}.penalty`, 'must be a whole number from 0 to 100');
      }
      if (ext === undefined || !DIGITS_RE.test(ext)) return fail(`${p}.ext`, 'must be an extension number (1-32 digits)');
    } else {
      ext = text(m);
      if (ext === undefined || !DIGITS_RE.test(ext)) return fail(p, 'must be an extension number (1-32 digits) or { ext, penalty }');
    }
    if (out.some((o) => o.ext === ext)) return fail(p, `extension ${ext} is listed twice`);
    out.push({ ext, penalty });
  });
  return out;
}

/** Reads one queue at `at`; reports every problem; undefined when it has any. */
export function parseCallQueue(raw: unknown, at: string, bad: Report): CallQueue | undefined {
  if (!isMapping(raw)) return void bad(at, 'must be a mapping { name, strategy, members, ... }');
  let ok = true;
  const fail: Report = (p, m) => ((ok = false), bad(p, m));
  for (const k of Object.keys(raw)) if (!(KEYS as readonly string[]).includes(k)) fail(`${at}.${k}`, `unknown key (known keys: ${KEYS.join(', ')})`);
  const name = raw['name'];
  if (typeof name !== 'string' || !NAME_RE.test(name)) fail(`${at}.name`, 'must be 1-63 characters of a-z 0-9 -');
  const number = raw['number'] === undefined ? undefined : text(raw['number']);
  if (raw['number'] !== undefined && (number === undefined || !DIGITS_RE.test(number))) fail(`${at}.number`, 'must be 1-32 digits');
  const strategy = raw['strategy'] ?? QUEUE_DEFAULTS.strategy;
  if (typeof strategy !== 'string' || !(QUEUE_STRATEGIES as readonly string[]).includes(strategy)) fail(`${at}.strategy`, `must be one of ${QUEUE_STRATEGIES.join(', ')}`);
  const members = parseMembers(raw['members'], `${at}.members`, fail);
  const agents = parseMembers(raw['agents'], `${at}.agents`, fail);
  agents.forEach((a, i) => {
    if (members.some((m) => m.ext === a.ext)) fail(`${at}.agents[${i}]`, `extension ${a.ext} is a static member already`);
  });
  const ringSeconds = whole(raw, 'ringSeconds', QUEUE_DEFAULTS.ringSeconds, 1, 600, at, fail);
  const wrapUpSeconds = whole(raw, 'wrapUpSeconds', QUEUE_DEFAULTS.wrapUpSeconds, 0, 3600, at, fail);
  const maxWaitSeconds = whole(raw, 'maxWaitSeconds', QUEUE_DEFAULTS.maxWaitSeconds, 0, 86_400, at, fail);
  const maxLength = whole(raw, 'maxLength', QUEUE_DEFAULTS.maxLength, 0, 10_000, at, fail);
  const announceSeconds = whole(raw, 'announceSeconds', QUEUE_DEFAULTS.announceSeconds, 0, 3600, at, fail);
  const serviceLevelSeconds = whole(raw, 'serviceLevelSeconds', QUEUE_DEFAULTS.serviceLevelSeconds, 1, 3600, at, fail);
  const joinEmpty = raw['joinEmpty'] ?? QUEUE_DEFAULTS.joinEmpty;
  if (typeof joinEmpty !== 'boolean') fail(`${at}.joinEmpty`, 'must be true or false');
  const overflow = raw['overflow'] === undefined ? undefined : parseFlowDestination(raw['overflow'], `${at}.overflow`, fail);
  if (raw['overflow'] !== undefined && !overflow) ok = false;
  if (!ok) return undefined;
  return {
    name: name as string,
    ...(number !== undefined ? { number } : {}),
    strategy: strategy as QueueStrategy,
    members,
    agents,
    ringSeconds,
    wrapUpSeconds,
    maxWaitSeconds,
    maxLength,
    joinEmpty: joinEmpty as boolean,
    announceSeconds,
    serviceLevelSeconds,
    ...(overflow ? { overflow } : {}),
  };
}

/**
 * Where each queue read by parseCallQueues stood in the list it came from (a queue with a
 * problem is left out, so the list's own index may differ): problems found later (targets,
 * overflow) are reported at the queue's real path.
 */
const sourceIndex = new WeakMap<CallQueue, number>();

/** The path of a queue read by parseCallQueues (`queues[3]`); `fallback` for one made elsewhere. */
export function queuePath(q: CallQueue, fallback: number): string {
  return `queues[${sourceIndex.get(q) ?? fallback}]`;
}

/** Reads the `queues:` list: names and numbers unique. */
export function parseCallQueues(raw: unknown, bad: Report, path = 'queues'): CallQueue[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return (bad(path, 'must be a list'), []);
  if (raw.length > MAX_QUEUES) return (bad(path, `at most ${MAX_QUEUES} queues`), []);
  const out: CallQueue[] = [];
  raw.forEach((q, i) => {
    const queue = parseCallQueue(q, `${path}[${i}]`, bad);
    if (!queue) return;
    if (out.some((o) => o.name === queue.name)) return bad(`${path}[${i}].name`, `queue ${queue.name} is listed twice`);
    if (queue.number !== undefined && out.some((o) => o.number === queue.number)) return bad(`${path}[${i}].number`, `number ${queue.number} is another queue's`);
    sourceIndex.set(queue, i);
    out.push(queue);
  });
  return out;
}

/** Every extension a queue may ring (members first, then the agents who may log in). */
export function queueExtensions(q: CallQueue): string[] {
  return [...q.members.map((m) => m.ext), ...q.agents.map((a) => a.ext)];
}

/** Members and agents are extensions of the same tenant; a queue's number is none of them. */
export function checkQueueTargets(queues: readonly CallQueue[], extensions: ReadonlySet<string>, bad: Report): void {
  queues.forEach((q, i) => {
    const at = queuePath(q, i);
    if (q.number !== undefined && extensions.has(q.number)) bad(`${at}.number`, `${q.number} is an extension of this tenant`);
    for (const key of ['members', 'agents'] as const) {
      q[key].forEach((m, j) => {
        if (!extensions.has(m.ext)) bad(`${at}.${key}[${j}]`, `no extension '${m.ext}' in this tenant`);
      });
    }
  });
}
