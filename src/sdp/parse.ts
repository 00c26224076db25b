import { SdpError } from './sdp-error.js';
import type { Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, Timing } from './types.js';

export interface SdpLimits {
  /** Whole description, in octets (Buffer) or characters (string). */
  maxBytes: number;
  maxLines: number;
  maxLineLength: number;
  /** m= sections. */
  maxMedia: number;
  /** a= lines of one section (the session, or one media description). */
  maxAttributes: number;
  /** Formats on one m= line. */
  maxFormats: number;
}

/**
 * Generous for real phones and WebRTC gateways (a browser offer with ICE candidates and
 * video is 5-10 KB), small enough that hostile input costs little.
 */
export const SDP_LIMITS: SdpLimits = {
  maxBytes: 65_536,
  maxLines: 2_000,
  maxLineLength: 4_096,
  maxMedia: 32,
  maxAttributes: 512,
  maxFormats: 128,
};

const SPACES = /[ \t]+/;
const DIGITS = /^\d{1,15}$/;
const BANDWIDTH = /^([A-Za-z0-9_.+-]+):(\d{1,15})$/;
const TIMING = /^(\d{1,15})[ \t]+(\d{1,15})$/;
/** RFC 8866 §9 att-field is a token; read liberally: anything but whitespace and ':'. */
const ATTRIBUTE_NAME = /^[^\s:]+$/;

/**
 * Parse a session description (RFC 8866 §5, §9). Lenient where real phones are sloppy:
 * LF or CRLF, blank lines, runs of spaces between fields, session-level lines out of
 * order, lines of unknown type (kept), no s= or t=. Strict where it matters: v=0 first,
 * one o=, no duplicate v=/o=/s=/c=, every line `<letter>=<value>` without NUL or CR,
 * m= ports in range, every bound in `limits`.
 *
 * Throws SdpError and nothing else.
 */
export function parseSdp(input: string | Buffer, limits: SdpLimits = SDP_LIMITS): SessionDescription {
  try {
    return parse(input, limits);
  } catch (err) {
    if (err instanceof SdpError) throw err;
    // Not reached by any known input; a parser bug must still surface as an SDP error.
    throw new SdpError('bad-line', 'unreadable description');
  }
}

function parse(input: string | Buffer, limits: SdpLimits): SessionDescription {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (Buffer.isBuffer(input)) {
    if (input.length > limits.maxBytes) throw new SdpError('too-large', `${input.length} octets`);
    text = input.toString('utf8');
  } else throw new SdpError('not-text', `got ${typeof input}`);
  if (text.length > limits.maxBytes) throw new SdpError('too-large', `${text.length} characters`);

  let sd: (Omit<SessionDescription, 'origin'> & { origin?: Origin }) | undefined;
  let media: MediaDescription | undefined;
  let sessionName: string | undefined;
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (lineNo > limits.maxLines) throw new SdpError('too-large', `more than ${limits.maxLines} lines`);
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);
    if (line.length > limits.maxLineLength) throw new SdpError('too-large', `line of ${line.length} characters`, lineNo);
    if (isBlank(line)) continue;
    const type = line.charCodeAt(0);
    if (type < 0x61 || type > 0x7a || line.charCodeAt(1) !== 0x3d) throw new SdpError('bad-line', 'not <letter>=<value>', lineNo);
    const letter = line[0]!;
    const value = line.slice(2);
    if (value.includes('\r') || value.includes('\0')) throw new SdpError('bad-line', 'NUL or CR inside a line', lineNo);

    if (sd === undefined) {
      // RFC 8866 §5: the description starts with v=.
      if (letter !== 'v') throw new SdpError('bad-version', 'the first line is not v=', lineNo);
      if (value.trim() !== '0') throw new SdpError('bad-version', `v=${value.slice(0, 20)}`, lineNo);
      sd = { version: 0, sessionName: '-', bandwidths: [], timing: [], attributes: [], media: [], other: [] };
      continue;
    }

    if (letter === 'm') {
      if (sd.media.length >= limits.maxMedia) throw new SdpError('too-large', `more than ${limits.maxMedia} m= lines`, lineNo);
      media = parseMedia(value, limits, lineNo);
      sd.media.push(media);
      continue;
    }

    if (media !== undefined) {
      switch (letter) {
        case 'c':
          if (media.connection) throw new SdpError('duplicate-line', 'second c= in a media description', lineNo);
          media.connection = parseConnection(value, lineNo);
          break;
        case 'b':
          media.bandwidths.push(parseBandwidth(value, lineNo));
          break;
        case 'a':
          if (media.attributes.length >= limits.maxAttributes) throw new SdpError('too-large', `more than ${limits.maxAttributes} a= lines`, lineNo);
          media.attributes.push(parseAttribute(value, lineNo));
          break;
        case 'v':
        case 'o':
        case 's':
        case 't':
        case 'r':
          throw new SdpError('bad-line', `${letter}= inside a media description`, lineNo);
        default:
          media.other.push({ type: letter, value });
      }
      continue;
    }

    switch (letter) {
      case 'v':
        throw new SdpError('duplicate-line', 'second v=', lineNo);
      case 'o':
        if (sd.origin) throw new SdpError('duplicate-line', 'second o=', lineNo);
        sd.origin = parseOrigin(value, lineNo);
        break;
      case 's':
        if (sessionName !== undefined) throw new SdpError('duplicate-line', 'second s=', lineNo);
        sessionName = value;
        break;
      case 'c':
        if (sd.connection) throw new SdpError('duplicate-line', 'second session-level c=', lineNo);
        sd.connection = parseConnection(value, lineNo);
        break;
      case 'b':
        sd.bandwidths.push(parseBandwidth(value, lineNo));
        break;
      case 't':
        sd.timing.push(parseTiming(value, lineNo));
        break;
      case 'r': {
        const last = sd.timing[sd.timing.length - 1];
        if (!last) throw new SdpError('bad-timing', 'r= before any t=', lineNo);
        last.repeats.push(value);
        break;
      }
      case 'a':
        if (sd.attributes.length >= limits.maxAttributes) throw new SdpError('too-large', `more than ${limits.maxAttributes} a= lines`, lineNo);
        sd.attributes.push(parseAttribute(value, lineNo));
        break;
      default:
        sd.other.push({ type: letter, value });
    }
  }
  if (sd === undefined) throw new SdpError('bad-version', 'empty description');
  const origin = sd.origin;
  if (!origin) throw new SdpError('missing-line', 'no o= line');
  if (sessionName !== undefined) sd.sessionName = sessionName;
  return { ...sd, origin };
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

function fields(value: string): string[] {
  const t = value.trim();
  return t === '' ? [] : t.split(SPACES);
}

function parseOrigin(value: string, lineNo: number): Origin {
  const f = fields(value);
  if (f.length !== 6) throw new SdpError('bad-origin', `${f.length} fields, expected 6`, lineNo);
  return { username: f[0]!, sessionId: f[1]!, sessionVersion: f[2]!, netType: f[3]!, addrType: f[4]!, address: f[5]! };
}

function parseConnection(value: string, lineNo: number): Connection {
  const f = fields(value);
  if (f.length !== 3) throw new SdpError('bad-connection', `${f.length} fields, expected 3`, lineNo);
  return { netType: f[0]!, addrType: f[1]!, address: f[2]! };
}

function parseBandwidth(value: string, lineNo: number): Bandwidth {
  const m = BANDWIDTH.exec(value.trim());
  if (!m) throw new SdpError('bad-bandwidth', 'not <type>:<digits>', lineNo);
  return { type: m[1]!, value: Number(m[2]) };
}

function parseTiming(value: string, lineNo: number): Timing {
  const m = TIMING.exec(value.trim());
  if (!m) throw new SdpError('bad-timing', 'not <start> <stop>', lineNo);
  return { start: Number(m[1]), stop: Number(m[2]), repeats: [] };
}

function parseAttribute(value: string, lineNo: number): Attribute {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (!ATTRIBUTE_NAME.test(name)) throw new SdpError('bad-attribute', 'no attribute name', lineNo);
  return colon < 0 ? { name } : { name, value: value.slice(colon + 1) };
}

function parseMedia(value: string, limits: SdpLimits, lineNo: number): MediaDescription {
  const f = fields(value);
  if (f.length < 3) throw new SdpError('bad-media', 'not <media> <port> <proto> <fmt>...', lineNo);
  if (f.length - 3 > limits.maxFormats) throw new SdpError('too-large', `more than ${limits.maxFormats} formats`, lineNo);
  const [portText, countText, extra] = f[1]!.split('/');
  if (extra !== undefined || !DIGITS.test(portText!)) throw new SdpError('bad-media', 'port is not a number', lineNo);
  const port = Number(portText);
  if (port > 65535) throw new SdpError('bad-media', `port ${port} out of range`, lineNo);
  const media: MediaDescription = { type: f[0]!, port, proto: f[2]!, formats: f.slice(3), bandwidths: [], attributes: [], other: [] };
  if (countText !== undefined) {
    if (!DIGITS.test(countText)) throw new SdpError('bad-media', 'port count is not a number', lineNo);
    const count = Number(countText);
    if (count < 1 || count > 65535) throw new SdpError('bad-media', `port count ${count} out of range`, lineNo);
    media.portCount = count;
  }
  return media;
}
