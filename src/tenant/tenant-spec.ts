import { isWebPasswordHash, webPasswordProblem } from './web-password.js';
import { natKeepaliveProblems, natKeepaliveSettingText } from './nat-keepalive-setting.js';
import { directMediaProblems, directMediaSettingText } from './direct-media-setting.js';
import { blfProblems, blfSettingText } from './blf-setting.js';
import { checkAlgorithmList } from '../model/auth-algorithms.js';
import { normalizeDomain } from '../model/domain-name.js';
import { computeHa1Set, type DigestAlgorithm } from '../model/ha1.js';
import { DEFAULT_CLASS_OF_SERVICE, type ClassOfService, type RoutingPlan } from '../model/routing-plan.js';
import { validateConferences, type ConferenceSpec } from './conference-spec.js';
import { validateRoutingSpec, type RoutingSpec } from './routing-spec.js';
import type { CallHandling, CallHandlingSpec } from '../model/call-handling.js';
import { validateFeatureCodeSpec, type FeatureCodeOverrides } from './feature-codes.js';
import { pickupGroupsSetting, validatePickupGroupsSpec } from './pickup-group-setting.js';
import { validateParkSpec } from './park-setting.js';
import type { ParkSettings } from '../model/park-settings.js';
import type { PickupGroups } from '../model/pickup-groups.js';
import { checkOutsideForwards, destinationNamesOf, validateOperatorDestinations, validateSpecCallHandling, type OutsideForwardCheck } from './spec-call-flows.js';
import { validateVoicemail, type VoicemailBoxDecl, type VoicemailBoxSpec, type VoicemailSettingsSpec } from './voicemail-spec.js';
import { validateWebhooks, type WebhookSpec } from './webhook-spec.js';
import { validateMwiModes, type MwiModeSpec } from './mwi-spec.js';
import { parseCallFlows, type CallFlows } from '../model/call-flows.js';
import { TenantSpecError, type SpecProblem } from '../model/tenant-errors.js';
import { isValidTenantId } from '../store/tenant-id.js';
import { LIMIT_KEYS, type TenantLimits } from '../model/tenant-limits.js';
import { checkField, FIELDS, LIMIT_RULES } from '../model/field-rules.js';
import { srtpSettingJson, type SrtpPolicySetting } from './srtp-setting.js';

export type { TenantLimits } from '../model/tenant-limits.js';
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
export interface ExtensionSpec extends CallHandlingSpec {
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
  /** Call recording policy (never, always, on-demand); absent: the tenant's. */
  recording?: string;
  /** SDES-SRTP policy (none, optional, required); absent: the tenant's. */
  srtp?: string;
  /** Its voicemail box (voicemail-spec.ts); absent: a box with the defaults. */
  voicemail?: VoicemailSettingsSpec;
  /** Console login (web-password.ts): a password (hashed when stored) or a `$scrypt$` hash; absent: the stored one stays. */
  webPassword?: string;
  /** Logs in to the console as its tenant's admin; default false. */
  webAdmin?: boolean;
}

/**
 * A tenant as declared (e.g. by a YAML file). Structurally compatible with
 * TenantConfig in src/config/types.ts, which src/tenant may not import.
 * The numbering and routing fields (RoutingSpec) may be left out.
 */
export interface TenantSpec extends RoutingSpec, Partial<CallFlows> {
  id: string;
  name: string;
  /** The first is the primary domain and the digest realm. */
  domains: readonly string[];
  limits: TenantLimits;
  extensions: readonly ExtensionSpec[];
  /** Conference rooms (conference-spec.ts). */
  conferences?: readonly ConferenceSpec[];
  /** The tenant's call recording policy (never, always, on-demand); absent: never. */
  recording?: string;
  /** The tenant's SDES-SRTP policy (none, optional, required); absent: optional. */
  srtp?: string;
  /** Feature codes renamed or disabled (false); absent: the defaults (src/model/feature-code-table.ts). */
  featureCodes?: FeatureCodeOverrides;
  /** Music on hold; class absent: 'default'. */
  moh?: { class?: string };
  /** Shared voicemail boxes (voicemail-spec.ts). */
  voicemailBoxes?: readonly VoicemailBoxSpec[];
  /** OPTIONS keep-alives to UDP contacts (nat-keepalive-setting.ts); absent: off. */
  natKeepalive?: { optionsSeconds?: number; dropAfterMisses?: number };
  /** Direct media (direct-media-setting.ts); absent: off. */
  media?: { direct?: boolean; trunks?: readonly string[] };
  /** Busy-lamp and presence policy (blf-setting.ts); absent: watchers see no peers. */
  blf?: { showPeers?: boolean };
  /** Call pickup groups: group name → member extensions (pickup-group-setting.ts). */
  pickupGroups?: PickupGroups;
  /** Call park slots (park-setting.ts). */
  park?: ParkSettings;
  /** Signed POSTs of the tenant's events (webhook-spec.ts). */
  webhooks?: readonly WebhookSpec[];
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
  recording?: RecordingPolicy;
  srtp?: SrtpPolicySetting;
  /** As declared: a password or a `$scrypt$` hash (sync-web-logins.ts hashes it). */
  webPassword?: string;
  webAdmin?: boolean;
}

/** FIELDS.recording's values; the B2BUA's recording-policy.ts reads the same words. */
export type RecordingPolicy = 'never' | 'always' | 'on-demand';

/** A spec that passed validateTenantSpec: domains normalized, defaults filled in. */
export interface ValidTenantSpec {
  id: string;
  name: string;
  domains: string[];
  realm: string;
  limits: TenantLimits;
  extensions: ValidExtensionSpec[];
  /** The tenant's recording policy; absent: none set (never). */
  recording?: RecordingPolicy;
  /** The SRTP setting's text (srtp-setting.ts), when a policy is set. */
  srtp?: string;
  /** The code that toggles an on-demand recording, when the spec sets one. */
  recordToggleCode?: string;
  /** The music-on-hold class, when the spec sets one. */
  mohClass?: string;
  /** The natKeepalive setting's text (nat-keepalive-setting.ts), when it is on. */
  natKeepalive?: string;
  /** The media setting's text (direct-media-setting.ts), when direct media is on or a trunk is named. */
  media?: string;
  /** The blf setting's text (blf-setting.ts), when it is not the default. */
  blf?: string;
  /** The pickupGroups setting's text (pickup-group-setting.ts), when there are groups. */
  pickupGroups?: string;
  /** The park setting's text (park-setting.ts), when the tenant has slots. */
  park?: string;
  /** The tenant's webhooks, when it has any. */
  webhooks?: WebhookSpec[];
  /** Extensions whose MWI mode is not the default (subscribe). */
  mwiModes?: Record<string, MwiModeSpec>;
  /** Numbering, DIDs, trunks and routes with defaults filled in: what getRoutingPlan() reads back after apply. */
  routing: RoutingPlan;
  conferences: ConferenceSpec[];
  /** Forwards and DND each extension of the spec declares (none: NO_CALL_HANDLING's shape). */
  callHandling: Map<string, CallHandling>;
  /** Feature code renames and disables; recordToggle is recordToggleCode. */
  featureCodes: FeatureCodeOverrides;
  /** Every voicemail box: the extensions' and the shared ones (PINs hashed at apply). */
  voicemail: VoicemailBoxDecl[];
  /** timezone, schedules, time conditions, IVR menus (src/model/call-flows.ts); empty when none. */
  callFlows: CallFlows;
}

/** Extension numbers, names, passwords...: the rules shared with the YAML and the API (src/model/field-rules.ts). */
const isExt = (v: unknown): v is string => checkField(FIELDS.ext, v) === undefined;
const MAX_DOMAINS = 100;
const MAX_EXTENSIONS = 100_000;

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
  const field = (name: string, rule: Parameters<typeof checkField>[0], v: unknown) => {
    const problem = checkField(rule, v);
    if (problem !== undefined) fail(path(name), problem);
  };
  field('ext', FIELDS.ext, x?.ext);
  field('name', FIELDS.extName, x?.name);
  const hasHa1 = x?.ha1 !== undefined;
  if (hasHa1 && x?.password !== undefined) fail(path('password'), 'give a password or ha1, not both');
  else if (hasHa1) checkHa1(x.ha1!, realm, path('ha1'), fail);
  else field('password', FIELDS.password, x?.password);
  if (x?.enabled !== undefined && typeof x.enabled !== 'boolean') fail(path('enabled'), 'must be true or false');
  if (x?.maxContacts !== undefined) field('maxContacts', FIELDS.maxContacts, x.maxContacts);
  if (x?.classOfService !== undefined) field('classOfService', FIELDS.classOfService, x.classOfService);
  if (x?.callerId !== undefined) field('callerId', FIELDS.e164, x.callerId);
  const algorithms = x?.algorithms === undefined ? undefined : checkAlgorithmList(x.algorithms, path('algorithms'), fail);
  if (x?.recording !== undefined) field('recording', FIELDS.recording, x.recording);
  if (x?.srtp !== undefined) field('srtp', FIELDS.srtp, x.srtp);
  if (x?.webPassword !== undefined && !isWebPasswordHash(x.webPassword)) {
    const problem = webPasswordProblem(x.webPassword);
    if (problem !== undefined) fail(path('webPassword'), `${problem} (or a $scrypt$ hash)`);
  }
  if (x?.webAdmin !== undefined && typeof x.webAdmin !== 'boolean') fail(path('webAdmin'), 'must be true or false');
  if (failed) return undefined;
  const ha1 = hasHa1 ? { MD5: x.ha1!.md5, 'SHA-256': x.ha1!.sha256 } : computeHa1Set(x.ext, realm ?? '', x.password!);
  const e: ValidExtensionSpec = { ext: x.ext, name: x.name, enabled: x.enabled ?? true, classOfService: x.classOfService ?? DEFAULT_CLASS_OF_SERVICE, ha1 };
  if (x.maxContacts !== undefined) e.maxContacts = x.maxContacts;
  if (x.callerId !== undefined) e.callerId = x.callerId;
  if (algorithms !== undefined) e.algorithms = algorithms;
  if (x.recording !== undefined) e.recording = x.recording as RecordingPolicy;
  if (x.srtp !== undefined) e.srtp = x.srtp as SrtpPolicySetting;
  if (x.webPassword !== undefined) e.webPassword = x.webPassword;
  if (x.webAdmin !== undefined) e.webAdmin = x.webAdmin;
  return e;
}

/** The password rule of a tenant file's extensions. */
export function isValidExtensionPassword(v: unknown): v is string {
  return checkField(FIELDS.password, v) === undefined;
}

/** Checks a spec completely and returns it normalized, or throws TenantSpecError listing every problem. */
/** What only the caller can look up (the files of the tenant's prompts). */
export interface SpecCheckOptions {
  /** Whether the tenant has a prompt of that name (its own, the operator's or a built-in one); absent: prompt names are checked for form only. */
  promptExists?(name: string): boolean;
  /** The class-of-service check of forwards to outside numbers (the routing service's); absent: not checked here. */
  outsideForward?: OutsideForwardCheck;
}

export function validateTenantSpec(spec: TenantSpec, opts: SpecCheckOptions = {}): ValidTenantSpec {
  const problems: SpecProblem[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });
  const id = spec?.id;
  if (!isValidTenantId(id)) bad('id', FIELDS.tenantId.problem);
  const nameProblem = checkField(FIELDS.tenantName, spec?.name);
  if (nameProblem !== undefined) bad('name', nameProblem);
  const recordingProblem = spec?.recording === undefined ? undefined : checkField(FIELDS.recording, spec.recording);
  if (recordingProblem !== undefined) bad('recording', recordingProblem);
  const srtpProblem = spec?.srtp === undefined ? undefined : checkField(FIELDS.srtp, spec.srtp);
  if (srtpProblem !== undefined) bad('srtp', srtpProblem);
  const featureCodes = validateFeatureCodeSpec(spec?.featureCodes, Array.isArray(spec?.extensions) ? spec.extensions.map((x) => String(x?.ext)) : [], bad) ?? {};
  const recordToggleCode = featureCodes.recordToggle;
  const mohClass = spec?.moh?.class;
  const mohProblem = mohClass === undefined ? undefined : checkField(FIELDS.mohClass, mohClass);
  if (mohProblem !== undefined) bad('moh.class', mohProblem);
  for (const [path, message] of natKeepaliveProblems(spec?.natKeepalive)) bad(path, message);
  const natKeepalive = natKeepaliveSettingText(spec?.natKeepalive);
  const mediaProblems = directMediaProblems(spec?.media, Array.isArray(spec?.trunks) ? spec.trunks.map((t) => String((t as { name?: unknown })?.name)) : []);
  for (const [path, message] of mediaProblems) bad(path, message);
  const media = mediaProblems.length === 0 ? directMediaSettingText(spec?.media as { direct?: boolean; trunks?: string[] } | undefined) : undefined;
  for (const [path, message] of blfProblems(spec?.blf)) bad(path, message);
  const blf = blfProblems(spec?.blf).length === 0 ? blfSettingText(spec?.blf) : undefined;
  const park = validateParkSpec(spec?.park, Array.isArray(spec?.extensions) ? spec.extensions.map((x) => String(x?.ext)) : [], Array.isArray(spec?.ringGroups) ? spec.ringGroups.map((g) => String(g?.name)) : [], bad);
  const pickupGroups = pickupGroupsSetting(validatePickupGroupsSpec(spec?.pickupGroups, Array.isArray(spec?.extensions) ? spec.extensions.map((x) => String(x?.ext)) : [], bad));

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
      else {
        const problem = checkField(LIMIT_RULES[k as keyof TenantLimits], v);
        if (problem !== undefined) bad(`limits.${k}`, problem);
        else limits[k as keyof TenantLimits] = v as number;
      }
    }
  }

  const extensions: ValidTenantSpec['extensions'] = [];
  const seen = new Set<string>();
  if (!Array.isArray(spec?.extensions)) bad('extensions', 'must be a list');
  else if (spec.extensions.length > MAX_EXTENSIONS) bad('extensions', `at most ${MAX_EXTENSIONS} extensions`);
  else {
    spec.extensions.forEach((x, i) => {
      const at = `extensions[${i}]`;
      const dup = isExt(x?.ext) && seen.has(x.ext);
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
  const names = destinationNamesOf(spec ?? {}, known, opts.promptExists);
  const calls = validateSpecCallHandling(spec ?? {}, names, bad);
  validateOperatorDestinations(spec ?? {}, names, bad);
  const routing = validateRoutingSpec(spec ?? ({} as RoutingSpec), known, bad, { names, graph: calls.graph });
  if (opts.outsideForward) checkOutsideForwards(spec, calls.handling, extensions, routing, opts.outsideForward, bad);
  const conferences = validateConferences(spec?.conferences, { extensions: known, ringGroups: new Set(routing.ringGroups.map((g) => g.name)) }, bad);

  const voicemail = validateVoicemail(Array.isArray(spec?.extensions) ? spec.extensions : [], spec?.voicemailBoxes, bad);
  const webhooks = validateWebhooks(spec?.webhooks, bad);
  const mwiModes = validateMwiModes(spec?.extensions, bad);
  const voicemailBoxes = new Set((spec?.voicemailBoxes ?? []).flatMap((b) => (typeof b?.box === 'string' ? [b.box] : [])));
  const callFlows = parseCallFlows(spec ?? {}, { extensions: known, ringGroups: new Set(routing.ringGroups.map((g) => g.name)), conferences: new Set(conferences.map((c) => c.number)), voicemailBoxes }, bad);

  if (problems.length > 0) throw new TenantSpecError(isValidTenantId(id) ? id : undefined, problems);
  return { ...(webhooks ? { webhooks } : {}), ...(mwiModes ? { mwiModes } : {}), id, name: spec.name, domains, realm: domains[0]!, limits, extensions, routing, conferences, voicemail, callFlows, callHandling: calls.handling, featureCodes, ...(spec.recording !== undefined ? { recording: spec.recording as RecordingPolicy } : {}), ...(recordToggleCode !== undefined ? { recordToggleCode } : {}), ...(mohClass !== undefined ? { mohClass } : {}), ...(natKeepalive !== undefined ? { natKeepalive } : {}), ...(media !== undefined ? { media } : {}), ...(blf !== undefined ? { blf } : {}), ...(pickupGroups !== undefined ? { pickupGroups } : {}), ...(park !== undefined ? { park } : {}), ...srtpOf(spec.srtp as SrtpPolicySetting | undefined, extensions) };
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

/** The SRTP setting of a valid spec (srtp-setting.ts), when any policy is set. */
function srtpOf(tenant: SrtpPolicySetting | undefined, extensions: readonly ValidExtensionSpec[]): { srtp?: string } {
  const text = srtpSettingJson(tenant, extensions);
  return text !== undefined ? { srtp: text } : {};
}
