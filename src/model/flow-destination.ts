/**
 * Where a call goes: an inbound route, a ring group's fallback, an IVR option, a time
 * condition's branch, a forward, AppChannel.continueTo. The one union of the project
 * (src/model/routing-plan.ts Destination, the B2BUA's and voicemail's names for it are
 * aliases of this type); every name is looked up in the call's own tenant.
 *
 * Two written forms are read: the YAML form (`hangup`, `{ extension: 1001 }`, `{ ivr: main }`,
 * ...) and the typed form the API returns (`{ type: 'extension', ext: '1001' }`). Pure.
 */
import type { Report } from './flow-report.js';

export type FlowDestination =
  | { type: 'extension'; ext: string }
  | { type: 'ringGroup'; name: string }
  | { type: 'voicemail'; box: string }
  | { type: 'ivr'; name: string }
  | { type: 'timeCondition'; name: string }
  | { type: 'conference'; room: string }
  /** An outside number, through the outbound routes (with the class of service of whoever sends it there). */
  | { type: 'number'; number: string }
  /** Play a prompt, then hang up. */
  | { type: 'play'; prompt: string }
  | { type: 'queue'; name: string }
  | { type: 'hangup' };

/** The YAML key of each kind, and the field of the typed form it fills. */
const KINDS = {
  extension: 'ext',
  ringGroup: 'name',
  voicemail: 'box',
  ivr: 'name',
  timeCondition: 'name',
  conference: 'room',
  number: 'number',
  play: 'prompt',
  queue: 'name',
} as const;
type Kind = keyof typeof KINDS;

const DIGITS_RE = /^[0-9]{1,32}$/;
const NAME_RE = /^[a-z0-9-]{1,63}$/;
/** An outside number as dialled: digits, optionally '+' first. */
const NUMBER_RE = /^\+?[0-9]{1,32}$/;
/** media/prompts/prompt-path.ts PROMPT_NAME_RE (model may not import media). */
export const FLOW_PROMPT_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const RULES: Record<Kind, { re: RegExp; problem: string }> = {
  extension: { re: DIGITS_RE, problem: 'must be an extension number (1-32 digits)' },
  ringGroup: { re: NAME_RE, problem: 'must be a ring group name (a-z 0-9 -)' },
  voicemail: { re: DIGITS_RE, problem: 'must be a voicemail box number (1-32 digits)' },
  ivr: { re: NAME_RE, problem: 'must be an IVR name (a-z 0-9 -)' },
  timeCondition: { re: NAME_RE, problem: 'must be a time condition name (a-z 0-9 -)' },
  conference: { re: DIGITS_RE, problem: 'must be a conference room number (1-32 digits)' },
  number: { re: NUMBER_RE, problem: "must be a phone number: digits, optionally '+' first" },
  play: { re: FLOW_PROMPT_RE, problem: 'must be a prompt name (a-z 0-9 _ -, at most 64)' },
  queue: { re: NAME_RE, problem: 'must be a queue name (a-z 0-9 -)' },
};

const EXPECTED = `expected hangup or one of { ${Object.keys(KINDS).join(' | ')}: ... }`;

/** A value as text: numbers as written (an extension "1001" may come as the YAML number 1001). */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  return undefined;
}

/** Reads one destination at `at`; reports and returns undefined when it is not one. */
export function parseFlowDestination(raw: unknown, at: string, bad: Report): FlowDestination | undefined {
  if (raw === 'hangup') return { type: 'hangup' };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    bad(at, `${EXPECTED}, got ${JSON.stringify(raw)?.slice(0, 40) ?? 'nothing'}`);
    return undefined;
  }
  const o = raw as Record<string, unknown>;
  let kind: string;
  let value: unknown;
  let valueAt: string;
  if ('type' in o) {
    // The typed form: { type, <field> }.
    kind = String(o['type']);
    if (kind === 'hangup' && Object.keys(o).length === 1) return { type: 'hangup' };
    const field = KINDS[kind as Kind];
    if (field === undefined || Object.keys(o).length !== 2) {
      bad(at, `${EXPECTED}, or { type, ... } with one field`);
      return undefined;
    }
    value = o[field];
    valueAt = `${at}.${field}`;
  } else {
    const keys = Object.keys(o);
    if (keys.length !== 1 || !(keys[0]! in KINDS)) {
      bad(at, keys.length > 1 ? `give one destination, not ${keys.join(' and ')}` : EXPECTED);
      return undefined;
    }
    kind = keys[0]!;
    value = o[kind];
    valueAt = `${at}.${kind}`;
  }
  const k = kind as Kind;
  const v = text(value);
  if (v === undefined || !RULES[k].re.test(v)) {
    bad(valueAt, RULES[k].problem);
    return undefined;
  }
  const field = KINDS[k];
  return { type: k, [field]: v } as FlowDestination;
}

/** The YAML form of a destination (what `pbx tenant export` writes). */
export function flowDestinationYaml(d: FlowDestination): unknown {
  if (d.type === 'hangup') return 'hangup';
  const field = KINDS[d.type];
  return { [d.type]: (d as Record<string, string>)[field] };
}

/** A short label for messages: `ivr main`, `extension 1001`. */
export function describeDestination(d: FlowDestination): string {
  if (d.type === 'hangup') return 'hangup';
  return `${d.type} ${(d as Record<string, string>)[KINDS[d.type]]}`;
}
