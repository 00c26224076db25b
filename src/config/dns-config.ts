/**
 * pbx.yaml `dns:`: how outbound SIP targets known by a name are located (RFC 3263,
 * src/sip/locate). Servers are IP addresses, with a port when it is not 53.
 */
import { isIP, parseHostPort } from './net-syntax.js';
import { positiveInt } from './field-types.js';
import { int, list, object, reject, str } from './schema.js';

/** `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353`. */
function dnsServer() {
  return str({ minLength: 1 }).to((s) => {
    if (isIP(s)) return { address: s, port: 53 };
    const hp = parseHostPort(s);
    if ('problem' in hp) return reject(`'${s}' is not an IP address or address:port of a DNS server`);
    const host = hp.host.startsWith('[') ? hp.host.slice(1, -1) : hp.host;
    return isIP(host) ? { address: host, port: hp.port } : reject(`'${s}' is not an IP address (a DNS server is given by address)`);
  });
}

export const dnsSchema = object({
  /** Absent: the system's servers (/etc/resolv.conf) for NAPTR/SRV, and the system resolver (/etc/hosts too) for addresses. */
  servers: list(dnsServer(), { min: 1, max: 8 }).optional(),
  timeoutMs: int({ min: 100, max: 30_000 }).default(2_000),
  cacheMaxSeconds: int({ min: 0, max: 86_400 }).default(3_600),
  blacklistSeconds: positiveInt().default(60),
});
