/**
 * The typed configuration: what src/config produces from YAML and what src/app
 * consumes. Paths are absolute (resolved against the directory of the file that
 * named them). Durations are in the unit their name says.
 */
import type { TenantStoresConfig } from './tenant-stores-config.js';
import type { TimeCondition } from '../model/call-flows.js';
import type { IvrMenu } from '../model/ivr-menu.js';
import type { CallQueue } from '../model/call-queue.js';
import type { Schedule } from '../model/schedule.js';
import type { FlowDestination } from '../model/flow-destination.js';
import type { ForwardConfig } from './call-flow-config.js';
import type { OverloadConfig } from './overload-config.js';
import type { SipThreads } from './sip-threads-config.js';
import type { ClassOfService } from '../model/class-of-service.js';
import type { InboundRoute, OutboundRoute, RingGroup } from '../model/routes.js';
import type { TenantLimits } from '../model/tenant-limits.js';
import type { TrunkFields } from '../model/trunk.js';

/** Domain types declared once in src/model, under the names config has used. */
export type { ClassOfService, TenantLimits };

/** ws and wss: SIP over WebSocket (RFC 7118), for browsers. */
export type ListenProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface ListenSpec {
  protocol: ListenProtocol;
  /** An IP address or host name, lowercased; IPv6 without brackets ('::1'). */
  host: string;
  port: number;
}

export interface PbxConfig {
  /** Absolute path of the file this came from. */
  file: string;
  /** SUBSCRIBE/NOTIFY policy (src/events, src/config/notify-config.ts); absent: SUBSCRIPTION_DEFAULTS. */
  subscriptions?: { minExpires: number; maxExpires: number; defaultExpires: number; ratePerSecond: number; burst: number; maxPerTenant: number };
  /** The operator's mail relay for voicemail e-mail; absent: no e-mail is sent. */
  smtp?: { host: string; port: number; secure: boolean; user?: string; password?: string; from: string; attempts: number };
  dataDir: string;
  tenantsDir: string;
  sip: {
    listen: ListenSpec[];
    /** IP address or host name; IPv6 without brackets (add them when writing a URI). */
    publicAddress: string;
    /** Written as Server/User-Agent only when set; no product string otherwise. */
    userAgent?: string;
    /** Certificate and key (PEM) for tls:// listeners; required when one is listed. */
    tls?: { cert: string; key: string };
    /** RFC 3261 §17 timer bases in milliseconds. */
    timers: { t1: number; t2: number; t4: number };
    /** Stream connections with no traffic for this long are closed. */
    idleConnectionSeconds: number;
    /** Open stream connections allowed from one source: an IPv4 address, or an IPv6 /64. */
    maxConnectionsPerSource: number;
    tcp: {
      /** Open TCP/TLS connections in total; at the cap a new one evicts the oldest idle unpinned one. */
      maxConnections: number;
      /** Idle timeout of connections that carry no registration or dialog (others use idleConnectionSeconds). */
      idleSeconds: number;
      /** A message must arrive whole within this long of its first octet. */
      messageDeadlineSeconds: number;
    };
    /** Size caps for one message. */
    maxMessageBytes: number;
    /** Sources (addresses/CIDRs) whose X-PBX-Source header gives the real client (src/edge/trusted-edge.ts). */
    trustedEdges: string[];
    /** Overload control (src/config/overload-config.ts). */
    overload?: OverloadConfig;
    /** Threads reading SIP over UDP (src/config/sip-threads-config.ts); absent: auto. */
    threads?: SipThreads;
  };
  rtp: { address: string; portMin: number; portMax: number; workers: number };
  /** uploadLimitMB: the largest prompt or music upload (default 20). */
  api: { host: string; port: number; adminToken?: string; uploadLimitMB?: number; tls?: { cert: string; key: string } };
  /** The web console's logins and sessions (console-config.ts); absent: CONSOLE_DEFAULTS. */
  console?: import('./console-config.js').ConsoleConfig;
  security: {
    trusted: string[];
    /** Requests per second from one source before it is throttled, then banned; 0 = off. */
    floodRate: number;
    /** How long a flooding source stays banned. */
    floodBanSeconds: number;
    /** Messages per second over all untrusted sources before unknown sources are shed (known ones served first); 0 = off. */
    admissionRate: number;
    authFailBan: { attempts: number; windowSeconds: number; banSeconds: number };
    /** Tenant trunks may point at private ranges; default false. */
    tenantTrunkPrivateNetworks: boolean;
    /** Networks tenant trunks may point at whatever their class; default none. */
    tenantTrunkAllowedNetworks: string[];
  };
  registrar: {
    minExpires: number;
    maxExpires: number;
    defaultExpires: number;
    maxContactsPerAor: number;
    /**
     * Registration changes are gathered this long and committed in one transaction per
     * tenant; 0 = write through. A graceful stop writes everything; a crash loses at most
     * this much. Reads always see the latest state.
     */
    writeDelayMs: number;
  };
  auth: {
    /** Algorithms offered in challenges, strongest first (RFC 8760 §2.4). */
    algorithms: Array<'SHA-256' | 'MD5'>;
    nonceTtlSeconds: number;
  };
  /** Provider trunks, and which tenants may use each ('*' = all). */
  trunks: Array<TrunkConfig & { tenants: string[] }>;
  /** Dialled numbers always routed as emergency calls, ahead of every rule (e.g. 911, 112). */
  emergencyNumbers: string[];
  calls: {
    /** An unanswered call is ended with 480 after this long. */
    noAnswerSeconds: number;
    /** On SIGTERM, calls in progress may go on this long before they are hung up. */
    drainSeconds: number;
    /** Concurrent calls of one extension (as caller or callee); a tenant may set less. */
    perExtension: number;
    /** Media inactivity (not on hold) after which a call is hung up. */
    rtpTimeoutSeconds: number;
    /** RFC 4028 session interval asked for on both legs. */
    sessionExpiresSeconds: number;
    /** Records of calls up are checkpointed this often: a crashed call is billed up to its last checkpoint. */
    checkpointSeconds: number;
    /** A forwarded call is forwarded at most this many times. */
    maxForwardHops: number;
  };
  /** Scheduled online backups of system.sqlite and every tenant store; absent: none. */
  backup?: { dir: string; everyMinutes: number; keep: number };
  /**
   * Prompts: `prompts` is the operator's set (a folder; our ids or Asterisk's names), searched
   * after a tenant's own uploads and before the built-in set. Absent: the built-in set alone.
   */
  media?: { prompts?: string; recordingLayout?: 'two-channel' | 'mono' };
  log: { level: 'debug' | 'info' | 'warn' | 'error'; format: 'text' | 'json' };
  /** Locating outbound SIP targets by name (RFC 3263); servers absent: the system's. */
  /** Open tenant SQLite files: cap and idle close (tenant-stores-config.ts). */
  tenantStores?: TenantStoresConfig;
  dns?: { servers?: Array<{ address: string; port: number }>; timeoutMs: number; cacheMaxSeconds: number; blacklistSeconds: number };
}

export interface ExtensionConfig {
  ext: string;
  name: string;
  /** Plain text in the YAML only; the stores keep HA1 digests. Exactly one of password and ha1. */
  password?: string;
  /**
   * HA1 digests in place of the password (what `pbx tenant export` writes); realm is the
   * tenant's first domain, checked when the file is read.
   */
  ha1?: { realm: string; md5: string; sha256: string };
  enabled: boolean;
  /** Overrides registrar.maxContactsPerAor for this extension. */
  maxContacts?: number;
  /** What the extension may dial outside (issue 4); default 'national'. */
  classOfService: ClassOfService;
  /** E.164 caller ID for outbound calls; default the tenant's callerId. */
  callerId?: string;
  /**
   * Digest algorithms this extension's answers may use, of those its tenant offers;
   * default any. Its challenge stays the tenant's, so that a challenge never tells
   * whether an extension exists.
   */
  algorithms?: Array<'SHA-256' | 'MD5'>;
  /** Call recording policy of this extension (b2bua/recording-policy.ts); absent: the tenant's. */
  recording?: 'never' | 'always' | 'on-demand';
  /** SDES-SRTP policy of this extension (b2bua/srtp-policy.ts); absent: the tenant's. */
  srtp?: 'none' | 'optional' | 'required';
  /** Forwards (call-flow-config.ts); a phone or the API may change them until the file does. */
  forward?: ForwardConfig;
  /** Do not disturb. */
  dnd?: boolean;
  /** Its voicemail box (voicemail-config.ts); absent: a box with the defaults. */
  voicemail?: VoicemailSettingsConfig;
  /** Console login password (8-128 characters, hashed when stored) or its `$scrypt$` hash. */
  webPassword?: string;
  /** Logs in to the console as the tenant's admin. */
  webAdmin?: boolean;
}

/** An extension's box (numbered as the extension). */
export interface VoicemailSettingsConfig {
  enabled: boolean;
  pin?: string;
  pinHash?: string;
  email?: string;
  maxMessages?: number;
  maxSeconds?: number;
  allowNoPinFromOwnPhone?: boolean;
  mwi?: 'subscribe' | 'unsolicited' | 'both';
  operator?: DestinationConfig;
}

/** A shared box (voicemailBoxes:). */
export interface VoicemailBoxConfig {
  box: string;
  name?: string;
  pin?: string;
  pinHash?: string;
  email?: string;
  maxMessages?: number;
  maxSeconds?: number;
  operator?: DestinationConfig;
  members?: string[];
}

/** A SIP trunk: the provider's (pbx.yaml) or a tenant's own (tenant YAML). */
export interface TrunkConfig extends TrunkFields {
  /** Provider trunks only: `ca`, the absolute path of a PEM file of CAs trusted for this carrier's TLS certificate. */
  tls?: { ca?: string };
}

/** Where a call goes: the one destination union (src/model/flow-destination.ts; config/destination.ts reads it). */
export type DestinationConfig = FlowDestination;

/** Ring groups and routes as the tenant YAML declares them (src/model/routes.ts). */
export type RingGroupConfig = RingGroup;
export type InboundRouteConfig = InboundRoute;
export type OutboundRouteConfig = OutboundRoute;

export interface TenantConfig {
  /** Absolute path of the file this came from. */
  file: string;
  id: string;
  name: string;
  /**
   * Lowercase; the first is the primary domain and the digest realm. An IPv6 literal
   * keeps its brackets ('[::1]'), as the host of a parsed SIP URI does.
   */
  domains: string[];
  limits: TenantLimits;
  extensions: ExtensionConfig[];
  /** ITU country calling code used to normalise numbers to E.164 (e.g. '1', '44', '49'). */
  countryCode: string;
  /** National trunk prefix (e.g. '0' in most of Europe, '1' in NANP dialling); default '0'. */
  nationalPrefix: string;
  /** The tenant's default outbound caller ID, E.164. */
  callerId?: string;
  /** Class of service of trunk calls a destination sends to an outside number; absent: internal. */
  inboundCos?: ClassOfService;
  /** Digest algorithms the tenant's challenges offer, in order; default pbx.yaml's auth.algorithms. */
  auth?: { algorithms: Array<'SHA-256' | 'MD5'> };
  /** The tenant's call recording policy (b2bua/recording-policy.ts); absent: never. */
  recording?: 'never' | 'always' | 'on-demand';
  /** The tenant's SDES-SRTP policy (b2bua/srtp-policy.ts); absent: optional (on TLS only). */
  srtp?: 'none' | 'optional' | 'required';
  /** DTMF feature codes during a call; recordToggle default '*1' (b2bua/record-toggle.ts). */
  featureCodes?: { [id: string]: string | false | undefined; recordToggle?: string };
  /** Music on hold: the class (folder `<dataDir>/tenants/<id>/moh/<class>/`) held parties hear; default 'default'. */
  moh?: { class?: string };
  /** OPTIONS pings to UDP contacts every optionsSeconds (0 = off); a binding is removed after dropAfterMisses unanswered in a row (0 = never). */
  natKeepalive?: { optionsSeconds: number; dropAfterMisses: number };
  /** Direct media (media bypass, b2bua/direct-media.ts): off by default; `trunks`: the tenant's trunks whose legs may be joined too. */
  media?: { direct: boolean; trunks: string[] };
  /** Busy-lamp keys (dialog events) and presence (tenant/blf-setting.ts); absent: watchers see no peers. */
  blf?: { showPeers: boolean };
  /** Call pickup groups: group name → member extensions (src/model/pickup-groups.ts). */
  pickupGroups?: Record<string, string[]>;
  /** Call park slots, timeout and fallback (src/model/park-settings.ts). */
  park?: import('../model/park-settings.js').ParkSettings;
  /** Phone numbers (E.164) this tenant owns; each belongs to one tenant only. */
  dids: string[];
  trunks: TrunkConfig[];
  ringGroups: RingGroupConfig[];
  inboundRoutes: InboundRouteConfig[];
  outboundRoutes: OutboundRouteConfig[];
  /** Conference rooms (numbers the tenant's extensions dial). */
  conferences?: ConferenceConfig[];
  /** Shared voicemail boxes (voicemail-config.ts). */
  voicemailBoxes?: VoicemailBoxConfig[];
  /** Signed POSTs of the tenant's events (voicemail.new). */
  webhooks?: Array<{ url: string; secret: string; events: string[] }>;
  /** Call flows (src/model/call-flows.ts): IANA zone of the schedules (absent: UTC), schedules, time conditions, IVR menus. */
  timezone?: string;
  schedules?: Schedule[];
  timeConditions?: TimeCondition[];
  ivrs?: IvrMenu[];
  /** Call queues (src/model/call-queue.ts). */
  queues?: CallQueue[];
}

export interface ConferenceConfig {
  number: string;
  name?: string;
  pin?: string;
  maxParticipants?: number;
}
