import { isIP } from 'node:net';

// RFC 3261 §25.1: hostname = *( domainlabel "." ) toplabel [ "." ]
//   domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
//   toplabel    = ALPHA / ALPHA *( alphanum / "-" ) alphanum
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LABEL = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The canonical form of a tenant domain, or undefined when it is neither a host
 * name nor an IP literal. Lowercase, no trailing dot; IPv6 without brackets and
 * in the compressed form (so "[2001:DB8:0::1]" and "2001:db8::1" are one domain).
 */
export function normalizeDomain(input: string): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > 255) return undefined;
  let s = input.toLowerCase();
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) return undefined;
    s = s.slice(1, -1);
    return isIP(s) === 6 ? canonicalIPv6(s) : undefined;
  }
  const family = isIP(s);
  if (family === 4) return s;
  if (family === 6) return canonicalIPv6(s);
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253) return undefined;
  const labels = s.split('.');
  const top = labels[labels.length - 1]!;
  if (!TOP_LABEL.test(top)) return undefined;
  for (let i = 0; i < labels.length - 1; i++) if (!DOMAIN_LABEL.test(labels[i]!)) return undefined;
  return s;
}

function canonicalIPv6(s: string): string | undefined {
  if (s.includes('%')) return undefined; // zone ids name a local interface, not a domain
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}
