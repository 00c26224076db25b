import { SdpError } from './sdp-error.js';
import type { Attribute, Bandwidth, Connection, MediaDescription, SdpLine, SessionDescription } from './types.js';

const CRLF = '\r\n';
const LINE_BREAK = /[\r\n\0]/;

/**
 * The wire text of a description: CRLF line ends, lines in the order of the RFC 8866 §5
 * grammar (v o s i u e p c b t r z k a, then per media m i c b k a), lines of unknown
 * type last in their section. Lines of one kind keep their order, so a description that
 * was in grammar order comes back byte for byte (apart from LF becoming CRLF and runs
 * of spaces between fields becoming one).
 *
 * Throws SdpError('bad-argument') when a value would break the line structure (CR, LF,
 * NUL) or a number is out of range, so that text from elsewhere can never inject lines.
 */
export function serializeSdp(sd: SessionDescription): string {
  const out: string[] = [];
  const o = sd.origin;
  out.push(`v=${sd.version}`);
  out.push(`o=${v(o.username)} ${v(o.sessionId)} ${v(o.sessionVersion)} ${v(o.netType)} ${v(o.addrType)} ${v(o.address)}`);
  out.push(`s=${v(sd.sessionName)}`);
  pushOther(out, sd.other, (t) => t === 'i' || t === 'u' || t === 'e' || t === 'p');
  if (sd.connection) out.push(connectionLine(sd.connection));
  for (const b of sd.bandwidths) out.push(bandwidthLine(b));
  if (sd.timing.length === 0) out.push('t=0 0');
  for (const t of sd.timing) {
    out.push(`t=${int(t.start)} ${int(t.stop)}`);
    for (const r of t.repeats) out.push(`r=${v(r)}`);
  }
  pushOther(out, sd.other, (t) => t === 'z' || t === 'k');
  for (const a of sd.attributes) out.push(attributeLine(a));
  pushOther(out, sd.other, (t) => !SESSION_KNOWN.has(t));
  for (const m of sd.media) pushMedia(out, m);
  out.push('');
  return out.join(CRLF);
}

const SESSION_KNOWN = new Set(['i', 'u', 'e', 'p', 'z', 'k']);

function pushMedia(out: string[], m: MediaDescription): void {
  if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535) throw new SdpError('bad-argument', `m= port ${m.port}`);
  const port = m.portCount === undefined ? String(m.port) : `${m.port}/${int(m.portCount)}`;
  let line = `m=${v(m.type)} ${port} ${v(m.proto)}`;
  for (const f of m.formats) line += ' ' + v(f);
  out.push(line);
  pushOther(out, m.other, (t) => t === 'i');
  if (m.connection) out.push(connectionLine(m.connection));
  for (const b of m.bandwidths) out.push(bandwidthLine(b));
  pushOther(out, m.other, (t) => t === 'k');
  for (const a of m.attributes) out.push(attributeLine(a));
  pushOther(out, m.other, (t) => t !== 'i' && t !== 'k');
}

function pushOther(out: string[], lines: SdpLine[], which: (type: string) => boolean): void {
  for (const l of lines) {
    if (!which(l.type)) continue;
    if (!/^[a-z]$/.test(l.type)) throw new SdpError('bad-argument', `line type ${JSON.stringify(l.type)}`);
    out.push(`${l.type}=${v(l.value)}`);
  }
}

function connectionLine(c: Connection): string {
  return `c=${v(c.netType)} ${v(c.addrType)} ${v(c.address)}`;
}

function bandwidthLine(b: Bandwidth): string {
  return `b=${v(b.type)}:${int(b.value)}`;
}

function attributeLine(a: Attribute): string {
  return a.value === undefined ? `a=${v(a.name)}` : `a=${v(a.name)}:${v(a.value)}`;
}

function v(text: string): string {
  if (typeof text !== 'string' || LINE_BREAK.test(text)) throw new SdpError('bad-argument', `value ${JSON.stringify(String(text)).slice(0, 40)}`);
  return text;
}

function int(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new SdpError('bad-argument', `number ${n}`);
  return String(n);
}
