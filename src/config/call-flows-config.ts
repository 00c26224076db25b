/**
 * The call-flow keys of a tenant file: `timezone:`, `schedules:`, `timeConditions:` and
 * `ivrs:`. They are read as plain values here and checked by the one reader the API uses
 * too (src/model/call-flows.ts), whose problem paths are put back at their YAML nodes, so
 * the operator reads file:line:col. Pure.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { parseCallFlows, type CallFlows } from '../model/call-flows.js';
import { deref, fail, Schema, type DecodeContext, type Invalid, type Where } from './schema.js';

/**
 * Any YAML value as plain data. A number written with a leading zero or '+' (`0100`,
 * `+49...`) keeps its text, as extension numbers and phone numbers must.
 */
class RawValueSchema extends Schema<unknown> {
  decode(node: Node, ctx: DecodeContext, path: string): unknown | Invalid {
    const seen = { n: 0 };
    const walk = (n: Node | null): unknown => {
      if (++seen.n > 100_000) throw new RangeError('too large');
      if (n === null) return null;
      if (isMap(n)) {
        const out: Record<string, unknown> = {};
        for (const p of n.items) {
          const k = deref(ctx, p.key);
          const key = isScalar(k) ? String(k.value) : '?';
          // A YAML merge key or a complex key is not part of this format.
          out[key] = walk(deref(ctx, p.value));
        }
        return out;
      }
      if (isSeq(n)) return n.items.map((i) => walk(deref(ctx, i)));
      if (isScalar(n)) {
        const s = (n as { source?: string }).source;
        if (typeof n.value === 'number' && typeof s === 'string' && s !== String(n.value) && /^[+0-9]/.test(s)) return s;
        return n.value;
      }
      return null;
    };
    try {
      return walk(node);
    } catch (e) {
      if (e instanceof RangeError) return fail(ctx, node, path, 'too large');
      throw e;
    }
  }
}

const raw = () => new RawValueSchema().optional();

/** The schema fields, spread into the tenant file's object schema. */
export const callFlowFields = {
  /** IANA zone the schedules are read in (default UTC). */
  timezone: raw(),
  schedules: raw(),
  timeConditions: raw(),
  ivrs: raw(),
  /** Call queues (src/model/call-queue.ts). */
  queues: raw(),
};

/** `ivrs[0].options.1` -> the Where of that node (or its nearest existing parent). */
function whereOf(root: Where, path: string): Where {
  let w = root;
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) w = m[2] !== undefined ? w.at(Number(m[2])) : w.at(m[1]!);
  return w;
}

/** What the call-flow checks need of the rest of the file. */
export interface CallFlowParts {
  timezone?: unknown;
  schedules?: unknown;
  timeConditions?: unknown;
  ivrs?: unknown;
  queues?: unknown;
  extensions: ReadonlyArray<{ ext: string }>;
  ringGroups: ReadonlyArray<{ name: string }>;
  conferences?: ReadonlyArray<{ number: string }>;
  /** Shared voicemail boxes (`voicemailBoxes:`), when the file has them. */
  voicemailBoxes?: ReadonlyArray<{ box: string }>;
}

/** Checks the call-flow keys against the rest of the file; problems at their nodes. */
export function checkCallFlows(t: CallFlowParts, root: Where): CallFlows {
  return parseCallFlows(
    t,
    {
      extensions: new Set(t.extensions.map((e) => e.ext)),
      ringGroups: new Set(t.ringGroups.map((g) => g.name)),
      conferences: new Set((t.conferences ?? []).map((c) => c.number)),
      voicemailBoxes: new Set((t.voicemailBoxes ?? []).map((b) => b.box)),
    },
    (path, message) => whereOf(root, path).report(message),
  );
}

/** The keys of TenantConfig for a checked document: only those it sets. */
export function callFlowsConfig(f: CallFlows | undefined): Partial<CallFlows> {
  if (!f) return {};
  return {
    ...(f.timezone !== undefined ? { timezone: f.timezone } : {}),
    ...(f.schedules.length > 0 ? { schedules: f.schedules } : {}),
    ...(f.timeConditions.length > 0 ? { timeConditions: f.timeConditions } : {}),
    ...(f.ivrs.length > 0 ? { ivrs: f.ivrs } : {}),
    ...(f.queues && f.queues.length > 0 ? { queues: f.queues } : {}),
  };
}
