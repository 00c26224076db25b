/**
 * The reverse of parseTenantConfig: a tenant as the text of a tenant file, in the same
 * shape an operator writes (destinations as `{ extension: "1001" }`, `hangup`). Used by
 * `pbx tenant export`; parseTenantConfig of the text gives the tenant back. Pure.
 *
 * Text is written as it is, except in the keys where the loader reads `${NAME}` from the
 * environment (extension passwords, trunk credentials): there `${` is written `$${`, so
 * what a tenant typed through the API can never become an environment variable's value.
 */
import { stringify } from 'yaml';
import { escapeEnv } from './env-subst.js';
import type { DestinationConfig, TenantLimits } from './types.js';
import type { CallFlows } from '../model/call-flows.js';
import { callFlowsYaml } from './call-flows-yaml.js';

/** What is written: TenantConfig without its file, every default optional (TenantSpec fits). */
export interface TenantYamlInput extends Partial<CallFlows> {
  id: string;
  name: string;
  domains: readonly string[];
  limits: TenantLimits;
  extensions: ReadonlyArray<{
    ext: string;
    name: string;
    password?: string;
    ha1?: { realm: string; md5: string; sha256: string };
    enabled?: boolean;
    maxContacts?: number;
    classOfService?: string;
    callerId?: string;
    algorithms?: readonly string[];
    recording?: string;
    srtp?: string;
    forward?: { always?: DestinationConfig; busy?: DestinationConfig; noAnswer?: { to: DestinationConfig; after?: number }; unavailable?: DestinationConfig };
    dnd?: boolean;
    voicemail?: VoicemailYaml & { enabled?: boolean; allowNoPinFromOwnPhone?: boolean; mwi?: string };
    webPassword?: string;
    webAdmin?: boolean;
  }>;
  countryCode?: string;
  nationalPrefix?: string;
  callerId?: string;
  inboundCos?: string;
  auth?: { algorithms: readonly string[] };
  recording?: string;
  srtp?: string;
  featureCodes?: Readonly<Record<string, string | false | undefined>>;
  moh?: { class?: string };
  natKeepalive?: { optionsSeconds?: number; dropAfterMisses?: number };
  media?: { direct?: boolean; trunks?: readonly string[] };
  blf?: { showPeers?: boolean };
  pickupGroups?: Readonly<Record<string, readonly string[]>>;
  park?: { first: string; last: string; timeoutSeconds: number; fallback?: DestinationConfig };
  webhooks?: ReadonlyArray<{ url: string; secret: string; events: readonly string[] }>;
  dids?: readonly string[];
  trunks?: ReadonlyArray<{
    name: string;
    kind: 'register' | 'ip';
    host: string;
    port?: number;
    transport?: string;
    outboundProxy?: { host: string; port: number };
    username?: string;
    password?: string;
    authUsername?: string;
    domain?: string;
    registerExpires?: number;
    allowedSources?: readonly string[];
    codecs?: readonly string[];
    maxChannels?: number;
  }>;
  ringGroups?: ReadonlyArray<{ name: string; strategy: string; members: readonly string[]; ringSeconds: number; fallback?: DestinationConfig }>;
  inboundRoutes?: ReadonlyArray<{ did: string; destination: DestinationConfig }>;
  outboundRoutes?: ReadonlyArray<{ name: string; patterns: readonly string[]; strip?: number; prepend?: string; trunks: readonly string[] }>;
  conferences?: ReadonlyArray<{ number: string; name?: string; pin?: string; maxParticipants?: number }>;
  voicemailBoxes?: ReadonlyArray<VoicemailYaml & { box: string; name?: string; members?: readonly string[] }>;
}

/** What a box writes besides its own keys; the PIN only ever as its hash (export). */
interface VoicemailYaml {
  pin?: string;
  pinHash?: string;
  email?: string;
  maxMessages?: number;
  maxSeconds?: number;
  operator?: DestinationConfig;
}

function voicemailYaml(v: VoicemailYaml): Record<string, unknown> {
  return { pin: v.pin, pinHash: v.pinHash, email: v.email, maxMessages: v.maxMessages, maxSeconds: v.maxSeconds, operator: v.operator ? destinationYaml(v.operator) : undefined };
}

function destinationYaml(d: DestinationConfig): unknown {
  switch (d.type) {
    case 'extension':
      return { extension: d.ext };
    case 'ringGroup':
    case 'ivr':
    case 'timeCondition':
    case 'queue':
      return { [d.type]: d.name };
    case 'voicemail':
      return { voicemail: d.box };
    case 'conference':
      return { conference: d.room };
    case 'number':
      return { number: d.number };
    case 'play':
      return { play: d.prompt };
    case 'hangup':
      return 'hangup';
  }
}

function forwardYaml(f: NonNullable<TenantYamlInput['extensions'][number]['forward']>): unknown {
  return clean({
    always: f.always ? destinationYaml(f.always) : undefined,
    busy: f.busy ? destinationYaml(f.busy) : undefined,
    noAnswer: f.noAnswer ? clean({ to: destinationYaml(f.noAnswer.to), after: f.noAnswer.after }) : undefined,
    unavailable: f.unavailable ? destinationYaml(f.unavailable) : undefined,
  });
}

/** A tenant file with any of these must say its countryCode (tenant-references.ts). */
function needsCountryCode(t: TenantYamlInput): boolean {
  return [t.trunks, t.dids, t.inboundRoutes, t.outboundRoutes].some((l) => l !== undefined && l.length > 0);
}

/** A value of a key that expands `${NAME}`, written so that it loads back as itself. */
function secret(v: string | undefined): string | undefined {
  return v === undefined ? undefined : escapeEnv(v);
}

/** Drops undefined values, keeps key order. */
function clean(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** The tenant file text, with `header` (each line prefixed '# ') on top. */
export function tenantYamlText(t: TenantYamlInput, header?: string): string {
  const doc = clean({
    id: t.id,
    name: t.name,
    domains: [...t.domains],
    limits: { ...t.limits },
    // "" (none, as the API allows) is written when the file needs the key, so it applies back.
    countryCode: t.countryCode || (needsCountryCode(t) ? '' : undefined),
    nationalPrefix: t.nationalPrefix,
    callerId: t.callerId,
    inboundCos: t.inboundCos,
    auth: t.auth ? { algorithms: [...t.auth.algorithms] } : undefined,
    recording: t.recording,
    srtp: t.srtp,
    featureCodes: t.featureCodes && Object.values(t.featureCodes).some((v) => v !== undefined) ? clean({ ...t.featureCodes }) : undefined,
    moh: t.moh?.class !== undefined ? { class: t.moh.class } : undefined,
    natKeepalive: t.natKeepalive?.optionsSeconds ? { ...t.natKeepalive } : undefined,
    media: t.media && (t.media.direct || (t.media.trunks ?? []).length > 0) ? { direct: t.media.direct === true, ...((t.media.trunks ?? []).length > 0 ? { trunks: [...t.media.trunks!] } : {}) } : undefined,
    blf: t.blf?.showPeers ? { showPeers: true } : undefined,
    pickupGroups: t.pickupGroups && Object.keys(t.pickupGroups).length > 0 ? Object.fromEntries(Object.entries(t.pickupGroups).map(([k, v]) => [k, [...v]])) : undefined,
    park: t.park ? clean({ slots: `${t.park.first}-${t.park.last}`, timeoutSeconds: t.park.timeoutSeconds, fallback: t.park.fallback ? destinationYaml(t.park.fallback) : undefined }) : undefined,
    dids: t.dids && t.dids.length > 0 ? [...t.dids] : undefined,
    extensions: t.extensions.map((x) =>
      clean({
        ext: x.ext,
        name: x.name,
        password: secret(x.password),
        ha1: x.ha1 ? { realm: x.ha1.realm, md5: x.ha1.md5, sha256: x.ha1.sha256 } : undefined,
        enabled: x.enabled,
        maxContacts: x.maxContacts,
        classOfService: x.classOfService,
        callerId: x.callerId,
        algorithms: x.algorithms ? [...x.algorithms] : undefined,
        recording: x.recording,
        srtp: x.srtp,
        forward: x.forward ? forwardYaml(x.forward) : undefined,
        dnd: x.dnd || undefined,
        voicemail: x.voicemail
          ? clean({ enabled: x.voicemail.enabled, ...voicemailYaml(x.voicemail), allowNoPinFromOwnPhone: x.voicemail.allowNoPinFromOwnPhone, mwi: x.voicemail.mwi })
          : undefined,
        webPassword: secret(x.webPassword),
        webAdmin: x.webAdmin || undefined,
      }),
    ),
    trunks: t.trunks && t.trunks.length > 0
      ? t.trunks.map((x) =>
          clean({
            name: x.name,
            kind: x.kind,
            host: x.host,
            port: x.port,
            transport: x.transport,
            // Written as host:port, an IPv6 address in brackets.
            outboundProxy: x.outboundProxy
              ? `${x.outboundProxy.host.includes(':') && !x.outboundProxy.host.startsWith('[') ? `[${x.outboundProxy.host}]` : x.outboundProxy.host}:${x.outboundProxy.port}`
              : undefined,
            username: secret(x.username),
            password: secret(x.password),
            authUsername: secret(x.authUsername),
            domain: x.domain,
            registerExpires: x.registerExpires,
            allowedSources: x.allowedSources ? [...x.allowedSources] : undefined,
            codecs: x.codecs ? [...x.codecs] : undefined,
            maxChannels: x.maxChannels,
          }),
        )
      : undefined,
    ringGroups: t.ringGroups && t.ringGroups.length > 0
      ? t.ringGroups.map((g) =>
          clean({ name: g.name, strategy: g.strategy, members: [...g.members], ringSeconds: g.ringSeconds, fallback: g.fallback ? destinationYaml(g.fallback) : undefined }),
        )
      : undefined,
    inboundRoutes: t.inboundRoutes && t.inboundRoutes.length > 0 ? t.inboundRoutes.map((r) => ({ did: r.did, destination: destinationYaml(r.destination) })) : undefined,
    outboundRoutes: t.outboundRoutes && t.outboundRoutes.length > 0
      ? t.outboundRoutes.map((r) => clean({ name: r.name, patterns: [...r.patterns], strip: r.strip, prepend: r.prepend, trunks: [...r.trunks] }))
      : undefined,
    conferences: t.conferences && t.conferences.length > 0 ? t.conferences.map((c) => clean({ number: c.number, name: c.name, pin: c.pin, maxParticipants: c.maxParticipants })) : undefined,
    voicemailBoxes: t.voicemailBoxes && t.voicemailBoxes.length > 0
      ? t.voicemailBoxes.map((b) => clean({ box: b.box, name: b.name, ...voicemailYaml(b), members: b.members ? [...b.members] : undefined }))
      : undefined,
    ...callFlowsYaml(t),
  });
  const top = header ? header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n') + '\n' : '';
  return top + stringify(doc, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
}
