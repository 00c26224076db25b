/**
 * What never reaches a log line, as pino `redact` options plus a scrub of the message text.
 *
 * Field names whose whole value is a secret are replaced by `[redacted]`, at the top level
 * of a line's fields (and bound fields) and inside the objects named in SECRET_PARENTS
 * (`trunk.password`). Not `*.password`: a wildcard path costs pino's redaction (fast-redact)
 * about half its speed each, 15 of them made a line 10 times dearer (bench/observability);
 * explicit paths cost next to nothing. Fields that carry a SIP header or SDP keep their shape and lose only the
 * secret parts:
 * - `Authorization` / `Proxy-Authorization` (RFC 3261 §22.4, RFC 2617 §3.2.2): the digest
 *   `response` and `nonce` (and `cnonce`) parameters; username and realm stay, they are what
 *   an operator needs to see who failed;
 * - SDES key parameters (RFC 4568 §6.1, `a=crypto:… inline:<key||lifetime|MKI>`): the key;
 * - API tokens `pbx_<id>_<secret>` (src/store/api-token-store.ts): the secret; the id stays.
 * The message text itself gets the same scrub (scrubSecrets), as it may quote a header.
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
  // An extension's HA1 digests are as good as its password (RFC 7616 §5.13).
  'ha1',
];

/** Fields holding a header value or SDP: only the secret parts are replaced (any other kind of value is). */
export const SCRUBBED_FIELDS: readonly string[] = ['authorization', 'proxyAuthorization', 'proxy-authorization', 'crypto', 'sdp', 'header', 'raw'];

/** Free text that may quote what came in (a parse error naming a header): scrubbed when a string, else kept. */
export const FREE_TEXT_FIELDS: readonly string[] = ['error', 'reason', 'detail'];

/** Objects a line may carry whole (a config entry, a request) whose secret fields are redacted too. */
export const SECRET_PARENTS: readonly string[] = ['extension', 'ext', 'trunk', 'user', 'account', 'credentials', 'auth', 'headers', 'request', 'req', 'config', 'srtp'];

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`;
}

/** The fast-redact paths (documented in config/pbx.yaml under log:). */
export const REDACT_PATHS: readonly string[] = (() => {
  const names = [...SECRET_FIELDS, ...SCRUBBED_FIELDS, ...FREE_TEXT_FIELDS].map(key);
  return [...names, ...SECRET_PARENTS.flatMap((p) => names.map((n) => (n.startsWith('[') ? `${p}${n}` : `${p}.${n}`)))];
})();

const DIGEST_SECRET = /\b(response|nonce|cnonce)\s*=\s*("[^"]*"|[^\s,]+)/gi;
const SDES_KEY = /\binline:[^\s|"]+/g;
const API_TOKEN = /\bpbx_([a-f0-9]{16})_[A-Za-z0-9_-]+/g;

/** A string with digest response/nonce and SDES keys replaced; other text unchanged. */
export function scrubSecrets(text: string): string {
  if (text.includes('inline:')) text = text.replace(SDES_KEY, `inline:${REDACTED}`);
  if (/response|nonce/i.test(text)) text = text.replace(DIGEST_SECRET, (_m, k: string) => `${k}="${REDACTED}"`);
  if (text.includes('pbx_')) text = text.replace(API_TOKEN, `pbx_$1_${REDACTED}`);
  return text;
}

const scrubbed = new Set(SCRUBBED_FIELDS);
const freeText = new Set(FREE_TEXT_FIELDS);

function censor(value: unknown, path: string[]): unknown {
  const last = path[path.length - 1] ?? '';
  if (freeText.has(last)) return typeof value === 'string' ? scrubSecrets(value) : value;
  if (!scrubbed.has(last)) return REDACTED;
  if (typeof value === 'string') return scrubSecrets(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? scrubSecrets(v) : REDACTED));
  return REDACTED;
}

export const redaction: redactOptions = { paths: [...REDACT_PATHS], censor };
