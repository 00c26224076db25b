import { NAT_KEEPALIVE_SETTING, readNatKeepalive } from './nat-keepalive-setting.js';
import { DIRECT_MEDIA_SETTING, readDirectMediaSetting } from './direct-media-setting.js';
import { readBlfSettings } from './blf-setting.js';
import { readCallFlows } from '../store/call-flows-store.js';
import { readConferences } from './conference-spec.js';
import { voicemailSpecOf } from './voicemail-spec.js';
import { readWebhooks } from './webhook-spec.js';
import { readMwiModes } from './mwi-spec.js';
import { MOH_CLASS_SETTING, RECORDING_SETTING } from './apply-tenant.js';
import { callHandlingSpec, NO_CALL_HANDLING } from '../model/call-handling.js';
import { readFeatureCodeOverrides } from './feature-codes.js';
import { readPickupGroups } from './pickup-group-setting.js';
import { readParkSettings } from './park-setting.js';
import type { SystemStore } from '../store/system-store.js';
import { StoreError } from '../util/errors.js';
import type { ExtensionSpec, TenantSpec, TrunkSpec } from './tenant-spec.js';
import type { TenantStore } from '../store/tenant-store.js';
import { readSrtpSetting, SRTP_SETTING } from './srtp-setting.js';

/**
 * A tenant as it stands in system.sqlite and its tenant.sqlite, written as the spec
 * that applies back to the same state (`pbx tenant export`): name, domains and limits
 * from the system store; extensions (as HA1 digests: no password is ever stored),
 * numbering, DIDs, trunks with their credentials, ring groups and routes from the
 * tenant's store. Applying it to the same tenant changes nothing; applying it to an
 * empty data directory recreates the tenant's configuration (not its registrations or
 * call records: that is what backups and `pbx tenant pack` are for).
 */
export function exportTenantSpec(system: SystemStore, store: TenantStore, id: string): TenantSpec {
  const rec = system.getTenant(id);
  if (!rec) throw new StoreError(`tenant ${id} does not exist`);
  if (store.tenantId !== id) throw new StoreError(`the store given is tenant ${store.tenantId}'s, not ${id}'s`);
  if (rec.domains.length === 0) {
    throw new StoreError(`tenant ${id} has no domains (it is ${rec.status}: its domains were released), so there is no realm to export its extensions for`);
  }
  const realm = rec.domains[0]!;
  const mwi = readMwiModes(store);
  const handling = store.callHandling.list();
  const srtpPolicies = readSrtpSetting(store.getSetting(SRTP_SETTING));
  const extensions: ExtensionSpec[] = store.listExtensions().map((x) => {
    if (x.realm !== realm) {
      throw new StoreError(`tenant ${id}: extension ${x.ext} has digests for realm ${x.realm}, not the tenant's realm ${realm}; re-apply the tenant with passwords first`);
    }
    const e: ExtensionSpec = { ext: x.ext, name: x.name, ha1: { realm: x.realm, md5: x.ha1.MD5, sha256: x.ha1['SHA-256'] }, enabled: x.enabled, classOfService: x.classOfService };
    if (x.maxContacts !== undefined) e.maxContacts = x.maxContacts;
    if (x.callerId !== undefined) e.callerId = x.callerId;
    if (x.algorithms !== undefined) e.algorithms = [...x.algorithms];
    const recording = store.recordings.extensionMode(x.ext);
    if (recording !== undefined) e.recording = recording;
    const srtp = srtpPolicies.extensions[x.ext];
    if (srtp !== undefined) e.srtp = srtp;
    const mode = mwi.get(x.ext);
    if (mode !== undefined) e.voicemail = { mwi: mode };
    // The console login: the live password's hash (never a password), and the admin flag.
    const web = store.webLogins.get(x.ext);
    if (web?.passwordHash !== undefined) e.webPassword = web.passwordHash;
    if (web?.webAdmin) e.webAdmin = true;
    // The live forwards and DND (what a phone or the API set last), so the file says what is.
    Object.assign(e, callHandlingSpec(handling.get(x.ext) ?? NO_CALL_HANDLING));
    return e;
  });
  const plan = store.getRoutingPlan();
  const trunks: TrunkSpec[] = plan.trunks.map((t) => {
    const s: TrunkSpec = { name: t.name, kind: t.kind, host: t.host, port: t.port, transport: t.transport, registerExpires: t.registerExpires };
    if (t.outboundProxy) s.outboundProxy = { ...t.outboundProxy };
    if (t.username !== undefined) s.username = t.username;
    if (t.password !== undefined) s.password = t.password;
    if (t.authUsername !== undefined) s.authUsername = t.authUsername;
    if (t.domain !== undefined) s.domain = t.domain;
    // A register trunk's default sources are its host: leave the default to say so (a
    // host name is not something the file's allowedSources accepts).
    const isDefault = t.kind === 'register' && t.allowedSources.length === 1 && t.allowedSources[0] === t.host;
    if (!isDefault) s.allowedSources = [...t.allowedSources];
    if (t.codecs) s.codecs = [...t.codecs];
    if (t.maxChannels !== undefined) s.maxChannels = t.maxChannels;
    return s;
  });
  const spec: TenantSpec = {
    id,
    name: rec.name,
    domains: [...rec.domains],
    limits: { ...rec.limits },
    extensions,
    countryCode: plan.countryCode,
    nationalPrefix: plan.nationalPrefix,
    dids: [...plan.dids],
    trunks,
    ringGroups: plan.ringGroups.map((g) => ({ name: g.name, strategy: g.strategy, members: [...g.members], ringSeconds: g.ringSeconds, ...(g.fallback ? { fallback: { ...g.fallback } } : {}) })),
    inboundRoutes: plan.inboundRoutes.map((r) => ({ did: r.did, destination: { ...r.destination } })),
    outboundRoutes: plan.outboundRoutes.map((r) => ({ name: r.name, patterns: [...r.patterns], strip: r.strip, prepend: r.prepend, trunks: [...r.trunks] })),
  };
  if (plan.callerId !== undefined) spec.callerId = plan.callerId;
  if (plan.inboundCos !== undefined) spec.inboundCos = plan.inboundCos;
  if (plan.auth !== undefined) spec.auth = { algorithms: [...plan.auth.algorithms] };
  const conferences = readConferences(store);
  if (conferences.length > 0) spec.conferences = conferences;
  const recording = store.getSetting(RECORDING_SETTING);
  if (recording !== undefined) spec.recording = recording;
  if (srtpPolicies.tenant !== undefined) spec.srtp = srtpPolicies.tenant;
  const featureCodes = readFeatureCodeOverrides((k) => store.getSetting(k));
  if (Object.keys(featureCodes).length > 0) spec.featureCodes = featureCodes;
  const vm = voicemailSpecOf(store.voicemail.boxes(), extensions.map((e) => e.ext));
  spec.extensions = extensions.map((e) => (vm.perExtension.has(e.ext) ? { ...e, voicemail: vm.perExtension.get(e.ext)! } : e));
  if (vm.shared.length > 0) spec.voicemailBoxes = vm.shared;
  const mohClass = store.getSetting(MOH_CLASS_SETTING);
  if (mohClass !== undefined) spec.moh = { class: mohClass };
  const keepalive = readNatKeepalive(store.getSetting(NAT_KEEPALIVE_SETTING));
  if (keepalive.optionsSeconds > 0) spec.natKeepalive = { ...keepalive };
  const media = readDirectMediaSetting(store.getSetting(DIRECT_MEDIA_SETTING));
  if (media.direct || media.trunks.length > 0) spec.media = { direct: media.direct, ...(media.trunks.length > 0 ? { trunks: media.trunks } : {}) };
  if (readBlfSettings(store).showPeers) spec.blf = { showPeers: true };
  const pickupGroups = readPickupGroups(store);
  if (Object.keys(pickupGroups).length > 0) spec.pickupGroups = pickupGroups;
  const park = readParkSettings(store);
  if (park) spec.park = park;
  const webhooks = readWebhooks(store);
  if (webhooks.length > 0) spec.webhooks = webhooks;
  const flows = readCallFlows(store);
  if (flows.timezone !== undefined) spec.timezone = flows.timezone;
  if (flows.schedules.length > 0) spec.schedules = flows.schedules;
  if (flows.timeConditions.length > 0) spec.timeConditions = flows.timeConditions;
  if (flows.ivrs.length > 0) spec.ivrs = flows.ivrs;
  if (flows.queues && flows.queues.length > 0) spec.queues = flows.queues;
  return spec;
}
