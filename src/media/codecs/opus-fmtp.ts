/**
 * The Opus format parameters of an SDP `a=fmtp:<pt> ...` line (RFC 7587 §6.1), parsed leniently:
 * the text comes from the network, so nothing here throws. A parameter that is unknown, repeated,
 * malformed or out of range keeps its default and is named in `ignored` (for a log line).
 *
 * Every parameter describes what the party that wrote it can RECEIVE (or, for sprop-*, what it is
 * likely to send): the remote's fmtp therefore shapes our encoder, never our decoder, which always
 * decodes whatever arrives at 48 kHz.
 *
 * Opus's RTP clock is always 48000 Hz and its rtpmap is always `opus/48000/2`, whatever rate and
 * channel count are really used (RFC 7587 §7): neither the clock rate nor the "2" say anything
 * about the stream. Mono/stereo is signalled only by `stereo` / `sprop-stereo` here.
 */
export interface OpusFmtp {
  /** Highest rate the receiver renders, 8000..48000 Hz; the encoder limits its audio bandwidth to it. Default 48000. */
  maxplaybackrate: number;
  /** Highest rate the sender captures, 8000..48000 Hz (a hint). Default 48000. */
  spropMaxcapturerate: number;
  /** Highest average bitrate the receiver wants, 6000..510000 bit/s; undefined when not given. */
  maxaveragebitrate: number | undefined;
  /** The receiver prefers stereo. Default false. We encode mono anyway: stereo=1 only means it CAN receive stereo. */
  stereo: boolean;
  /** The sender is likely to send stereo. Default false. */
  spropStereo: boolean;
  /** The receiver asks for constant bitrate. Default false. */
  cbr: boolean;
  /** The receiver can use in-band FEC: the sender should add it. Default false. */
  useinbandfec: boolean;
  /** The receiver prefers discontinuous transmission. Default false. */
  usedtx: boolean;
  /** Shortest packet duration (ms) the receiver wants (a common non-RFC 7587 extension, e.g. minptime=10). */
  minptime: number | undefined;
  /** Parameters that were not understood or not valid, as `name=value`, kept for a log line. */
  ignored: string[];
}

export const OPUS_FMTP_DEFAULTS: Readonly<Omit<OpusFmtp, 'ignored'>> = Object.freeze({
  maxplaybackrate: 48000,
  spropMaxcapturerate: 48000,
  maxaveragebitrate: undefined,
  stereo: false,
  spropStereo: false,
  cbr: false,
  useinbandfec: false,
  usedtx: false,
  minptime: undefined,
});

/** The longest fmtp value text we look at; anything longer is hostile. */
const MAX_FMTP_LENGTH = 1024;
/** At most this many parameters are read (a real Opus fmtp has fewer than ten). */
const MAX_PARAMS = 32;

/** RFC 7587 §6.1: maxplaybackrate and sprop-maxcapturerate are 8000..48000. */
const RATE_MIN = 8000;
const RATE_MAX = 48000;
/** RFC 7587 §6.1: "values outside the range 6000 to 510000 SHOULD be ignored". */
const BITRATE_MIN = 6000;
const BITRATE_MAX = 510000;
/** Opus packets carry 2.5 ms to 120 ms of audio (RFC 6716 §3.2). */
const PTIME_MIN = 3;
const PTIME_MAX = 120;

/**
 * Parse the parameter text of an Opus fmtp line: `minptime=10;useinbandfec=1` (the part after the
 * payload type). Separators are `;` with optional spaces; names are case-insensitive; a name
 * given twice keeps its first value. Never throws.
 */
export function parseOpusFmtp(text: unknown): OpusFmtp {
  const out: OpusFmtp = { ...OPUS_FMTP_DEFAULTS, ignored: [] };
  if (typeof text !== 'string') return out;
  let body = text;
  if (body.length > MAX_FMTP_LENGTH) {
    out.ignored.push(`(${body.length - MAX_FMTP_LENGTH} characters past ${MAX_FMTP_LENGTH})`);
    body = body.slice(0, MAX_FMTP_LENGTH);
  }
  const seen = new Set<string>();
  const parts = body.split(';').map((x) => x.trim()).filter((x) => x !== '');
  if (parts.length > MAX_PARAMS) {
    out.ignored.push(`(${parts.length - MAX_PARAMS} parameters past ${MAX_PARAMS})`);
    parts.length = MAX_PARAMS;
  }
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (seen.has(name) || !apply(out, name, value)) {
      out.ignored.push(printable(part));
      continue;
    }
    seen.add(name);
  }
  return out;
}

/** Set one known parameter; false when the name is unknown or the value not valid. */
function apply(out: OpusFmtp, name: string, value: string): boolean {
  switch (name) {
    case 'maxplaybackrate':
      return setInt(value, RATE_MIN, RATE_MAX, (n) => (out.maxplaybackrate = n));
    case 'sprop-maxcapturerate':
      return setInt(value, RATE_MIN, RATE_MAX, (n) => (out.spropMaxcapturerate = n));
    case 'maxaveragebitrate':
      return setInt(value, BITRATE_MIN, BITRATE_MAX, (n) => (out.maxaveragebitrate = n));
    case 'minptime':
      return setInt(value, PTIME_MIN, PTIME_MAX, (n) => (out.minptime = n));
    case 'stereo':
      return setFlag(value, (b) => (out.stereo = b));
    case 'sprop-stereo':
      return setFlag(value, (b) => (out.spropStereo = b));
    case 'cbr':
      return setFlag(value, (b) => (out.cbr = b));
    case 'useinbandfec':
      return setFlag(value, (b) => (out.useinbandfec = b));
    case 'usedtx':
      return setFlag(value, (b) => (out.usedtx = b));
    default:
      return false;
  }
}

/** A decimal integer in [min, max] (no sign, no exponent, no fraction, at most 7 digits). */
function setInt(value: string, min: number, max: number, set: (n: number) => void): boolean {
  if (!/^[0-9]{1,7}$/.test(value)) return false;
  const n = Number(value);
  if (n < min || n > max) return false;
  set(n);
  return true;
}

/** RFC 7587 flags are exactly `0` or `1`. */
function setFlag(value: string, set: (b: boolean) => void): boolean {
  if (value !== '0' && value !== '1') return false;
  set(value === '1');
  return true;
}

/** A parameter as it may appear in a log line: printable ASCII only, at most 64 characters. */
function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? clean.slice(0, 64) + '…' : clean;
}

/**
 * The fmtp parameter text we write for the Opus we receive: we decode FEC-bearing and
 * stereo streams alike, but ask for mono (stereo=0 is the default and is said for clarity).
 */
export function formatOpusFmtp(p: { useinbandfec?: boolean; maxaveragebitrate?: number; stereo?: boolean; minptime?: number }): string {
  const parts: string[] = [];
  if (p.minptime !== undefined) parts.push(`minptime=${p.minptime}`);
  if (p.useinbandfec !== undefined) parts.push(`useinbandfec=${p.useinbandfec ? 1 : 0}`);
  if (p.maxaveragebitrate !== undefined) parts.push(`maxaveragebitrate=${p.maxaveragebitrate}`);
  parts.push(`stereo=${p.stereo ? 1 : 0}`);
  return parts.join(';');
}
