import { parseCount } from './parse-count.js';
import { parseDigits, SyntaxError400 } from './scan.js';

export interface CSeq {
  seq: number;
  method: string;
}

const CSEQ_RE = /^[ \t]*(\d+)[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*$/;

/**
 * RFC 3261 §20.16: the sequence number is a 32-bit unsigned integer (a UAC starts below
 * 2**31, §8.1.1.5, but may count past it); RFC 4475 §3.1.2.4: larger is malformed.
 * Leading zeros and LWS between number and method are allowed (RFC 4475 §3.1.1.1).
 */
export function parseCSeq(value: string): CSeq {
  parseCount.cseq++;
  const m = CSEQ_RE.exec(value);
  if (!m) throw new SyntaxError400('bad CSeq');
  const seq = parseDigits(m[1]!, 0xffffffff);
  if (seq === undefined) throw new SyntaxError400('CSeq number out of range');
  return { seq, method: m[2]! };
}
