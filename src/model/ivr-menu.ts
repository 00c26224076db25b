/**
 * An IVR menu (auto attendant) of a tenant, as declared under `ivrs:`: a greeting, the
 * keys callers press and where each leads, optional direct dialling of the tenant's
 * extensions, timeouts, retries, and where a caller goes after too many timeouts or wrong
 * keys. Read from the YAML or the API into a normalized spec. Pure.
 */
import { FLOW_PROMPT_RE, parseFlowDestination, type FlowDestination } from './flow-destination.js';
import type { Report } from './flow-report.js';

export interface IvrMenu {
  name: string;
  /** A prompt id: the tenant's upload of that name, else the operator's or the built-in set. */
  greeting: string;
  /** Key (1-4 of 0-9 * #) -> destination. */
  options: Record<string, FlowDestination>;
  /** Direct dialling of the tenant's extensions: false (default), true (any), or a dial pattern ("1XXX"). */
  directDial: boolean | string;
  /** Wait for the next key once one was pressed. */
  interDigitSeconds: number;
  /** Wait for the first key after the greeting. */
  timeoutSeconds: number;
  /** How many more times the greeting is played after a timeout or a wrong key. */
  retries: number;
  /** Played after a wrong key; default 'invalid-option'. */
  invalidPrompt: string;
  /** Where the caller goes after the last timeout; absent: hang up. */
  timeout?: FlowDestination;
  /** Where the caller goes after the last wrong key (and after a DTMF flood); absent: hang up. */
  invalid?: FlowDestination;
}

export const MAX_IVRS = 200;
export const MAX_OPTIONS = 64;
export const OPTION_KEY_RE = /^[0-9*#]{1,4}$/;
/** A direct-dial pattern: digits and X (any digit), N (2-9), Z (1-9); 1-32 long. */
export const DIRECT_DIAL_RE = /^[0-9XNZ]{1,32}$/;
const NAME_RE = /^[a-z0-9-]{1,63}$/;
const KEYS = ['name', 'greeting', 'options', 'directDial', 'interDigitSeconds', 'timeoutSeconds', 'retries', 'invalidPrompt', 'timeout', 'invalid'] as const;

export const IVR_DEFAULTS = { interDigitSeconds: 3, timeoutSeconds: 10, retries: 2, invalidPrompt: 'invalid-option' } as const;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function seconds(v: unknown, def: number, min: number, max: number, at: string, bad: Report): number | undefined {
  if (v === undefined) return def;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  bad(at, `must be a whole number from ${min} to ${max}`);
  return undefined;
}

/** True when `digits` matches the direct-dial pattern (X any digit, N 2-9, Z 1-9). */
export function matchesDirectDial(pattern: string, digits: string): boolean {
  if (digits.length !== pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const c = digits.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    if (p === 'X') continue;
    if (p === 'N' ? c < 2 : p === 'Z' ? c < 1 : c !== p.charCodeAt(0) - 48) return false;
  }
  return true;
}

/** Reads one menu at `at`; reports every problem; undefined when it has any. */
export function parseIvrMenu(raw: unknown, at: string, bad: Report): IvrMenu | undefined {
  if (!isMapping(raw)) return void bad(at, 'must be a mapping { name, greeting, options, ... }');
  let ok = true;
  const fail = (p: string, m: string) => ((ok = false), bad(p, m));
  for (const k of Object.keys(raw)) if (!(KEYS as readonly string[]).includes(k)) fail(`${at}.${k}`, `unknown key (known keys: ${KEYS.join(', ')})`);
  const name = raw['name'];
  if (typeof name !== 'string' || !NAME_RE.test(name)) fail(`${at}.name`, 'must be 1-63 characters of a-z 0-9 -');
  const greeting = raw['greeting'];
  if (typeof greeting !== 'string' || !FLOW_PROMPT_RE.test(greeting)) fail(`${at}.greeting`, 'must be a prompt name (a-z 0-9 _ -, at most 64)');
  const invalidPrompt = raw['invalidPrompt'] ?? IVR_DEFAULTS.invalidPrompt;
  if (typeof invalidPrompt !== 'string' || !FLOW_PROMPT_RE.test(invalidPrompt)) fail(`${at}.invalidPrompt`, 'must be a prompt name (a-z 0-9 _ -, at most 64)');

  const options: Record<string, FlowDestination> = {};
  const rawOptions = raw['options'] ?? {};
  if (!isMapping(rawOptions)) fail(`${at}.options`, 'must be a mapping of keys to destinations, e.g. { "1": { extension: 1001 }, "#": hangup }');
  else {
    const keys = Object.keys(rawOptions);
    if (keys.length > MAX_OPTIONS) fail(`${at}.options`, `at most ${MAX_OPTIONS} options`);
    for (const key of keys) {
      if (!OPTION_KEY_RE.test(key)) {
        fail(`${at}.options.${key}`, `'${key}' is not a key: 1-4 of 0-9 * # (quote "#" and "*" in YAML)`);
        continue;
      }
      const d = parseFlowDestination(rawOptions[key], `${at}.options.${key}`, bad);
      if (d) options[key] = d;
      else ok = false;
    }
  }

  let directDial: boolean | string = false;
  const dd = raw['directDial'];
  if (typeof dd === 'boolean') directDial = dd;
  else if (typeof dd === 'string' && DIRECT_DIAL_RE.test(dd.toUpperCase())) directDial = dd.toUpperCase();
  else if (dd !== undefined) fail(`${at}.directDial`, 'must be true, false or a pattern of digits and X/N/Z like "1XXX"');
  if (typeof directDial === 'string') {
    for (const key of Object.keys(options)) {
      if (/^[0-9]+$/.test(key) && matchesDirectDial(directDial, key)) fail(`${at}.options.${key}`, `key ${key} is also a direct-dial number (${directDial}): a caller could never reach one of them`);
    }
  }

  const interDigitSeconds = seconds(raw['interDigitSeconds'], IVR_DEFAULTS.interDigitSeconds, 1, 30, `${at}.interDigitSeconds`, bad);
  const timeoutSeconds = seconds(raw['timeoutSeconds'], IVR_DEFAULTS.timeoutSeconds, 1, 120, `${at}.timeoutSeconds`, bad);
  const retries = seconds(raw['retries'], IVR_DEFAULTS.retries, 0, 10, `${at}.retries`, bad);
  if (interDigitSeconds === undefined || timeoutSeconds === undefined || retries === undefined) ok = false;
  const timeout = raw['timeout'] === undefined ? undefined : parseFlowDestination(raw['timeout'], `${at}.timeout`, bad);
  if (raw['timeout'] !== undefined && !timeout) ok = false;
  const invalid = raw['invalid'] === undefined ? undefined : parseFlowDestination(raw['invalid'], `${at}.invalid`, bad);
  if (raw['invalid'] !== undefined && !invalid) ok = false;
  if (!ok) return undefined;
  return {
    name: name as string,
    greeting: greeting as string,
    options,
    directDial,
    interDigitSeconds: interDigitSeconds!,
    timeoutSeconds: timeoutSeconds!,
    retries: retries!,
    invalidPrompt: invalidPrompt as string,
    ...(timeout ? { timeout } : {}),
    ...(invalid ? { invalid } : {}),
  };
}
