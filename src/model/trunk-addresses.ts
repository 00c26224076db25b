/**
 * What a trunk's host, domain and allowedSources may be, for the tenant YAML (and the
 * provider trunks of pbx.yaml) and the admin API alike: the trunk layer resolves host
 * names, so an allowed source may be a name as well as an address or CIDR.
 */
import { parseCidr } from '../util/ip.js';
import { normalizeDomain } from './domain-name.js';

export function isTrunkHost(v: unknown): v is string {
  return typeof v === 'string' && normalizeDomain(v) !== undefined;
}

export function isTrunkSource(v: unknown): v is string {
  return typeof v === 'string' && (parseCidr(v) !== undefined || normalizeDomain(v) !== undefined);
}

export const TRUNK_HOST_PROBLEM = 'must be a host name or IP address';
export const TRUNK_SOURCE_PROBLEM = 'must be an IP address, a CIDR or a host name';
