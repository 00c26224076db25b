/**
 * tenants/<id>.yaml: one customer organisation, provisioned declaratively
 * (DESIGN.md, "Configuration").
 */
import { basename, resolve } from 'node:path';
import type { Env } from './env-subst.js';
import { decodeYaml } from './decode-yaml.js';
import { FIELDS, LIMIT_RULES } from '../model/field-rules.js';
import { normalizeDomain } from '../model/domain-name.js';
import { sharedField } from './field-types.js';
import { isDnsName, isIPv4, isIPv6 } from './net-syntax.js';
import { countryCode, e164, nationalPrefix } from './phone-numbers.js';
import { ringGroupList } from './ring-group-config.js';
import { conferenceList } from './conference-config.js';
import { dndSchema, featureCodesSchema, forwardSchema } from './call-flow-config.js';
import { voicemailBoxList, voicemailSettings } from './voicemail-config.js';
import { callFlowFields, checkCallFlows, callFlowsConfig } from './call-flows-config.js';
import type { CallFlows } from '../model/call-flows.js';
import { inboundRouteList, outboundRouteList } from './route-config.js';
import { bool, fromEnv, list, object, oneOf, reject, str, strOrNumber, type Where } from './schema.js';
import { checkTenantReferences } from './tenant-references.js';
import { TENANT_ID_RE } from './tenant-id.js';
import { trunkList, trunkSchema } from './trunk-config.js';
import { natKeepaliveSchema } from './nat-keepalive-config.js';
import { checkPark, checkPickupGroups, parkConfig, parkSchema, pickupGroupsSchema } from './pickup-park-config.js';
import { checkWebhooks, webhookList } from './webhook-config.js';
import type { TenantConfig, TrunkConfig } from './types.js';

/** Why a tenant trunk may not point at a host (src/util/outbound-address-policy.ts fits). */
export interface TrunkAddressCheck {
  hostRefusal(host: string): string | undefined;
}

export { TENANT_ID_RE };

/** The tenant id a file name stands for: its base name without .yaml or .yml. */
export function tenantIdOfFile(file: string): string {
  return basename(file).replace(/\.ya?ml$/i, '');
}

/**
 * A SIP domain: a DNS name or an IP literal, lowercased. An IPv6 literal is kept in
 * brackets, as the host of a SIP URI is (RFC 3261 §19.1.1), so that lookups by
 * Request-URI host find it.
 */
const domain = str({ minLength: 1 }).to((s) => {
  const d = s.toLowerCase();
  // The tenant layer's rule (shared with the admin API) and the config's host syntax.
  if (normalizeDomain(d) === undefined) return reject(`'${s}' is not a domain name or IP address`);
  if (isDnsName(d) || isIPv4(d)) return d;
  const bare = d.startsWith('[') && d.endsWith(']') ? d.slice(1, -1) : d;
  if (isIPv6(bare)) return `[${bare}]`;
  return reject(`'${s}' is not a domain name or IP address`);
});

/**
 * HA1 digests in place of a password, as `pbx tenant export` writes them: valid only
 * for the realm they were computed with, which must be the tenant's first domain.
 */
const ha1 = object({
  realm: str({ minLength: 1 }).to((r) => r.toLowerCase()),
  md5: str().to((h) => (/^[0-9a-f]{32}$/.test(h) ? h : reject('must be 32 lowercase hex digits (MD5 of ext:realm:password)'))),
  sha256: str().to((h) => (/^[0-9a-f]{64}$/.test(h) ? h : reject('must be 64 lowercase hex digits (SHA-256 of ext:realm:password)'))),
});

/** Digest algorithms, most preferred first (RFC 8760 §2.4), as pbx.yaml's auth.algorithms. */
const algorithms = () => list(oneOf(['SHA-256', 'MD5']), { min: 1, unique: { key: (a) => a, what: 'algorithm' } });

const extension = object({
  ext: sharedField(FIELDS.ext, { numbers: true }),
  name: sharedField(FIELDS.extName).optional(),
  /** Exactly one of password and ha1. `${NAME}` is read from the environment here. */
  password: fromEnv(sharedField(FIELDS.password)).optional(),
  ha1: ha1.optional(),
  enabled: bool().default(true),
  /** Overrides registrar.maxContactsPerAor. */
  maxContacts: sharedField(FIELDS.maxContacts).optional(),
  /** What it may dial outside; emergency numbers are always allowed. */
  classOfService: sharedField(FIELDS.classOfService).default('national'),
  /** Outbound caller ID; default the tenant's callerId. */
  callerId: e164().optional(),
  /** Which of the tenant's offered algorithms its answers may use; the challenge stays the tenant's. */
  algorithms: algorithms().optional(),
  /** Call recording: never, always, on-demand; absent: the tenant's. */
  recording: sharedField(FIELDS.recording).optional(),
  /** SDES-SRTP: none, optional, required; absent: the tenant's. */
  srtp: sharedField(FIELDS.srtp).optional(),
  /** Forwards (call-flow-config.ts) and do-not-disturb; a phone's *72/*78 may change them until the file does. */
  forward: forwardSchema().optional(),
  dnd: dndSchema().optional(),
  /** Its voicemail box (numbered as the extension; present by default). */
  voicemail: voicemailSettings().optional(),
  /** Console login (issue 14): 8-128 characters, or a `$scrypt$` hash as `pbx web-password-hash` prints. */
  webPassword: fromEnv(str()).to((p) => (p.startsWith('$scrypt$') || (p.length >= 8 && p.length <= 128) ? p : reject('must be 8 to 128 characters (or a $scrypt$ hash)'))).optional(),
  webAdmin: bool().optional(),
}).check((e, where) => {
  if (e.password === undefined && e.ha1 === undefined) where.at('password').report('a password is required (or ha1: { realm, md5, sha256 } as pbx tenant export writes)');
  if (e.password !== undefined && e.ha1 !== undefined) where.at('ha1').report('give either password or ha1, not both');
});

export const tenantSchema = object({
  id: strOrNumber().to((id, ctx) => {
    if (!TENANT_ID_RE.test(id)) return reject(`'${id}' is not a tenant id: 1-63 lowercase letters, digits and '-', not starting with '-'`);
    const expected = tenantIdOfFile(ctx.file);
    return id === expected ? id : reject(`'${id}' does not match the file name ${basename(ctx.file)} (expected '${expected}')`);
  }),
  name: sharedField(FIELDS.tenantName).optional(),
  domains: list(domain, { min: 1, unique: { key: (d) => d, what: 'domain' } }),
  /** Each a whole number from 0 to its maximum (LIMIT_MAXIMUMS); absent: no limit. */
  limits: object({
    calls: sharedField(LIMIT_RULES.calls).optional(),
    extensions: sharedField(LIMIT_RULES.extensions).optional(),
    storageMB: sharedField(LIMIT_RULES.storageMB).optional(),
    registrations: sharedField(LIMIT_RULES.registrations).optional(),
    callsPerSecond: sharedField(LIMIT_RULES.callsPerSecond).optional(),
    callsPerExtension: sharedField(LIMIT_RULES.callsPerExtension).optional(),
    /** Concurrent calls through trunks, inbound and outbound. */
    trunkCalls: sharedField(LIMIT_RULES.trunkCalls).optional(),
    /** Outbound minutes per day (UTC). */
    outboundMinutesPerDay: sharedField(LIMIT_RULES.outboundMinutesPerDay).optional(),
  }),
  extensions: list(extension, { unique: { key: (e) => e.ext, what: 'extension', at: 'ext' } }).default([]),
  /**
   * Required once the tenant has trunks, DIDs or routes (tenant-references.ts); "" says
   * "none" on purpose, as the API allows (every outside number then counts as international).
   */
  countryCode: countryCode({ none: true }).optional(),
  nationalPrefix: nationalPrefix().default('0'),
  callerId: e164().optional(),
  /**
   * The class of service of calls from the tenant's trunks that an inbound route, IVR option
   * or time condition sends to an outside `number`; absent: internal (such calls are refused).
   */
  inboundCos: sharedField(FIELDS.classOfService).optional(),
  /** Overrides pbx.yaml's auth.algorithms for this tenant's challenges. */
  auth: object({ algorithms: algorithms() }).optional(),
  /** Call recording policy (the provider's features.recording must be on): never (default), always, on-demand. */
  recording: sharedField(FIELDS.recording).optional(),
  /** SDES-SRTP on TLS legs: none, optional (default), required (a leg without SRTP gets 488). */
  srtp: sharedField(FIELDS.srtp).optional(),
  /** DTMF codes during a call: recordToggle starts/stops an on-demand recording (default *1). */
  featureCodes: featureCodesSchema().optional(),
  /** Music on hold: the class held parties hear (moh/<class>/ in the tenant's folder; default 'default'). */
  moh: object({ class: sharedField(FIELDS.mohClass).optional() }).optional(),
  /** OPTIONS pings to the tenant's UDP phones (keep their NAT bindings open); off by default. */
  natKeepalive: natKeepaliveSchema().optional(),
  /** Direct media (media bypass): RTP end to end when the call allows it; off by default. `trunks` names trunks that allow it too. */
  media: object({ direct: bool().default(false), trunks: list(str({ minLength: 1, maxLength: 100 }), { max: 1000 }).default([]) }).optional(),
  /** Busy-lamp keys and presence: showPeers lets watchers see who a colleague's call is with (default false). */
  blf: object({ showPeers: bool().default(false) }).optional(),
  /** Call pickup groups (*8): group name → member extensions. */
  pickupGroups: pickupGroupsSchema().optional(),
  /** Call park: { slots: "701-720", timeoutSeconds: 120, fallback: <destination> }. */
  park: parkSchema().optional(),
  dids: list(e164(), { max: 10_000, unique: { key: (d) => d, what: 'DID' } }).default([]),
  trunks: trunkList(trunkSchema()).default([]),
  ringGroups: ringGroupList().default([]),
  inboundRoutes: inboundRouteList().default([]),
  outboundRoutes: outboundRouteList().default([]),
  conferences: conferenceList().default([]),
  voicemailBoxes: voicemailBoxList().default([]),
  /** Signed POSTs of the tenant's events (webhook-config.ts). */
  webhooks: webhookList().default([]),
  /** timezone, schedules, timeConditions, ivrs (call-flows-config.ts). */
  ...callFlowFields,
});

/** A room number may not be an extension or a ring group of the tenant: a dialled number reaches one thing. */
function checkConferenceNumbers(t: { extensions: ReadonlyArray<{ ext: string }>; ringGroups: ReadonlyArray<{ name: string }>; conferences: ReadonlyArray<{ number: string }> }, root: Where): void {
  const exts = new Set(t.extensions.map((e) => e.ext));
  const groups = new Set(t.ringGroups.map((g) => g.name));
  t.conferences.forEach((c, i) => {
    if (exts.has(c.number)) root.at('conferences').at(i).at('number').report(`${c.number} is an extension of this tenant`);
    else if (groups.has(c.number)) root.at('conferences').at(i).at('number').report(`${c.number} is a ring group of this tenant`);
  });
}

/** A shared box's number is not an extension's (each extension has its box of that number); members are extensions. */
function checkVoicemailBoxes(t: { extensions: ReadonlyArray<{ ext: string }>; voicemailBoxes: ReadonlyArray<{ box: string; members?: readonly string[] }> }, root: Where): void {
  const exts = new Set(t.extensions.map((e) => e.ext));
  t.voicemailBoxes.forEach((b, i) => {
    const at = root.at('voicemailBoxes').at(i);
    if (exts.has(b.box)) at.at('box').report(`${b.box} is an extension of this tenant, which has its own box of that number`);
    b.members?.forEach((m, j) => {
      if (!exts.has(m)) at.at('members').at(j).report(`${m} is not an extension of this tenant`);
    });
  });
}

/** `media.trunks` names the tenant's own trunks only. */
function checkDirectMediaTrunks(t: { media?: { trunks: string[] }; trunks: ReadonlyArray<{ name: string }> }, root: Where): void {
  const names = new Set(t.trunks.map((x) => x.name));
  t.media?.trunks.forEach((name, i) => {
    if (!names.has(name)) root.at('media').at('trunks').at(i).report(`${name} is not a trunk of this tenant`);
  });
}

/** What pbx.yaml adds to the checks of a tenant file. */
export interface TenantParseOptions {
  /** Where the tenant's own trunks may point (pbx.yaml security.tenantTrunk*); absent: not checked. */
  trunkAddresses?: TrunkAddressCheck;
}

/**
 * A trunk's host or outbound proxy given as an IP literal is checked here, where a
 * line and column can be named; a host name is checked after DNS, before each connection.
 */
function checkTrunkAddresses(trunks: ReadonlyArray<Pick<TrunkConfig, 'host' | 'outboundProxy'>>, root: Where, policy: TrunkAddressCheck): void {
  trunks.forEach((t, i) => {
    const at = root.at('trunks').at(i);
    const host = policy.hostRefusal(t.host);
    if (host) at.at('host').report(host);
    const proxy = t.outboundProxy ? policy.hostRefusal(t.outboundProxy.host) : undefined;
    if (proxy) at.at('outboundProxy').report(proxy);
  });
}

/**
 * Decodes one tenant file. The id must equal the file's base name. Pure: reads
 * nothing. Throws ConfigErrors listing every problem.
 */
export function parseTenantConfig(text: string, file: string, env: Env, opts: TenantParseOptions = {}): TenantConfig {
  let flows: CallFlows | undefined;
  const raw = decodeYaml(tenantSchema, { text, file, env }, (t, root) => {
    // IVR menus and time conditions are checked as a whole by checkCallFlows (their loops too);
    // the other sections' destinations may name them.
    const named = (list: unknown): string[] => (Array.isArray(list) ? list.flatMap((x: { name?: unknown }) => (typeof x?.name === 'string' ? [x.name] : [])) : []);
    checkTenantReferences({ ...t, callFlows: [{ kind: 'ivr', names: named(t.ivrs), nodes: [] }, { kind: 'timeCondition', names: named(t.timeConditions), nodes: [] }, { kind: 'queue', names: named(t.queues), nodes: [] }] }, root);
    flows = checkCallFlows(t, root);
    checkConferenceNumbers(t, root);
    checkVoicemailBoxes(t, root);
    checkPickupGroups(t, root);
    checkPark(t, root);
    checkDirectMediaTrunks(t, root);
    if (opts.trunkAddresses) checkTrunkAddresses(t.trunks, root, opts.trunkAddresses);
    checkWebhooks(t.webhooks, root, opts.trunkAddresses);
  });
  return {
    file: resolve(file),
    id: raw.id,
    name: raw.name ?? raw.id,
    domains: raw.domains,
    limits: raw.limits,
    extensions: raw.extensions.map(({ password, ha1, ...e }) => ({
      ...e,
      name: e.name ?? e.ext,
      ...(password !== undefined ? { password } : {}),
      ...(ha1 !== undefined ? { ha1 } : {}),
    })),
    // Empty only when nothing needs it (no trunks, DIDs or routes).
    countryCode: raw.countryCode ?? '',
    nationalPrefix: raw.nationalPrefix,
    ...(raw.callerId !== undefined ? { callerId: raw.callerId } : {}),
    ...(raw.inboundCos !== undefined ? { inboundCos: raw.inboundCos } : {}),
    ...(raw.auth !== undefined ? { auth: { algorithms: raw.auth.algorithms } } : {}),
    ...(raw.recording !== undefined ? { recording: raw.recording } : {}),
    ...(raw.srtp !== undefined ? { srtp: raw.srtp } : {}),
    ...(raw.featureCodes && Object.keys(raw.featureCodes).length > 0 ? { featureCodes: raw.featureCodes as NonNullable<TenantConfig['featureCodes']> } : {}), // recordToggle: false is refused by checkTenantReferences
    ...(raw.moh?.class !== undefined ? { moh: { class: raw.moh.class } } : {}),
    ...(raw.natKeepalive !== undefined ? { natKeepalive: raw.natKeepalive } : {}),
    ...(raw.media !== undefined ? { media: { direct: raw.media.direct, trunks: raw.media.trunks } } : {}),
    ...(raw.blf !== undefined ? { blf: { showPeers: raw.blf.showPeers } } : {}),
    ...(raw.pickupGroups !== undefined && Object.keys(raw.pickupGroups).length > 0 ? { pickupGroups: raw.pickupGroups } : {}),
    ...(raw.park !== undefined ? { park: parkConfig(raw.park) } : {}),
    dids: raw.dids,
    trunks: raw.trunks,
    ringGroups: raw.ringGroups,
    inboundRoutes: raw.inboundRoutes,
    outboundRoutes: raw.outboundRoutes,
    ...(raw.conferences.length > 0 ? { conferences: raw.conferences } : {}),
    ...(raw.voicemailBoxes.length > 0 ? { voicemailBoxes: raw.voicemailBoxes } : {}),
    ...(raw.webhooks.length > 0 ? { webhooks: raw.webhooks } : {}),
    ...callFlowsConfig(flows),
  };
}
