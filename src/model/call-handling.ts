/**
 * One extension's forwards and do-not-disturb (issue 11, point 5): forward every call, on
 * busy, on no answer after N seconds, when it has no registered device; each to a
 * destination of the same tenant or an outside number. Declared in the tenant YAML
 * (`extensions[i].forward`, `.dnd`), set through the API (PUT .../call-handling) and by the
 * feature codes *72/*73, *90/*91, *92/*93, *78/*79. Plain data and its checks; the store is
 * call-handling-table.ts.
 */
import { validateDestination, type DestinationNames } from './destination.js';
import type { DestinationGraphNode } from './destination-graph.js';
import type { Destination } from './routing-plan.js';

export const NO_ANSWER_MIN_SECONDS = 5;
export const NO_ANSWER_MAX_SECONDS = 300;
export const DEFAULT_NO_ANSWER_SECONDS = 20;

/** The settings as the services read them; everything absent: calls ring the extension as usual. */
export interface CallHandling {
  dnd: boolean;
  always?: Destination;
  busy?: Destination;
  noAnswer?: { to: Destination; afterSeconds: number };
  unavailable?: Destination;
}

/** As written in a spec (YAML: `forward: { always, busy, noAnswer: { to, after }, unavailable }`, `dnd`). */
export interface CallHandlingSpec {
  forward?: {
    always?: Destination;
    busy?: Destination;
    noAnswer?: { to: Destination; after?: number };
    unavailable?: Destination;
  };
  dnd?: boolean;
}

export const NO_CALL_HANDLING: CallHandling = Object.freeze({ dnd: false });

export function isNoCallHandling(h: CallHandling): boolean {
  return !h.dnd && !h.always && !h.busy && !h.noAnswer && !h.unavailable;
}

/**
 * Checks one extension's settings (at `at`, e.g. `extensions[3]`, or '' for an API body)
 * against the names of its tenant; returns them, or undefined after reporting through `bad`.
 * A forward to the extension itself is refused here; longer loops by callHandlingGraph.
 */
export function validateCallHandling(ext: string, spec: CallHandlingSpec, at: string, names: DestinationNames, bad: (path: string, message: string) => void): CallHandling | undefined {
  const p = (field: string) => (at === '' ? field : `${at}.${field}`);
  let ok = true;
  const fail = (path: string, message: string) => {
    ok = false;
    bad(path, message);
  };
  const out: CallHandling = { dnd: false };
  if (spec?.dnd !== undefined) {
    if (typeof spec.dnd !== 'boolean') fail(p('dnd'), 'must be true or false');
    else out.dnd = spec.dnd;
  }
  const f = spec?.forward;
  if (f === undefined) return ok ? out : undefined;
  if (typeof f !== 'object' || f === null || Array.isArray(f)) {
    fail(p('forward'), 'must be a mapping { always, busy, noAnswer: { to, after }, unavailable }');
    return undefined;
  }
  const known = ['always', 'busy', 'noAnswer', 'unavailable'];
  for (const k of Object.keys(f)) if (!known.includes(k)) fail(p(`forward.${k}`), `unknown forward (known: ${known.join(', ')})`);
  const dest = (v: unknown, path: string): Destination | undefined => {
    const d = validateDestination(v, path, names, fail);
    if (d?.type === 'extension' && d.ext === ext) {
      fail(path, `${ext} cannot forward to itself`);
      return undefined;
    }
    return d;
  };
  for (const k of ['always', 'busy', 'unavailable'] as const) {
    if (f[k] === undefined) continue;
    const d = dest(f[k], p(`forward.${k}`));
    if (d) out[k] = d;
  }
  if (f.noAnswer !== undefined) {
    const na = f.noAnswer as { to?: unknown; after?: unknown };
    if (typeof na !== 'object' || na === null) fail(p('forward.noAnswer'), 'must be a mapping { to, after }');
    else {
      const after = na.after ?? DEFAULT_NO_ANSWER_SECONDS;
      if (typeof after !== 'number' || !Number.isInteger(after) || after < NO_ANSWER_MIN_SECONDS || after > NO_ANSWER_MAX_SECONDS) {
        fail(p('forward.noAnswer.after'), `must be whole seconds from ${NO_ANSWER_MIN_SECONDS} to ${NO_ANSWER_MAX_SECONDS}`);
      }
      const d = dest(na.to, p('forward.noAnswer.to'));
      if (d && ok) out.noAnswer = { to: d, afterSeconds: after as number };
    }
  }
  return ok ? out : undefined;
}

/** The settings written back as a spec (export, the API's view). */
export function callHandlingSpec(h: CallHandling): CallHandlingSpec {
  const forward: NonNullable<CallHandlingSpec['forward']> = {};
  if (h.always) forward.always = h.always;
  if (h.busy) forward.busy = h.busy;
  if (h.noAnswer) forward.noAnswer = { to: h.noAnswer.to, after: h.noAnswer.afterSeconds };
  if (h.unavailable) forward.unavailable = h.unavailable;
  return { ...(Object.keys(forward).length > 0 ? { forward } : {}), ...(h.dnd ? { dnd: true } : {}) };
}

/** The node of an extension with forwards, for the loop check (destination-graph.ts); undefined without forwards. */
export function callHandlingNode(ext: string, h: CallHandling): DestinationGraphNode | undefined {
  const targets = [h.always, h.busy, h.noAnswer?.to, h.unavailable].filter((d): d is Destination => d !== undefined);
  return targets.length > 0 ? { node: `ext:${ext}`, targets } : undefined;
}

/** The same settings, compared as text (the order of keys is fixed here). */
export function callHandlingKey(h: CallHandling): string {
  return JSON.stringify([h.dnd, h.always ?? null, h.busy ?? null, h.noAnswer ?? null, h.unavailable ?? null]);
}
