import { networkInterfaces } from 'node:os';
import type { PbxConfig } from '../config/types.js';
import { OutboundAddressPolicy } from '../util/outbound-address-policy.js';

/**
 * Where tenant trunks may point, from pbx.yaml's security.tenantTrunk* keys and the
 * PBX's own addresses: rtp.address, publicAddress, the SIP listeners, and every address of
 * this host's interfaces (a listener on 0.0.0.0 answers on all of them).
 */
export function trunkAddressPolicy(c: PbxConfig, listening: readonly string[] = []): OutboundAddressPolicy {
  const own = [c.rtp.address, c.sip.publicAddress, ...c.sip.listen.map((l) => l.host), ...listening];
  if ([...c.sip.listen.map((l) => l.host), ...listening].some((h) => h === '0.0.0.0' || /^[0:]+$/.test(h))) own.push(...interfaceAddresses());
  return new OutboundAddressPolicy({
    ownAddresses: own,
    allowPrivate: c.security.tenantTrunkPrivateNetworks,
    allowedNetworks: c.security.tenantTrunkAllowedNetworks,
  });
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}
