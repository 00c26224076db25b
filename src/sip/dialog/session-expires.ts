import { getHeader, getHeaderValues } from '../message/headers.js';
import { parseDigits, parseParams } from '../message/scan.js';
import type { SipMessage } from '../message/types.js';

/** Who refreshes, named from the point of view of the transaction carrying the header (RFC 4028 §4). */
export type RefresherParam = 'uac' | 'uas';

/** RFC 4028 §4: `Session-Expires: delta-seconds [;refresher=uac|uas] *(;generic-param)`. */
export interface SessionExpires {
  /** Seconds. */
  interval: number;
  refresher?: RefresherParam;
}

/** RFC 4028 §4, §5: no session interval may be shorter than 90 s, the default Min-SE. */
export const MIN_SE_FLOOR = 90;

const DELTA_MAX = 0xffffffff;

/**
 * Parse a Session-Expires value. Undefined when it is not delta-seconds followed by
 * well-formed parameters; a refresher other than uac or uas is ignored, as an unknown
 * generic-param would be.
 */
export function parseSessionExpires(value: string): SessionExpires | undefined {
  const m = /^[ \t]*(\d+)[ \t]*/.exec(value);
  if (!m) return undefined;
  const interval = parseDigits(m[1]!, DELTA_MAX);
  if (interval === undefined) return undefined;
  let params;
  try {
    params = parseParams(value, m[0].length);
  } catch {
    return undefined;
  }
  const r = params['refresher']?.toLowerCase();
  return r === 'uac' || r === 'uas' ? { interval, refresher: r } : { interval };
}

export function formatSessionExpires(se: SessionExpires): string {
  return se.refresher === undefined ? String(se.interval) : `${se.interval};refresher=${se.refresher}`;
}

/** Parse a Min-SE value (RFC 4028 §5: delta-seconds *(;generic-param)); undefined when malformed. */
export function parseMinSE(value: string): number | undefined {
  const m = /^[ \t]*(\d+)[ \t]*/.exec(value);
  if (!m) return undefined;
  try {
    parseParams(value, m[0].length);
  } catch {
    return undefined;
  }
  return parseDigits(m[1]!, DELTA_MAX);
}

/** What a request or response says about session timers. */
export interface SessionTimerHeaders {
  /** `timer` is in Supported. */
  supported: boolean;
  /** `timer` is in Require. */
  required: boolean;
  /** Absent when there is none or it is malformed. */
  sessionExpires?: SessionExpires;
  /** Absent when there is none or it is malformed. */
  minSE?: number;
}

export function readSessionTimerHeaders(msg: SipMessage): SessionTimerHeaders {
  const out: SessionTimerHeaders = { supported: hasOptionTag(msg, 'supported', 'timer'), required: hasOptionTag(msg, 'require', 'timer') };
  const se = getHeader(msg, 'session-expires');
  const parsedSe = se === undefined ? undefined : parseSessionExpires(se);
  if (parsedSe !== undefined) out.sessionExpires = parsedSe;
  const min = getHeader(msg, 'min-se');
  const parsedMin = min === undefined ? undefined : parseMinSE(min);
  if (parsedMin !== undefined) out.minSE = parsedMin;
  return out;
}

/** Whether an option tag is listed in Supported or Require (compared without case). */
export function hasOptionTag(msg: SipMessage, header: 'supported' | 'require', tag: string): boolean {
  let values: string[];
  try {
    values = getHeaderValues(msg, header);
  } catch {
    return false;
  }
  for (const v of values) if (v.trim().toLowerCase() === tag) return true;
  return false;
}
