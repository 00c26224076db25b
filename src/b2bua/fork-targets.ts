import type { BindingRow } from '../store/binding-row.js';
import type { Target } from '../sip/transport/types.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import { isIP } from 'node:net';
import { isSipUri, parseUri } from '../sip/message/uri.js';

/** Where one branch of a call goes: the registered Contact, reached the way it registered. */
export interface ForkTarget {
  /** Request-URI: the Contact URI as registered (RFC 3261 §16.5: the target set is the contacts), or the number at a trunk. */
  requestUri: string;
  /**
   * Where to send: the address the REGISTER came from and, for TCP/TLS, its connection
   * (a phone behind NAT is reachable only there; RFC 5626 flows); or the trunk's address.
   */
  target: Target;
  /**
   * Where the far end itself is when `target` is a proxy in between (a contact registered with
   * a Path through a trusted edge): the phone's address as the edge named it at registration.
   * The media guard judges the far end's SDP against this, not against the proxy.
   */
  client?: string;
  /** The registration this target comes from (calls to extensions). */
  binding?: BindingRow;
  /** Trunk calls: the trunk's name, for limits and records. */
  trunk?: string;
  /** Trunk calls: the codecs the trunk takes; the offer is cut down to them. */
  codecs?: readonly string[];
  /** Overrides for the INVITE: To URI, From value (caller ID), extra headers (P-Asserted-Identity, Privacy). */
  toUri?: string;
  fromValue?: string;
  headers?: Array<[string, string]>;
  /**
   * A 401/407 to our INVITE: the same INVITE with credentials, when this target may
   * answer that challenge (a trunk, and only for a challenge from the trunk itself).
   */
  answerChallenge?: (invite: SipRequest, challenge: SipResponse) => SipRequest | undefined;
}

/** One step of a call plan: its targets ring at once. */
export interface CallStage {
  targets: ForkTarget[];
  /** Give up on this stage after this long and go on (sequential ring groups). */
  timeoutMs?: number;
  /** Go on to the next stage after these failures (trunk failover on 5xx, 408); default: always. */
  continueAfter?: (failures: ReadonlyArray<{ status: number }>) => boolean;
}

/** The live contacts of an extension, best q first (RFC 3261 §16.6 orders by q). */
export function forkTargets(bindings: readonly BindingRow[], now: number): ForkTarget[] {
  return bindings
    .filter((b) => b.expiresAt > now)
    .sort((a, b) => (b.q ?? 1) - (a.q ?? 1))
    .map((binding) => {
      const via = pathTarget(binding);
      // RFC 3327 §5: a request to a contact registered with a Path carries it as its route set.
      if (via) return { requestUri: binding.contact, target: via, client: binding.source.address, binding, headers: binding.path!.map((p): [string, string] => ['Route', p]) };
      return { requestUri: binding.contact, target: targetOf(binding), binding };
    });
}

/**
 * The far end's own address, which its media is expected from (sdp-bridge.ts's guard): the
 * phone behind a proxy, else where we signal to.
 */
export function farEndAddress(t: ForkTarget): string {
  return t.client ?? t.target.address;
}

/**
 * Where a request to a registered contact goes. Over TCP/TLS, and for RFC 5626 flows
 * (+sip.instance with reg-id), the way the REGISTER came in. Over UDP, the Contact itself
 * when its host is the very address the REGISTER came from (no NAT in between: the
 * contact port is the phone's own, which may differ from the port it registered from);
 * otherwise the source address and port, the only way through a NAT (RFC 3581).
 */
export function targetOf(b: BindingRow): Target {
  const flow: Target = { protocol: b.source.protocol, address: b.source.address, port: b.source.port };
  if (b.source.connectionId !== undefined) flow.connectionId = b.source.connectionId;
  if (b.source.protocol !== 'udp' || (b.instance !== undefined && b.regId !== undefined)) return flow;
  let u;
  try {
    u = parseUri(b.contact);
  } catch {
    return flow;
  }
  if (!isSipUri(u)) return flow;
  const host = u.host.startsWith('[') ? u.host.slice(1, -1) : u.host;
  if (host !== b.source.address) return flow;
  const transport = (u.params['transport'] ?? 'udp')?.toLowerCase();
  if (transport !== 'udp') return flow;
  return { protocol: 'udp', address: host, port: u.port ?? 5060 };
}

/**
 * RFC 5627: a public GRUU (`sip:aor@domain;gr=urn:uuid:…`) names one instance of an AOR.
 * Returns the AOR's user and the instance, or undefined for another kind of URI.
 */
export function gruuOf(uriText: string): { user: string; host: string; instance: string } | undefined {
  let u;
  try {
    u = parseUri(uriText);
  } catch {
    return undefined;
  }
  if (!isSipUri(u) || u.user === undefined) return undefined;
  const gr = u.params['gr'];
  if (gr === undefined || gr === null || gr.length === 0) return undefined;
  return { user: u.user, host: u.host, instance: gr.replace(/^<|>$/g, '') };
}

/**
 * The first hop of a contact registered through a proxy that added Path (RFC 3327: a cluster
 * edge): the first Path URI, with a loose-routing `lr`. Undefined without a usable Path (the
 * contact is then reached directly, as without a proxy).
 */
export function pathTarget(b: BindingRow): Target | undefined {
  const first = b.path?.[0];
  if (first === undefined) return undefined;
  const m = /<([^>]+)>/.exec(first);
  let u;
  try {
    u = parseUri(m ? m[1]! : first.trim());
  } catch {
    return undefined;
  }
  if (!isSipUri(u) || !('lr' in u.params)) return undefined;
  const host = u.host.startsWith('[') ? u.host.slice(1, -1) : u.host;
  if (isIP(host) === 0) return undefined; // a name would need DNS (RFC 3263); edges are given by address
  const transport = (u.params['transport'] ?? 'udp').toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') return undefined;
  return { protocol: transport, address: host, port: u.port ?? (transport === 'tls' ? 5061 : 5060) };
}
