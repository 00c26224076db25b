import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The `lookup` of our UDP sockets (dgram createSocket option). Node resolves the destination
 * of every `socket.send` through it, even an IP literal: dns.lookup answers a literal on the
 * next tick, so each datagram sent costs a closure, a tick object and a second trip through
 * the tick queue before the sendmsg (issue 13: the replies of the SIP thread are almost all
 * to IP literals taken from the packet source or a Via). A literal is answered here at once,
 * in the same call; a host name still goes to dns.lookup, asynchronously as before.
 */
export function ipLiteralLookup(hostname: string, options: number | LookupOneOptions, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}
