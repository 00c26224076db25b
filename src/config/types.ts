/**
 * The typed configuration: what src/config produces from YAML and what src/app
 * consumes. Paths are absolute (resolved against the directory of the file that
 * named them). Durations are in the unit their name says.
 */
export type ListenProtocol = 'udp' | 'tcp' | 'tls';

export interface ListenSpec {
  protocol: ListenProtocol;
  /** An IP address or host name, lowercased; IPv6 without brackets ('::1'). */
  host: string;
  port: number;
}

export interface PbxConfig {
  /** Absolute path of the file this came from. */
  file: string;
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
    /** Open stream connections allowed from one source address. */
    maxConnectionsPerSource: number;
    /** Size caps for one message. */
    maxMessageBytes: number;
  };
  rtp: { address: string; portMin: number; portMax: number; workers: number };
  api: { host: string; port: number; adminToken?: string };
  security: {
    trusted: string[];
    /** Requests per second from one source before it is throttled, then banned; 0 = off. */
    floodRate: number;
    /** How long a flooding source stays banned. */
    floodBanSeconds: number;
    authFailBan: { attempts: number; windowSeconds: number; banSeconds: number };
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
  };
  log: { level: 'debug' | 'info' | 'warn' | 'error' };
}

export interface ExtensionConfig {
  ext: string;
  name: string;
  /** Plain text in the YAML only; the stores keep HA1 digests. */
  password: string;
  enabled: boolean;
  /** Overrides registrar.maxContactsPerAor for this extension. */
  maxContacts?: number;
}

export interface TenantLimits {
  calls?: number;
  extensions?: number;
  storageMB?: number;
  registrations?: number;
  callsPerSecond?: number;
  /** Concurrent calls of one extension; at most calls.perExtension of pbx.yaml. */
  callsPerExtension?: number;
}

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
}
