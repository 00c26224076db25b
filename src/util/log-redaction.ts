/**
 * What never reaches a log line, as pino `redact` options plus a scrub of the message text.
 *
 * Field names whose whole value is a secret are replaced by `[redacted]`, at the top level
 * of a line's fields (and bound fields) and one level down (`*.password`: fast-redact paths
 * are fixed-depth). Fields that carry a SIP header or SDP keep their shape and lose only the
 * secret parts:
 * - `Authorization` / `Proxy-Authorization` (RFC 3261 §22.4, RFC 2617 §3.2.2): the digest
 *   `response` and `nonce` (and `cnonce`) parameters; username and realm stay, they are what
 *   an operator needs to see who failed;
 * - SDES key parameters (RFC 4568 §6.1, `a=crypto:… inline:<key||lifetime|MKI>`): the key.
 */
import type { redactOptions } from 'pino';

export const REDACTED = '[redacted]';

/** Fields whose value is a secret as a whole. */
export const SECRET_FIELDS: readonly string[] = [
  'password',
  'sipPassword',
  'webPassword',
  'secret',
  // Not `token`: the API's request line logs `token=<token id>`, the name of the token used.
  'apiToken',
  'bearer',
  'adminToken',
  'cookie',
  'srtpKey',
  'masterKey',
];

/** Fields holding a header value or SDP: only the secret parts are replaced. */
export const SCRUBBED_FIELDS: readonly string[] = ['authorization', 'proxyAuthorization', 'proxy-authorization', 'crypto', 'sdp'];

function pathsOf(name: string): string[] {
  const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`;
  return [key, key.startsWith('[') ? `*${key}` : `*.${key}`];
}

/** The fast-redact paths (documented in config/pbx.yaml under log:). */
export const REDACT_PATHS: readonly string[] = [...SECRET_FIELDS, ...SCRUBBED_FIELDS].flatMap(pathsOf);

const DIGEST_SECRET = /\b(response|nonce|cnonce)\s*=\s*("[^"]*"|[^\s,]+)/gi;
const SDES_KEY = /\binline:[^\s|"]+/g;

/** A string with digest response/nonce and SDES keys replaced; other text unchanged. */
export function scrubSecrets(text: string): string {
  if (text.includes('inline:')) text = text.replace(SDES_KEY, `inline:${REDACTED}`);
  if (/response|nonce/i.test(text)) text = text.replace(DIGEST_SECRET, (_m, k: string) => `${k}="${REDACTED}"`);
  return text;
}

const scrubbed = new Set(SCRUBBED_FIELDS);

function censor(value: unknown, path: string[]): unknown {
  const last = path[path.length - 1] ?? '';
  if (!scrubbed.has(last)) return REDACTED;
  if (typeof value === 'string') return scrubSecrets(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? scrubSecrets(v) : REDACTED));
  return REDACTED;
}

export const redaction: redactOptions = { paths: [...REDACT_PATHS], censor };
