import { isTrunkHost, isTrunkSource, TRUNK_HOST_PROBLEM, TRUNK_SOURCE_PROBLEM } from '../model/trunk-addresses.js';
import type { Trunk } from '../model/routing-plan.js';
import type { TrunkFields } from '../model/trunk.js';
import { eachOf, isIntIn, type Report } from './spec-checks.js';
import { checkField, ROUTING_FIELDS, TRUNK_FIELDS, type FieldRule } from '../model/field-rules.js';

/** A trunk as declared; structurally compatible with TrunkConfig of src/config/types.ts. */
export interface TrunkSpec {
  name: string;
  kind: TrunkFields['kind'];
  host: string;
  /** Default 5060, 5061 for tls. */
  port?: number;
  /** Default udp. */
  transport?: TrunkFields['transport'];
  outboundProxy?: { host: string; port: number };
  username?: string;
  password?: string;
  authUsername?: string;
  domain?: string;
  /** Default 3600. */
  registerExpires?: number;
  /** Required (non-empty) for ip trunks; for register trunks default [host]. */
  allowedSources?: readonly string[];
  codecs?: readonly string[];
  maxChannels?: number;
}

export const TRUNK_NAME = new RegExp(ROUTING_FIELDS.objectName.pattern, 'u');
const MAX_SOURCES = 256;
const MAX_CODECS = 32;
const DEFAULT_REGISTER_EXPIRES = 3600;

const isHost = isTrunkHost;

/** Checks one trunk; returns it with defaults filled in, or undefined after reporting every problem. */
export function validateTrunk(x: TrunkSpec, at: string, bad: Report): Trunk | undefined {
  let failed = false;
  const fail = (path: string, message: string) => {
    failed = true;
    bad(`${at}.${path}`, message);
  };
  if (typeof x !== 'object' || x === null) {
    bad(at, 'must be a mapping');
    return undefined;
  }
  if (typeof x.name !== 'string' || !TRUNK_NAME.test(x.name)) fail('name', 'must be 1-63 characters of a-z 0-9 -');
  if (x.kind !== 'register' && x.kind !== 'ip') fail('kind', "must be 'register' or 'ip'");
  if (!isHost(x.host)) fail('host', TRUNK_HOST_PROBLEM);
  const transport = x.transport ?? 'udp';
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') fail('transport', 'must be udp, tcp or tls');
  const port = x.port ?? (transport === 'tls' ? 5061 : 5060);
  if (!isIntIn(port, 1, 65535)) fail('port', 'must be a port number 1-65535');
  if (x.outboundProxy !== undefined) {
    if (!isHost(x.outboundProxy?.host)) fail('outboundProxy.host', 'must be a host name or IP address');
    if (!isIntIn(x.outboundProxy?.port, 1, 65535)) fail('outboundProxy.port', 'must be a port number 1-65535');
  }
  // Credentials, expiry, channels and codecs: the rules shared with the YAML and the API (src/model/field-rules.ts).
  const field = (path: string, rule: FieldRule, v: unknown) => {
    const problem = v === undefined ? undefined : checkField(rule, v);
    if (problem !== undefined) fail(path, problem);
  };
  field('username', TRUNK_FIELDS.username, x.username);
  field('authUsername', TRUNK_FIELDS.username, x.authUsername);
  field('password', TRUNK_FIELDS.password, x.password);
  if (x.kind === 'register') {
    if (x.username === undefined) fail('username', 'a register trunk needs credentials');
    if (x.password === undefined) fail('password', 'a register trunk needs credentials');
  }
  if (x.domain !== undefined && !isHost(x.domain)) fail('domain', TRUNK_HOST_PROBLEM);
  const registerExpires = x.registerExpires ?? DEFAULT_REGISTER_EXPIRES;
  field('registerExpires', TRUNK_FIELDS.registerExpires, registerExpires);

  const sources: string[] = [];
  eachOf(fail, 'allowedSources', x.allowedSources, MAX_SOURCES, (s, p) => {
    if (!isTrunkSource(s)) fail(p, TRUNK_SOURCE_PROBLEM);
    else if (sources.includes(s)) fail(p, `${s} is listed twice`);
    else sources.push(s);
  });
  if (!Array.isArray(x.allowedSources) || x.allowedSources.length === 0) {
    if (x.kind === 'ip') fail('allowedSources', 'an ip trunk needs at least one address or CIDR');
    else if (isHost(x.host)) sources.push(x.host);
  }

  const codecs: string[] = [];
  eachOf(fail, 'codecs', x.codecs, MAX_CODECS, (c, p) => {
    const problem = checkField(TRUNK_FIELDS.codec, c);
    if (problem !== undefined) fail(p, problem);
    else if (codecs.some((k) => k.toLowerCase() === (c as string).toLowerCase())) fail(p, `${c} is listed twice`);
    else codecs.push(c as string);
  });
  field('maxChannels', TRUNK_FIELDS.maxChannels, x.maxChannels);
  if (failed) return undefined;

  const t: Trunk = { name: x.name, kind: x.kind, host: x.host, port, transport, registerExpires, allowedSources: sources };
  if (x.outboundProxy !== undefined) t.outboundProxy = { host: x.outboundProxy.host, port: x.outboundProxy.port };
  if (x.username !== undefined) t.username = x.username;
  if (x.password !== undefined) t.password = x.password;
  if (x.authUsername !== undefined) t.authUsername = x.authUsername;
  if (x.domain !== undefined) t.domain = x.domain;
  if (x.codecs !== undefined) t.codecs = codecs;
  if (x.maxChannels !== undefined) t.maxChannels = x.maxChannels;
  return t;
}
