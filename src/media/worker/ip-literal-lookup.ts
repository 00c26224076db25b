import type { LookupOneOptions } from 'node:dns';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The `lookup` of the media sockets (dgram createSocket's option): the address, as it is, at
 * once. Node's default is dns.lookup, which for every datagram sent tests the address against
 * the IPv4 pattern and defers the send by a process.nextTick (a tick queue run per packet). A
 * media socket only ever sends to IP literals checked before they are stored: the SDP target
 * goes through canonicalIp in RelayLeg.setRemote, a latched source is the source address the
 * kernel reported, and the bind address is checked by the RelayEngine. Anything else reaching
 * here (a bug) is not resolved: libuv refuses it (EINVAL) and the socket's 'error' handler
 * reports it, as for any failed send.
 *
 * dgram calls it with the socket's family as a number (4 or 6); @types/node declares options.
 */
export function ipLiteralLookup(address: string, options: LookupOneOptions | number, callback: LookupCallback): void {
  callback(null, address, typeof options === 'number' ? options : (options.family === 6 || options.family === 'IPv6' ? 6 : 4));
}
