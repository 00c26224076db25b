import { newBranch } from '../../util/ids.js';

/** Where our Via says we are: the listener a request leaves from. */
export interface LocalVia {
  /** udp, tcp, tls…; written upper-case. */
  transport: string;
  /** An IPv6 address may be given with or without brackets. */
  host: string;
  port: number;
}

/**
 * Our Via for a new request: a fresh RFC 3261 branch every time (§8.1.1.7), and rport
 * (RFC 3581) so that responses find their way back through a NAT.
 */
export function viaValue(v: LocalVia, branch: string = newBranch()): string {
  const host = v.host.includes(':') && !v.host.startsWith('[') ? `[${v.host}]` : v.host;
  return `SIP/2.0/${v.transport.toUpperCase()} ${host}:${v.port};branch=${branch};rport`;
}
