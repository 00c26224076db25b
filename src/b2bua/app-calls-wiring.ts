/**
 * How the B2BUA uses AppCalls (app-calls.ts): the options it takes from the composition
 * root, the AppCalls built from the B2BUA's own plumbing, a route that rings turned into a
 * CallPlan for Call, and the hook through which an unanswered Call goes on to a forward or
 * voicemail. Kept out of b2bua.ts so that file only calls these.
 */
import type { CallApps } from '../apps/call-apps.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { AppCalls, type AppInvite } from './app-calls.js';
import { callerNumberOf } from './caller-number.js';
import type { AppLegInput } from './app-leg.js';
import type { B2buaDeps } from './b2bua.js';
import type { CallContext } from './call-context.js';
import type { CallPlan } from './call-plan.js';
import type { CallInput } from './call.js';
import type { Route } from './destination-router.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { TrunkChannels } from './trunk-channels.js';

export interface AppCallsOptions {
  /** The call applications (src/apps), read at each call; undefined: none wired. */
  callApps(): CallApps | undefined;
  /** calls.maxForwardHops. */
  maxForwardHops(): number;
  /** The class of service of calls an inbound route or an application sends to an outside number; absent: internal. */
  inboundCos?(tenant: TenantContext): string | undefined;
  /** Prompt files of a tenant (tenant, operator, built-in); unknown ids left out. */
  prompts(tenant: TenantContext, ids: readonly string[]): string[];
  /** Cut the stop key's tone from the end of an application's recording (media/wav/wav-trim.ts). */
  trimRecordingTail?(path: string, ms: number): number;
}

import { reportAppLegActivity } from './app-leg-activity.js';
import type { AppLeg } from './app-leg.js';

export function appCallsOf(d: B2buaDeps, trunkChannels: TrunkChannels, contextFor: (tenant: TenantContext) => CallContext, legEnded: () => void): AppCalls {
  const o = d.apps;
  return new AppCalls({
    clock: d.clock,
    logger: d.logger,
    transactions: d.transactions,
    planner: d.planner,
    limits: d.limits,
    trunkChannels,
    apps: () => o?.callApps(),
    maxForwardHops: () => o?.maxForwardHops() ?? 3,
    inboundCos: (tenant) => o?.inboundCos?.(tenant),
    prompts: (tenant, ids) => o?.prompts(tenant, ids) ?? [],
    ...(o?.trimRecordingTail ? { trimRecordingTail: o.trimRecordingTail } : {}),
    ...(d.conferences ? { conferences: d.conferences } : {}),
    // The same toll-fraud checks as an extension's outbound call (b2bua.ts handleInvite).
    outboundRefusal: (tenant) => {
      if (d.records?.blocked(tenant.id)) return 'call records cannot be written';
      const minutes = tenant.limits.outboundMinutesPerDay;
      if (minutes === undefined) return undefined;
      const dayStart = Math.floor(d.clock.now() / 86_400_000) * 86_400_000;
      const used = tenant.store.outboundSecondsSince(dayStart) + (d.records?.pendingOutboundSecondsSince(tenant.id, dayStart) ?? 0);
      return used >= minutes * 60 ? `daily outbound minutes (${minutes}) used up` : undefined;
    },
    legDeps: (tenant) => {
      const ctx = contextFor(tenant);
      return {
        io: ctx.io,
        clock: ctx.clock,
        logger: ctx.logger,
        media: ctx.media,
        recorder: ctx.recorder,
        settings: () => {
          const s = d.settings();
          return { t1: s.t1, t2: s.t2, noAnswerMs: s.noAnswerMs };
        },
        mediaAddress: ctx.mediaAddress,
        ownAddresses: () => ctx.ownAddresses,
        ...(ctx.webrtcIdentity ? { webrtcIdentity: ctx.webrtcIdentity } : {}),
        forkIo: ctx.forkIo,
        forkHeaders: () => ctx.forkHeaders(),
        ackFork: (fork, res) => ctx.ackFork(fork, res),
        byeFork: (fork, headers) => ctx.byeFork(fork, headers),
        sendToCaller: (res, target) => {
          d.transport.send(res, target).catch(() => undefined);
        },
        // While a continueTo rings, the caller hears the tenant's music on hold (else silence).
        ringback: (t) => d.musicOnHold?.(t) ?? [],
        dialogUp: () => {},
        ended: () => legEnded(),
        ...(d.activity ? { activity: (leg: AppLeg) => reportAppLegActivity(d.activity!, tenant.id, leg) } : {}),
      };
    },
  });
}

/** A route that rings (an extension, a group, an outside number) as the plan a Call runs. */
export function planOfRoute(r: Extract<Route, { kind: 'ring' } | { kind: 'outbound' }>, i: AppInvite): CallPlan {
  const inbound = i.caller.kind === 'trunk' ? { trunk: i.caller.trunk.name, did: i.caller.did } : undefined;
  const from = inbound ? callerNumberOf(i.req) : undefined;
  if (r.kind === 'ring') {
    return {
      kind: 'call',
      stages: r.stages,
      calleeExt: r.label,
      calleeUri: r.calleeUri,
      record: inbound ? { direction: 'inbound', trunk: inbound.trunk, did: inbound.did, ...(from ? { fromNumber: from } : {}), toNumber: inbound.did } : { direction: 'internal' },
      trunks: i.caller.kind === 'trunk' ? [i.caller.trunk] : [],
      calleeExts: r.exts,
    };
  }
  // An outside number (a forward, a configured `number` destination): an outbound call,
  // counted on the tenant's trunk channels and daily minutes like any.
  return {
    kind: 'call',
    stages: r.stages,
    calleeExt: r.number,
    calleeUri: r.calleeUri,
    record: { direction: 'outbound', trunk: r.trunks[0]!.name, ...(r.fromNumber ? { fromNumber: r.fromNumber } : {}), ...(r.toNumber ? { toNumber: r.toNumber } : {}), ...(inbound ? { did: inbound.did } : {}) },
    trunks: r.trunks,
    calleeExts: [],
    ...(r.emergency ? { emergency: true } : {}),
  };
}

/** The Call input that sends an unanswered ring on to the route's next step. */
export function unansweredHook(
  apps: AppCalls,
  r: Extract<Route, { kind: 'ring' }>,
  i: AppInvite,
  x: { tx: ServerTransaction; offer: Buffer; callerTimer: AppLegInput['callerTimer']; record: AppLegInput['record']; releaseLimit(): void },
): Pick<CallInput, 'noAnswerMs' | 'onUnanswered'> {
  return {
    ...(r.noAnswerMs !== undefined ? { noAnswerMs: r.noAnswerMs } : {}),
    onUnanswered: (why, handover) => {
      const next = r.onFail?.(why);
      if (!next) return false;
      // Voicemail or a forward: a forward that rings again is answered by the PBX and
      // bridged on the callee's answer (the caller hears ringback meanwhile).
      return apps.takeOver(i, { ...x, handover }, next);
    },
  };
}
