import { DROP_AFTER_RANGE, NAT_KEEPALIVE_OFF, OPTIONS_SECONDS_RANGE, type NatKeepalive } from '../model/nat-keepalive.js';

/** The tenant settings row that holds the policy (JSON), written by apply-tenant, read by the pinger. */
export const NAT_KEEPALIVE_SETTING = 'natKeepalive';

/** Problems of a spec's natKeepalive, as [path, message] pairs (empty when valid). */
export function natKeepaliveProblems(v: unknown): Array<[string, string]> {
  if (v === undefined) return [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [['natKeepalive', 'must be an object { optionsSeconds, dropAfterMisses }']];
  const out: Array<[string, string]> = [];
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'optionsSeconds' && k !== 'dropAfterMisses') out.push([`natKeepalive.${k}`, 'unknown key (optionsSeconds, dropAfterMisses)']);
  const s = o['optionsSeconds'];
  if (s !== undefined && !(Number.isInteger(s) && ((s as number) === 0 || ((s as number) >= OPTIONS_SECONDS_RANGE.min && (s as number) <= OPTIONS_SECONDS_RANGE.max)))) {
    out.push(['natKeepalive.optionsSeconds', `must be 0 (off) or a whole number of seconds from ${OPTIONS_SECONDS_RANGE.min} to ${OPTIONS_SECONDS_RANGE.max}`]);
  }
  const d = o['dropAfterMisses'];
  if (d !== undefined && !(Number.isInteger(d) && (d as number) >= DROP_AFTER_RANGE.min && (d as number) <= DROP_AFTER_RANGE.max)) {
    out.push(['natKeepalive.dropAfterMisses', `must be a whole number from ${DROP_AFTER_RANGE.min} (never) to ${DROP_AFTER_RANGE.max}`]);
  }
  return out;
}

/** The setting's text for a valid spec value, or undefined when it is off (no row: the default). */
export function natKeepaliveSettingText(v: Partial<NatKeepalive> | undefined): string | undefined {
  if (!v || !v.optionsSeconds) return undefined;
  return JSON.stringify({ optionsSeconds: v.optionsSeconds, dropAfterMisses: v.dropAfterMisses ?? 0 });
}

/** Reads the setting back; anything unreadable is off. */
export function readNatKeepalive(text: string | undefined): NatKeepalive {
  if (text === undefined) return NAT_KEEPALIVE_OFF;
  try {
    const v = JSON.parse(text) as unknown;
    if (natKeepaliveProblems(v).length > 0) return NAT_KEEPALIVE_OFF;
    const o = v as Partial<NatKeepalive>;
    return { optionsSeconds: o.optionsSeconds ?? 0, dropAfterMisses: o.dropAfterMisses ?? 0 };
  } catch {
    return NAT_KEEPALIVE_OFF;
  }
}
