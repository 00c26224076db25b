import { checkAlgorithmList } from './auth-algorithms.js';
import { normalizeDomain } from './domain-name.js';
import { isE164 } from './e164.js';
import { computeHa1Set, type DigestAlgorithm } from './ha1.js';
import { CLASSES_OF_SERVICE, DEFAULT_CLASS_OF_SERVICE, type ClassOfService, type RoutingPlan } from './routing-plan.js';
import { validateRoutingSpec, type RoutingSpec } from './routing-spec.js';
import { TenantSpecError, type SpecProblem } from './tenant-errors.js';
import { isValidTenantId } from './tenant-id.js';
import { LIMIT_KEYS, type TenantLimits } from './tenant-limits.js';

export type { TenantLimits } from './tenant-limits.js';
export type { InboundRouteSpec, OutboundRouteSpec, RingGroupSpec, RoutingSpec, TrunkSpec } from './routing-spec.js';

/**
 * HA1 digests computed elsewhere (by `pbx tenant export`): stand in for a password, so a
 * tenant can be written out and applied back without anyone knowing its passwords. Valid
 * only for the realm they were computed with, which must be the tenant's realm.
 */
export interface Ha1Spec {
  realm: string;
  /** MD5(ext:realm:password), 32 lowercase hex digits. */
  md5: string;
  /** SHA-256(ext:realm:password), 64 lowercase hex digits. */
  sha256: string;
}

/** One extension as an operator declares it; the password is turned into HA1 digests on apply. */
export interface ExtensionSpec {
  ext: string;
  name: string;
  /** Exactly one of password and ha1. */
  password?: string;
  ha1?: Ha1Spec;
  /** Default true. */
  enabled?: boolean;
  maxContacts?: number;
  /** What the extension may dial outside; default 'national'. */
  classOfService?: ClassOfService;
  /** E.164 caller ID for its outbound calls; default the tenant's. */
  callerId?: string;
  /** Digest algorithms its answers may use (of those the tenant offers); default any. */
  algorithms?: readonly DigestAlgorithm[];
}

/**
 * A tenant as declared (e.g. by a YAML file). Structurally compatible with
 * TenantConfig in src/config/types.ts, which src/tenant may not import.
 * The numbering and routing fields (RoutingSpec) may be left out.
 */
export interface TenantSpec extends RoutingSpec {
  id: string;
  name: string;
  /** The first is the primary domain and the digest realm. */
  domains: readonly string[];
  limits: TenantLimits;
  extensions: readonly ExtensionSpec[];
}

/** An extension after validation: the password (or the given HA1) as the HA1 digests the store keeps. */
export interface ValidExtensionSpec {
  ext: string;
  name: string;
  enabled: boolean;
  classOfService: ClassOfService;
  ha1: Record<DigestAlgorithm, string>;
  maxContacts?: number;
  callerId?: string;
  algorithms?: DigestAlgorithm[];
}

/** A spec that passed validateTenantSpec: domains normalized, defaults filled in. */
export interface ValidTenantSpec {
  id: string;
  name: string;
  domains: string[];
  realm: string;
  limits: TenantLimits;
  extensions: ValidExtensionSpec[];
  /** Numbering, DIDs, trunks and routes with defaults filled in: what getRoutingPlan() reads back after apply. */
  routing: RoutingPlan;
}

/** Extension numbers (the digest username): no ':' (it separates the HA1 input), no '@', no spaces. */
const EXT_PATTERN = /^[A-Za-z0-9+][A-Za-z0-9+._-]{0,63}$/;
const MAX_NAME = 200;
const MAX_PASSWORD = 256;
const MAX_DOMAINS = 100;
const MAX_EXTENSIONS = 100_000;
const MAX_CONTACTS = 1000;

/**
 * Checks one extension (at `at`, e.g. `extensions[3]`; '' for paths without a prefix) as
 * a tenant file's are checked, for a tenant whose realm is `realm` (undefined when its
 * domains are wrong: the spec fails anyway); returns it with its HA1 digests, or
 * undefined after reporting every problem. The admin API checks what it is sent with it too.
 */
export function validateExtensionSpec(x: ExtensionSpec, at: string, realm: string | undefined, bad: (path: string, message: string) => void): ValidExtensionSpec | undefined {
  let failed = false;
  const path = (field: string) => (at === '' ? field : `${at}.${field}`);
  const fail = (p: string, message: string) => {
    failed = true;
    bad(p, message);
  };
  if (typeof x?.ext !== 'string' || !EXT_PATTERN.test(x.ext)) fail(path('ext'), 'must be 1-64 characters of A-Z a-z 0-9 + . _ -');
  if (typeof x?.name !== 'string' || x.name.length > MAX_NAME) fail(path('name'), `must be a string of at most ${MAX_NAME} characters`);
  const hasHa1 = x?.ha1 !== undefined;
  if (hasHa1 && x?.password !== undefined) fail(path('password'), 'give a password or ha1, not both');
  else if (hasHa1) checkHa1(x.ha1!, realm, path('ha1'), fail);
  else if (!isValidExtensionPassword(x?.password)) fail(path('password'), `must be a non-empty string of at most ${MAX_PASSWORD} characters`);
  if (x?.enabled !== undefined && typeof x.enabled !== 'boolean') fail(path('enabled'), 'must be true or false');
  if (x?.maxContacts !== undefined && (!Number.isInteger(x.maxContacts) || x.maxContacts < 1 || x.maxContacts > MAX_CONTACTS)) fail(path('maxContacts'), `must be a whole number from 1 to ${MAX_CONTACTS}`);
  if (x?.classOfService !== undefined && !CLASSES_OF_SERVICE.includes(x.classOfService)) fail(path('classOfService'), `must be one of ${CLASSES_OF_SERVICE.join(', ')}`);
  if (x?.callerId !== undefined && !isE164(x.callerId)) fail(path('callerId'), 'must be an E.164 number such as +14155550100');
  const algorithms = x?.algorithms === undefined ? undefined : checkAlgorithmList(x.algorithms, path('algorithms'), fail);
  if (failed) return undefined;
  const ha1 = hasHa1 ? { MD5: x.ha1!.md5, 'SHA-256': x.ha1!.sha256 } : computeHa1Set(x.ext, realm ?? '', x.password!);
  const e: ValidExtensionSpec = { ext: x.ext, name: x.name, enabled: x.enabled ?? true, classOfService: x.classOfService ?? DEFAULT_CLASS_OF_SERVICE, ha1 };
  if (x.maxContacts !== undefined) e.maxContacts = x.maxContacts;
  if (x.callerId !== undefined) e.callerId = x.callerId;
  if (algorithms !== undefined) e.algorithms = algorithms;
  return e;
}

/** The password rule of a tenant file's extensions. */
export function isValidExtensionPassword(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_PASSWORD;
}

/** Checks a spec completely and returns it normalized, or throws TenantSpecError listing every problem. */
export function validateTenantSpec(spec: TenantSpec): ValidTenantSpec {
  const problems: SpecProblem[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });
  const id = spec?.id;
  if (!isValidTenantId(id)) bad('id', 'must match ^[a-z0-9][a-z0-9-]{0,62}$');
  if (typeof spec?.name !== 'string' || spec.name.trim() === '' || spec.name.length > MAX_NAME) bad('name', `must be a non-empty string of at most ${MAX_NAME} characters`);

  const domains: string[] = [];
  if (!Array.isArray(spec?.domains) || spec.domains.length === 0) bad('domains', 'at least one domain is required (the first is the digest realm)');
  else if (spec.domains.length > MAX_DOMAINS) bad('domains', `at most ${MAX_DOMAINS} domains`);
  else {
    spec.domains.forEach((raw, i) => {
      const d = typeof raw === 'string' ? normalizeDomain(raw) : undefined;
      if (d === undefined) bad(`domains[${i}]`, 'not a host name or IP address');
      else if (domains.includes(d)) bad(`domains[${i}]`, `${d} is listed twice`);
      else domains.push(d);
    });
  }

  const limits: TenantLimits = {};
  const rawLimits: unknown = spec?.limits ?? {};
  if (typeof rawLimits !== 'object' || rawLimits === null || Array.isArray(rawLimits)) bad('limits', 'must be a mapping');
  else {
    for (const [k, v] of Object.entries(rawLimits)) {
      if (v === undefined) continue;
      if (!(LIMIT_KEYS as readonly string[]).includes(k)) bad(`limits.${k}`, `unknown limit (known: ${LIMIT_KEYS.join(', ')})`);
      else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`limits.${k}`, 'must be a number >= 0');
      else if (k !== 'callsPerSecond' && !Number.isInteger(v)) bad(`limits.${k}`, 'must be a whole number');
      else limits[k as keyof TenantLimits] = v;
    }
  }

  const extensions: ValidTenantSpec['extensions'] = [];
  const seen = new Set<string>();
  if (!Array.isArray(spec?.extensions)) bad('extensions', 'must be a list');
  else if (spec.extensions.length > MAX_EXTENSIONS) bad('extensions', `at most ${MAX_EXTENSIONS} extensions`);
  else {
    spec.extensions.forEach((x, i) => {
      const at = `extensions[${i}]`;
      const dup = typeof x?.ext === 'string' && EXT_PATTERN.test(x.ext) && seen.has(x.ext);
      if (dup) bad(`${at}.ext`, `extension ${x.ext} is listed twice`);
      const e = validateExtensionSpec(x, at, domains[0], bad);
      if (!e || dup) return;
      seen.add(e.ext);
      extensions.push(e);
    });
    if (limits.extensions !== undefined && spec.extensions.length > limits.extensions) {
      bad('extensions', `${spec.extensions.length} extensions exceed limits.extensions (${limits.extensions})`);
    }
  }

  // Every declared extension counts, valid or not, so one bad extension does not also
  // make every ring group and route that names it a problem.
  const known = new Set<string>();
  if (Array.isArray(spec?.extensions)) for (const x of spec.extensions) if (typeof x?.ext === 'string') known.add(x.ext);
  const routing = validateRoutingSpec(spec ?? ({} as RoutingSpec), known, bad);

  if (problems.length > 0) throw new TenantSpecError(isValidTenantId(id) ? id : undefined, problems);
  return { id, name: spec.name, domains, realm: domains[0]!, limits, extensions, routing };
}

const MD5_HEX = /^[0-9a-f]{32}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** HA1 digests are bound to their realm: they can only stand for a password of this tenant's realm. */
function checkHa1(h: Ha1Spec, realm: string | undefined, at: string, bad: (path: string, message: string) => void): void {
  if (typeof h !== 'object' || h === null) {
    bad(at, 'must be a mapping { realm, md5, sha256 }');
    return;
  }
  if (typeof h.realm !== 'string') bad(`${at}.realm`, 'must be the realm the digests were computed for');
  else if (realm !== undefined && normalizeDomain(h.realm) !== realm) {
    bad(`${at}.realm`, `the digests were computed for realm ${h.realm}, but this tenant's realm (its first domain) is ${realm}: give a password instead`);
  }
  if (typeof h.md5 !== 'string' || !MD5_HEX.test(h.md5)) bad(`${at}.md5`, 'must be 32 lowercase hex digits');
  if (typeof h.sha256 !== 'string' || !SHA256_HEX.test(h.sha256)) bad(`${at}.sha256`, 'must be 64 lowercase hex digits');
}
