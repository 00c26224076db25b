/** RFC 3261 §7.3.3 and the IANA registry: compact forms and their long names. */
const COMPACT: Record<string, string> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** How a header is written on the wire; names not listed are title-cased per dash. */
const DISPLAY: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
  'rack': 'RAck',
  'rseq': 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

/** Lowercase long form of a header name as read from the wire. */
export function canonicalName(raw: string): string {
  const lower = raw.toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? lower;
  return lower;
}

const displayCache = new Map<string, string>();

/** The spelling used when serializing a header whose canonical name is `name`. */
export function displayName(name: string): string {
  const known = DISPLAY[name];
  if (known) return known;
  let cached = displayCache.get(name);
  if (cached === undefined) {
    cached = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    if (displayCache.size < 1000) displayCache.set(name, cached);
  }
  return cached;
}

/**
 * Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so a value may be
 * split at top-level commas. Headers such as Authorization or Date contain commas that
 * are not separators and are never split.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'path',
  'service-route',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'allow-events',
  'in-reply-to',
  'p-asserted-identity',
  'reason',
  'security-client',
  'security-server',
  'security-verify',
]);

/** Headers that may appear at most once in a valid message (RFC 4475 §3.3.8); validate.ts enforces it. */
export const SINGLE_HEADERS: readonly string[] = ['call-id', 'to', 'from', 'cseq', 'max-forwards', 'content-length'];
