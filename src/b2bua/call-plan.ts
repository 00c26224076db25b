import type { TrunkHandle } from '../trunk/trunk-handle.js';
import { dialledNumber } from '../routing/dialled-number.js';
import type { Destination, RingGroup } from '../model/routing-plan.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { CallStage, ForkTarget } from './fork-targets.js';
import { forkTargets } from './fork-targets.js';
import type { ConferenceRoomConfig } from './conference-call.js';

/**
 * Turning "who called what" into a plan the Call can run: which targets ring, in which
 * stages, and what the record says. Routing decisions (dial plan, trunks) come in through
 * the interfaces below, which the composition root fills from src/routing and src/trunk.
 */

export type { Destination, RingGroup } from '../model/routing-plan.js';
/** Declared by the services that own them: src/trunk (TrunkHandle), src/routing (dialledNumber). */
export type { TrunkHandle };
export { dialledNumber };

/** What the dial plan says about a number an extension dialled. */
export type OutboundDecision =
  | { kind: 'internal' }
  | { kind: 'refused'; status: number; reason: string }
  | { kind: 'route'; trunks: string[]; number: string; e164?: string; emergency: boolean };

export interface PlannerPorts {
  /** The dial plan of the tenant, for a number dialled by an extension with its class of service. */
  routeOutbound(tenant: TenantContext, dialled: string, classOfService: string): OutboundDecision;
  /** A trunk by name as the tenant may use it (its own, or a provider trunk open to it). */
  trunk(tenant: TenantContext, name: string): TrunkHandle | undefined;
  /** The tenant's inbound route for one of its DIDs. */
  inboundDestination(tenant: TenantContext, did: string): Destination | undefined;
  ringGroup(tenant: TenantContext, name: string): RingGroup | undefined;
  /** The tenant's conference room with this number, if it has one (absent: no rooms). */
  conference?(tenant: TenantContext, number: string): ConferenceRoomConfig | undefined;
  /** The caller ID an extension presents outside (E.164), if any. */
  callerIdOf(tenant: TenantContext, ext: string): string | undefined;
}

export type CallPlan =
  | { kind: 'refuse'; status: number; reason: string; /** What the refused call would have been; default by the caller. */ direction?: 'outbound' }
  | {
      kind: 'call';
      stages: CallStage[];
      calleeExt: string;
      calleeUri: string;
      record: { direction: 'internal' | 'inbound' | 'outbound'; trunk?: string; did?: string; fromNumber?: string; toNumber?: string };
      /** Trunks this call may occupy a channel on (outbound: each tried in turn; inbound: the one it came in on). */
      trunks: TrunkHandle[];
      /** The extensions this call may ring (for per-extension limits). */
      calleeExts: string[];
      /** An emergency call: no tenant cap on trunk calls or minutes holds it back. */
      emergency?: boolean;
    };

/** RFC 3261 §16.7-style failover between trunks: a server error or a timeout tries the next. */
export function failoverStatus(failures: ReadonlyArray<{ status: number }>): boolean {
  return failures.every((f) => f.status >= 500 || f.status === 408);
}

/** The stages that ring an extension's registered contacts: one stage, all at once. */
export function extensionStages(tenant: TenantContext, ext: string, now: number, timeoutMs?: number, instance?: string): CallStage[] {
  let targets = forkTargets(tenant.store.getBindings(ext), now);
  if (instance !== undefined) targets = targets.filter((t) => t.binding?.instance === instance);
  return targets.length > 0 ? [{ targets, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }] : [];
}

/**
 * The plan for a destination of an inbound route: an extension, a ring group (all at once,
 * or one member after the other, each for ringSeconds), then the group's fallback.
 */
export function destinationStages(ports: PlannerPorts, tenant: TenantContext, d: Destination, now: number, depth = 0): { stages: CallStage[]; exts: string[] } {
  if (depth > 3) return { stages: [], exts: [] }; // a fallback chain that loops ends here
  if (d.type === 'hangup') return { stages: [], exts: [] };
  if (d.type === 'extension') return { stages: extensionStages(tenant, d.ext, now), exts: [d.ext] };
  // Voicemail, IVR, time condition, conference, outside number and play-then-hang-up are
  // applications, not ringing stages: the B2BUA runs them through CallApps (helper app-legs).
  if (d.type !== 'ringGroup') return { stages: [], exts: [] };
  const group = ports.ringGroup(tenant, d.name);
  if (!group) return { stages: [], exts: [] };
  const ms = group.ringSeconds * 1000;
  let stages: CallStage[];
  if (group.strategy === 'simultaneous') {
    const targets: ForkTarget[] = group.members.flatMap((m) => forkTargets(tenant.store.getBindings(m), now));
    stages = targets.length > 0 ? [{ targets, timeoutMs: ms }] : [];
  } else {
    stages = group.members.flatMap((m) => extensionStages(tenant, m, now, ms));
  }
  const exts = [...group.members];
  if (group.fallback) {
    const fb = destinationStages(ports, tenant, group.fallback, now, depth + 1);
    stages = [...stages, ...fb.stages];
    exts.push(...fb.exts);
  }
  return { stages, exts };
}

/**
 * From, P-Asserted-Identity and Privacy for a call leaving through a trunk (RFC 3325 §9.1,
 * RFC 3323): the caller ID goes in P-Asserted-Identity for the carrier; when the caller
 * asked for privacy (its INVITE's Privacy: id or header, or an anonymous From) the From is
 * anonymous and Privacy: id tells the carrier not to pass the identity on.
 */
export function trunkIdentityHeaders(callerId: string | undefined, domain: string, wantsPrivacy = false): { fromValue?: string; headers: Array<[string, string]> } {
  if (!callerId) return wantsPrivacy ? { fromValue: ANONYMOUS_FROM, headers: [['Privacy', 'id']] } : { headers: [] };
  const uri = `sip:${callerId}@${domain}`;
  if (wantsPrivacy) return { fromValue: ANONYMOUS_FROM, headers: [['P-Asserted-Identity', `<${uri}>`], ['Privacy', 'id']] };
  return { fromValue: `<${uri}>`, headers: [['P-Asserted-Identity', `<${uri}>`]] };
}

/** RFC 3323 §4.1.1.3: the From of an anonymous call. */
const ANONYMOUS_FROM = '"Anonymous" <sip:anonymous@anonymous.invalid>';

/** Whether a caller's INVITE asks that its identity be withheld (RFC 3323 §4.2; an anonymous From, §4.1.1.3). */
export function wantsPrivacy(privacy: string | undefined, from: string | undefined): boolean {
  const values = (privacy ?? '').toLowerCase().split(';').map((v) => v.trim());
  if (values.includes('id') || values.includes('header') || values.includes('user')) return true;
  return /sip:anonymous@/i.test(from ?? '');
}
