/**
 * A SIP trunk, the provider's (pbx.yaml) or a tenant's own (tenant YAML, API): the fields
 * config (TrunkConfig), the tenant store (Trunk) and routing share, declared once here.
 */
export interface TrunkFields {
  /** Unique within its owner; [a-z0-9-]{1,63}. */
  name: string;
  /** 'register': we REGISTER to the carrier with credentials; 'ip': the carrier is known by its addresses. */
  kind: 'register' | 'ip';
  /** The carrier's SIP host (IP literal or DNS name) and port; transport of our requests. */
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  /** Send every request through this proxy instead (host:port). */
  outboundProxy?: { host: string; port: number };
  /** Digest credentials for REGISTER (register trunks) and for the carrier's 401/407 on our INVITEs; in clear. */
  username?: string;
  password?: string;
  /** Defaults to username. */
  authUsername?: string;
  /** The domain written in From/To of our requests; default host. */
  domain?: string;
  /** Registration interval asked for, seconds (register trunks); default 3600. */
  registerExpires: number;
  /** Addresses, CIDRs or host names inbound calls are accepted from. For ip trunks required; for register trunks default: the host. */
  allowedSources: string[];
  /** Codec names allowed on this trunk (e.g. [PCMA, PCMU]); absent: every codec. */
  codecs?: string[];
  /** Concurrent calls on this trunk. */
  maxChannels?: number;
}
