import { readIp } from '../../util/ip.js';
import { sourceKey as keyOf } from '../../util/source-key.js';

const words = new Uint32Array(4);

/**
 * The key a connection's source is counted under: an IPv4 address as it is (an IPv4-mapped
 * spelling folded to it), an IPv6 address by its /64 network, as the flood guard counts it
 * (src/edge/security). One host usually owns a whole /64 (RFC 4291 §2.5.1, RFC 8981), so
 * counting exact IPv6 addresses would give it 2^64 separate allowances.
 */
export function sourceKey(address: string): string {
  return keyOf(address, readIp(address, words), words, 64);
}
