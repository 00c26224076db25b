import { formatCidr, InvalidAddressError, parseCidr, readIp, prefixMaskWord, type Cidr, type IpFamily } from './ip.js';

/**
 * A fixed set of networks, parsed once, with a membership test that neither parses
 * twice nor allocates. Meant for a handful to a few hundred prefixes (trusted sources,
 * trunk ACLs); contains() is a linear scan over precomputed network/mask words.
 *
 * Addresses are compared after IPv4-mapped IPv6 is folded to IPv4 (see ip.ts), so
 * "10.0.0.0/8" contains "::ffff:10.1.2.3", and an IPv6 network that covers the whole
 * mapped range ::ffff:0:0/96 (such as "::/0") contains every IPv4 address too.
 */
export class CidrSet {
  readonly cidrs: readonly Cidr[];
  // IPv4: [network, mask] pairs. IPv6: [n0..n3, m0..m3] runs of eight.
  private readonly v4: Uint32Array;
  private readonly v6: Uint32Array;
  private readonly scratch = new Uint32Array(4);

  /** Throws InvalidAddressError naming the first entry that is not an address or network. */
  constructor(entries: Iterable<string> = []) {
    const cidrs: Cidr[] = [];
    const v4: number[] = [];
    const v6: number[] = [];
    for (const text of entries) {
      const cidr = parseCidr(String(text).trim());
      if (!cidr) throw new InvalidAddressError(String(text), 'IP address or CIDR');
      cidrs.push(cidr);
      const w = cidr.address.words;
      if (cidr.address.family === 4) {
        v4.push(w[0], prefixMaskWord(cidr.prefix, 0));
        continue;
      }
      const masks = [0, 1, 2, 3].map((k) => prefixMaskWord(cidr.prefix, k));
      v6.push(w[0], w[1], w[2], w[3], ...masks);
      // The folded IPv4 form of a mapped address must still fall inside such a network.
      if (cidr.prefix <= 96 && w[0] === 0 && w[1] === 0 && (0xffff & masks[2]) >>> 0 === w[2]) v4.push(0, 0);
    }
    this.cidrs = cidrs;
    this.v4 = Uint32Array.from(v4);
    this.v6 = Uint32Array.from(v6);
  }

  get size(): number {
    return this.cidrs.length;
  }

  /** False for text that is not an address. */
  contains(address: string): boolean {
    if (this.cidrs.length === 0) return false;
    const family = readIp(address, this.scratch);
    return family !== 0 && this.containsWords(family, this.scratch);
  }

  /** The same test for an address already read with readIp(). */
  containsWords(family: IpFamily, words: ArrayLike<number>): boolean {
    if (family === 4) {
      const a = words[0];
      const t = this.v4;
      for (let i = 0; i < t.length; i += 2) if ((a & t[i + 1]) >>> 0 === t[i]) return true;
      return false;
    }
    const t = this.v6;
    const w0 = words[0];
    const w1 = words[1];
    const w2 = words[2];
    const w3 = words[3];
    for (let i = 0; i < t.length; i += 8) {
      if (
        (w0 & t[i + 4]) >>> 0 === t[i] &&
        (w1 & t[i + 5]) >>> 0 === t[i + 1] &&
        (w2 & t[i + 6]) >>> 0 === t[i + 2] &&
        (w3 & t[i + 7]) >>> 0 === t[i + 3]
      )
        return true;
    }
    return false;
  }

  /** Whether one entry of the set covers the whole of `cidr` (not merely its first address). */
  coversNetwork(cidr: Cidr): boolean {
    const w = cidr.address.words;
    if (cidr.address.family === 4) {
      const pm = prefixMaskWord(cidr.prefix, 0);
      const t = this.v4;
      for (let i = 0; i < t.length; i += 2) if ((t[i + 1] & pm) >>> 0 === t[i + 1] && (w[0] & t[i + 1]) >>> 0 === t[i]) return true;
      return false;
    }
    const t = this.v6;
    outer: for (let i = 0; i < t.length; i += 8) {
      for (let k = 0; k < 4; k++) {
        const mask = t[i + 4 + k];
        if ((mask & prefixMaskWord(cidr.prefix, k)) >>> 0 !== mask || (w[k] & mask) >>> 0 !== t[i + k]) continue outer;
      }
      return true;
    }
    return false;
  }

  /** Canonical text of each entry, in the order given. */
  toStrings(): string[] {
    return this.cidrs.map(formatCidr);
  }
}
