/**
 * The class-of-service check of a forward to an outside number at apply time: what the
 * outbound dial plan (src/routing) would decide for the extension dialling that number
 * itself. The same rule PUT .../call-handling and *72 apply through the routing ports.
 */
import { routeOutbound } from './outbound-router.js';
import type { OutsideForwardCheck } from '../tenant/spec-call-flows.js';

export function outsideForwardCheck(emergencyNumbers: () => readonly string[]): OutsideForwardCheck {
  return (plan, classOfService, number, isExtension) => {
    const d = routeOutbound({ plan, emergencyNumbers: emergencyNumbers(), isExtension, dialled: number, classOfService });
    if (d.kind === 'internal') return `${number} is an extension of this tenant: forward to { extension: "${number}" }`;
    if (d.kind === 'refused') return d.reason;
    if (d.emergency) return 'an emergency number';
    return undefined;
  };
}
