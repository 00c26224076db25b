/**
 * SIP trunks: a tenant's own (tenant YAML `trunks:`) and the provider's (pbx.yaml
 * `trunks:`, with the tenants allowed to use each). One schema for both.
 */
import { TRUNK_CODEC_LIST, TRUNK_FIELDS } from '../model/field-rules.js';
import { isTrunkHost, isTrunkSource } from '../model/trunk-addresses.js';
import { filePath, hostPort, objectName, sharedField } from './field-types.js';
import { parseCidr, parseHost } from './net-syntax.js';
import { isIP } from './net-syntax.js';
import { fromEnv, int, list, object, oneOf, str, strOrNumber, reject, type Schema, type Where } from './schema.js';
import { TENANT_ID_RE } from './tenant-id.js';
import type { TrunkConfig } from './types.js';

export const TRUNK_CODECS = TRUNK_CODEC_LIST;

const MAX_SOURCES = 256;

/**
 * A trunk's host or domain: the rule shared with the API (src/model/trunk-addresses.ts),
 * given in the config's normal form (lowercase, IPv6 without brackets, a trailing dot kept).
 */
function trunkHost(): Schema<string> {
  return str({ minLength: 1 }).to((s) => {
    if (!isTrunkHost(s)) return reject(`'${s}' is not an IP address or host name`);
    const dot = s.endsWith('.') && !s.startsWith('[') ? '.' : '';
    const h = parseHost(dot ? s.slice(0, -1) : s);
    return typeof h === 'string' ? h + dot : reject(h.problem);
  });
}

/** An allowed source: an address, a CIDR (in the config's normal form) or a host name the trunk layer resolves. */
function trunkSource(): Schema<string> {
  return str({ minLength: 1 }).to((s) => {
    if (!isTrunkSource(s)) return reject(`'${s}' is not an IP address, a CIDR or a host name`);
    const c = parseCidr(s);
    return typeof c === 'string' ? c : s.toLowerCase();
  });
}

const trunkFields = {
  name: objectName(),
  kind: oneOf(['register', 'ip']),
  host: trunkHost(),
  /** Default 5060, or 5061 for tls. */
  port: int({ min: 1, max: 65535 }).optional(),
  transport: oneOf(['udp', 'tcp', 'tls']).default('udp'),
  outboundProxy: hostPort().optional(),
  // Credentials at the carrier: `${NAME}` is read from the environment here (and only here).
  username: fromEnv(sharedField(TRUNK_FIELDS.username)).optional(),
  password: fromEnv(sharedField(TRUNK_FIELDS.password)).optional(),
  authUsername: fromEnv(sharedField(TRUNK_FIELDS.username)).optional(),
  domain: trunkHost().optional(),
  registerExpires: sharedField(TRUNK_FIELDS.registerExpires).default(3600),
  /** Required for ip trunks; for register trunks default: the host, when it is an IP address. */
  allowedSources: list(trunkSource(), { max: MAX_SOURCES, unique: { key: (c) => c, what: 'address' } }).optional(),
  codecs: list(sharedField(TRUNK_FIELDS.codec), { min: 1, unique: { key: (c) => c, what: 'codec' } }).optional(),
  maxChannels: sharedField(TRUNK_FIELDS.maxChannels).optional(),
};

type RawTrunk = { kind: 'register' | 'ip'; username?: string; password?: string; allowedSources?: string[] };

function checkTrunk(t: RawTrunk, where: Where): void {
  if (t.kind === 'register') {
    if (t.username === undefined) where.at('username').report('required for a register trunk (the account at the carrier)');
    if (t.password === undefined) where.at('password').report('required for a register trunk');
  }
  if (t.kind === 'ip') {
    if (t.allowedSources === undefined) where.at('allowedSources').report("required for an ip trunk: the carrier's addresses or CIDRs");
    else if (t.allowedSources.length === 0) where.at('allowedSources').report("must not be empty for an ip trunk: list the carrier's addresses or CIDRs");
  }
}

/** Fills in the defaults that depend on other keys: port by transport, allowedSources by host. */
function withDefaults<T extends { host: string; transport: TrunkConfig['transport']; port?: number; allowedSources?: string[] }>(t: T): T & { port: number; allowedSources: string[] } {
  const port = t.port ?? (t.transport === 'tls' ? 5061 : 5060);
  // A register trunk whose host is a DNS name gets no default: the trunk resolves it.
  const allowedSources = t.allowedSources ?? (isIP(t.host) ? [t.host] : []);
  return { ...t, port, allowedSources };
}

/** A tenant's trunk. */
export function trunkSchema(): Schema<TrunkConfig> {
  return object(trunkFields).check(checkTrunk).to(withDefaults);
}

/** Who may use a provider trunk: tenant ids, or ['*'] for every tenant. */
const trunkTenants = list(
  strOrNumber({ minLength: 1 }).to((s) => (s === '*' || TENANT_ID_RE.test(s) ? s : reject(`'${s}' is not a tenant id or '*'`))),
  { unique: { key: (s) => s, what: 'tenant' } },
).check((ids, where) => {
  if (ids.includes('*') && ids.length > 1) where.report("'*' (every tenant) must stand alone");
});

/**
 * A provider trunk's TLS settings: `ca`, a PEM file (relative to pbx.yaml) of the CAs
 * trusted for this carrier instead of the system's. Tenant trunks have none: a tenant
 * may not name files on the server, and uses the system's CAs.
 */
const trunkTls = object({ ca: filePath().optional() });

/** A provider trunk of pbx.yaml. */
export function providerTrunkSchema(): Schema<TrunkConfig & { tenants: string[] }> {
  return object({ ...trunkFields, tls: trunkTls.optional(), tenants: trunkTenants.default([]) })
    .check(checkTrunk)
    .to(withDefaults);
}

/** The trunks of one file: names unique. */
export function trunkList<T extends TrunkConfig>(item: Schema<T>): Schema<T[]> {
  return list(item, { max: 100, unique: { key: (t) => t.name, what: 'trunk', at: 'name' } });
}
