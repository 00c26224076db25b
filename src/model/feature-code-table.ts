/**
 * A tenant's feature codes (issue 11, point 6): the ids every tenant has, their default
 * codes, the per-tenant renames and disables (`featureCodes:` in the tenant YAML, `false`
 * disables one), the conflicts refused at apply, and the matcher the B2BUA runs on a
 * dialled number before the dial plan. Plain data, shared by src/config (file:line:col),
 * src/tenant (apply) and the apps; no I/O.
 */
import { FIELDS, checkField } from './field-rules.js';

export const FEATURE_CODE_DEFAULTS = {
  voicemail: '*97',
  voicemailAny: '*98',
  forwardOn: '*72',
  forwardOff: '*73',
  forwardBusyOn: '*90',
  forwardBusyOff: '*91',
  forwardNoAnswerOn: '*92',
  forwardNoAnswerOff: '*93',
  dndOn: '*78',
  dndOff: '*79',
  timeConditionToggle: '*27',
  /** Log in to call queues (+ a queue's number: that one only). */
  queueLogin: '*45',
  /** Log out of call queues (+ a queue's number: that one only). */
  queueLogout: '*46',
  recordToggle: '*1',
} as const;

export type FeatureCodeId = keyof typeof FEATURE_CODE_DEFAULTS;
export const FEATURE_CODE_IDS = Object.keys(FEATURE_CODE_DEFAULTS) as FeatureCodeId[];

/** Codes dialled with digits after them: `*72` + the number to forward to, `*27` + a condition's index. */
export const FEATURE_CODES_WITH_ARG: ReadonlySet<FeatureCodeId> = new Set(['forwardOn', 'forwardBusyOn', 'forwardNoAnswerOn', 'timeConditionToggle', 'queueLogin', 'queueLogout']);
/** Codes pressed during a call (DTMF), not dialled: never matched against a dialled number. */
export const IN_CALL_FEATURE_CODES: ReadonlySet<FeatureCodeId> = new Set(['recordToggle']);
/** The longest argument taken after a code (a phone number). */
export const MAX_FEATURE_ARG_DIGITS = 32;

/** Per-tenant renames (a code) and disables (false); recordToggle can be renamed only. */
export type FeatureCodeOverrides = { [K in Exclude<FeatureCodeId, 'recordToggle'>]?: string | false } & { recordToggle?: string };

export interface FeatureCodeEntry {
  id: FeatureCodeId;
  /** null: disabled for this tenant. */
  code: string | null;
  default: string;
  /** Takes digits after the code. */
  arg: boolean;
  /** Pressed during a call rather than dialled. */
  inCall: boolean;
}

export function isFeatureCodeId(v: unknown): v is FeatureCodeId {
  return typeof v === 'string' && Object.hasOwn(FEATURE_CODE_DEFAULTS, v);
}

/** Every id with the code it has for a tenant with these overrides, in the order of FEATURE_CODE_IDS. */
export function featureCodeTable(overrides: FeatureCodeOverrides = {}): FeatureCodeEntry[] {
  return FEATURE_CODE_IDS.map((id) => {
    const o = (overrides as Record<string, string | false | undefined>)[id];
    return { id, code: o === false ? null : (o ?? FEATURE_CODE_DEFAULTS[id]), default: FEATURE_CODE_DEFAULTS[id], arg: FEATURE_CODES_WITH_ARG.has(id), inCall: IN_CALL_FEATURE_CODES.has(id) };
  });
}

/**
 * Problems of a tenant's overrides, each at its id: an unknown id, a code of the wrong form,
 * recordToggle disabled, two ids on one code, a dialled code that is the beginning of
 * another (the longer one could never be dialled) or of an extension number.
 */
export function featureCodeProblems(overrides: Record<string, unknown>, extensions: Iterable<string>): Array<{ id: string; message: string }> {
  const out: Array<{ id: string; message: string }> = [];
  for (const [id, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    if (!isFeatureCodeId(id)) out.push({ id, message: `unknown feature code (known: ${FEATURE_CODE_IDS.join(', ')})` });
    else if (v === false) {
      if (id === 'recordToggle') out.push({ id, message: 'recordToggle cannot be disabled (set the recording policy instead)' });
    } else {
      const problem = checkField(FIELDS.featureCode, v);
      if (problem !== undefined) out.push({ id, message: v === true ? 'must be a feature code, or false to disable it' : problem });
    }
  }
  if (out.length > 0) return out;
  const table = featureCodeTable(overrides as FeatureCodeOverrides).filter((e) => e.code !== null && !e.inCall);
  const given = (id: FeatureCodeId) => Object.hasOwn(overrides, id);
  table.forEach((a, i) => {
    table.forEach((b, j) => {
      if (i === j) return;
      // Reported at an id the tenant set (the defaults never clash among themselves).
      const at = given(a.id) ? a.id : b.id;
      if (a.code === b.code && i < j) out.push({ id: at, message: `${a.code} is the code of both ${a.id} and ${b.id}` });
      else if (a.code !== b.code && b.code!.startsWith(a.code!)) out.push({ id: at, message: `${a.code} (${a.id}) is the beginning of ${b.code} (${b.id}): ${b.code} could never be dialled` });
    });
    for (const ext of extensions) {
      if (ext.startsWith(a.code!)) out.push({ id: a.id, message: `${a.code} (${a.id}) is the beginning of extension ${ext}` });
    }
  });
  return out;
}

export interface FeatureCodeMatch {
  id: FeatureCodeId;
  /** The digits dialled after a code that takes an argument (absent: none dialled). */
  arg?: string;
}

/**
 * The feature code a dialled number is, for a tenant's table: the whole number equals an
 * enabled code, or (codes that take an argument) starts with it and goes on with 1-32
 * digits. In-call codes are never matched. Undefined: not a feature code (the dial plan
 * goes on).
 */
export function matchFeatureCode(table: ReadonlyArray<FeatureCodeEntry>, dialled: string): FeatureCodeMatch | undefined {
  for (const e of table) {
    if (e.code === null || e.inCall || !dialled.startsWith(e.code)) continue;
    if (dialled.length === e.code.length) return { id: e.id };
    if (!e.arg) continue;
    const arg = dialled.slice(e.code.length);
    if (arg.length <= MAX_FEATURE_ARG_DIGITS && /^[0-9]+$/.test(arg)) return { id: e.id, arg };
  }
  return undefined;
}
