/**
 * Where a destination of one tenant leads, as something the B2BUA can do: ring targets
 * (an extension, a ring group), leave through trunks (an outside number), run an
 * application (voicemail, IVR, play), join a conference room, or fail with a status.
 *
 * Every name is looked up in the tenant given, never elsewhere: a destination can only
 * ever reach that tenant's extensions, groups, boxes, menus and rooms.
 *
 * Extensions apply their policy (CallApps.extensionPolicy): forwardAlways skips ringing,
 * DND does not ring, no registered device is "unavailable"; a busy, unanswered or
 * unavailable extension goes to its forward for that cause, else to its voicemail box
 * (CallApps.boxOfExtension, deposit with the cause as the reason), else fails as before.
 * A forward counts one hop; past calls.maxForwardHops a forward is not taken (the box or
 * the failure is). A forward to an outside number dials with the FORWARDING extension's
 * class of service and caller ID. A `number` destination of an inbound route or an
 * application dials with the class given (an application's `cos`), else the tenant's
 * inboundCos, else 'internal' (which dials nothing outside): an inbound trunk call leaves
 * through a trunk again only through an explicit forward or a configured number.
 */
import type { CallApp } from '../apps/app-channel.js';
import type { CallApps, DepositReason, ExtensionPolicy } from '../apps/call-apps.js';
import type { Destination } from '../model/routing-plan.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { AnyDestination } from './app-destination.js';
import { describeDestination } from './app-destination.js';
import { extensionStages, trunkIdentityHeaders, type PlannerPorts, type TrunkHandle } from './call-plan.js';
import type { ConferenceRoomConfig } from './conference-call.js';
import { forkTargets, type CallStage, type ForkTarget } from './fork-targets.js';
import { playPromptApp } from './play-prompt-app.js';
import { trunkStages } from './trunk-failover.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/** Why ringing a destination's targets ended without an answer. */
export type RingFailure = 'busy' | 'noanswer' | 'unavailable';

export type Route =
  | {
      kind: 'ring';
      stages: CallStage[];
      /** The callee for the record: the extension or the group's name. */
      label: string;
      calleeUri: string;
      /** Extensions it may ring (per-extension limits). */
      exts: string[];
      /** Give up ringing after this long (the extension's no-answer forward, a group's ring time). */
      noAnswerMs?: number;
      /** What comes after a ring nobody answered; undefined: the call fails as it did. */
      onFail?(why: RingFailure): Route | undefined;
    }
  | { kind: 'outbound'; stages: CallStage[]; trunks: TrunkHandle[]; number: string; calleeUri: string; toNumber?: string; fromNumber?: string; emergency: boolean }
  | { kind: 'app'; app: CallApp; /** The box, menu or prompt, for the record. */ label: string; /** 'voicemail', 'ivr', 'play', 'feature-code'. */ cause: string }
  | { kind: 'conference'; room: ConferenceRoomConfig }
  | { kind: 'fail'; status: number; reason: string };

export interface RouteContext {
  tenant: TenantContext;
  now: number;
  /** Forwards taken so far. */
  hops: number;
  /** The class of service for an outside number (an application's cos, a forwarding extension's). */
  cos?: string;
  /** The extension whose forward sends the call out: its caller ID is presented. */
  forwardingExt?: string;
  /** Chained time conditions and fallbacks end here. */
  depth?: number;
}

export interface DestinationRouterDeps {
  planner: PlannerPorts;
  apps(): CallApps | undefined;
  maxForwardHops(): number;
  /** The tenant's class of service for calls an inbound route or an application sends out; absent: internal. */
  inboundCos(tenant: TenantContext): string | undefined;
  log: { info(m: string, f?: Record<string, unknown>): void; warn(m: string, f?: Record<string, unknown>): void };
}

const MAX_DEPTH = 8;

export class DestinationRouter {
  constructor(private readonly d: DestinationRouterDeps) {}

  resolve(dest: AnyDestination | Destination, c: RouteContext): Route {
    const d = dest as AnyDestination;
    const depth = c.depth ?? 0;
    if (depth > MAX_DEPTH) {
      this.d.log.warn('destination chain too long', { tenant: c.tenant.id, at: describeDestination(d) });
      return { kind: 'fail', status: 482, reason: reasonPhrase(482) };
    }
    const next: RouteContext = { ...c, depth: depth + 1 };
    const apps = this.d.apps();
    const { tenant } = c;
    switch (d.type) {
      case 'hangup':
        return { kind: 'fail', status: 603, reason: reasonPhrase(603) };
      case 'extension':
        return this.extension(d.ext, next);
      case 'ringGroup':
        return this.ringGroup(d.name, next);
      case 'voicemail': {
        const app = apps?.voicemailDeposit?.(tenant, d.box, 'direct');
        return app ? { kind: 'app', app, label: d.box, cause: 'voicemail' } : notFound(`voicemail box ${d.box}`);
      }
      case 'ivr': {
        const app = apps?.ivr?.(tenant, d.name);
        return app ? { kind: 'app', app, label: d.name, cause: 'ivr' } : notFound(`ivr ${d.name}`);
      }
      case 'timeCondition': {
        const to = apps?.timeCondition?.(tenant, d.name, c.now);
        return to ? this.resolve(to, next) : notFound(`time condition ${d.name}`);
      }
      case 'conference': {
        const room = this.d.planner.conference?.(tenant, d.room);
        return room ? { kind: 'conference', room } : notFound(`conference ${d.room}`);
      }
      case 'play':
        return { kind: 'app', app: playPromptApp(d.prompt), label: d.prompt, cause: 'play' };
      case 'queue': {
        const app = apps?.queue?.(tenant, d.name);
        return app ? { kind: 'app', app, label: d.name, cause: 'queue' } : notFound(`queue ${d.name}`);
      }
      case 'number':
        return this.number(d.number, next);
    }
    return { kind: 'fail', status: 404, reason: reasonPhrase(404) };
  }

  /** Ring an extension, after its policy (forwardAlways, DND, unavailable). */
  private extension(ext: string, c: RouteContext): Route {
    const { tenant } = c;
    const row = tenant.store.getExtension(ext);
    if (!row || !row.enabled) return { kind: 'fail', status: 404, reason: reasonPhrase(404) };
    const policy = this.d.apps()?.extensionPolicy?.(tenant, ext);
    if (policy?.forwardAlways) {
      const fwd = this.forward(policy.forwardAlways, ext, c);
      if (fwd) return fwd;
    }
    if (policy?.dnd) return this.unanswered(ext, policy, 'dnd', c) ?? { kind: 'fail', status: 486, reason: reasonPhrase(486) };
    const stages = extensionStages(tenant, ext, c.now);
    if (stages.length === 0) return this.unanswered(ext, policy, 'unavailable', c) ?? { kind: 'fail', status: 480, reason: reasonPhrase(480) };
    const noAnswer = policy?.forwardNoAnswer?.afterSeconds;
    return {
      kind: 'ring',
      stages,
      label: ext,
      calleeUri: `sip:${ext}@${tenant.realm}`,
      exts: [ext],
      ...(noAnswer !== undefined && noAnswer > 0 ? { noAnswerMs: noAnswer * 1000 } : {}),
      onFail: (why) => this.unanswered(ext, policy, why, c),
    };
  }

  /** A busy, unanswered, unavailable or DND extension: its forward for that cause, else its box. */
  private unanswered(ext: string, policy: ExtensionPolicy | undefined, why: DepositReason, c: RouteContext): Route | undefined {
    const fwd = why === 'busy' ? policy?.forwardBusy : why === 'noanswer' ? policy?.forwardNoAnswer?.destination : why === 'unavailable' ? policy?.forwardUnavailable : undefined;
    if (fwd) {
      const r = this.forward(fwd, ext, c);
      if (r) return r;
    }
    const apps = this.d.apps();
    const box = policy?.voicemailBox ?? apps?.boxOfExtension?.(c.tenant, ext);
    if (box === undefined) return undefined;
    const app = apps?.voicemailDeposit?.(c.tenant, box, why);
    return app ? { kind: 'app', app, label: box, cause: 'voicemail' } : undefined;
  }

  /** One forward hop from `ext`; undefined past the hop limit. */
  private forward(to: Destination | AnyDestination, ext: string, c: RouteContext): Route | undefined {
    const max = this.d.maxForwardHops();
    if (c.hops >= max) {
      this.d.log.info('forward not taken: hop limit', { tenant: c.tenant.id, ext, hops: c.hops, max });
      return undefined;
    }
    const cos = c.tenant.store.getExtension(ext)?.classOfService ?? 'internal';
    const r = this.resolve(to, { ...c, hops: c.hops + 1, cos, forwardingExt: ext });
    // A forward that leads nowhere (refused number, unknown name) falls back to the box.
    return r.kind === 'fail' ? undefined : r;
  }

  private ringGroup(name: string, c: RouteContext): Route {
    const { tenant } = c;
    const group = this.d.planner.ringGroup(tenant, name);
    if (!group) return notFound(`ring group ${name}`);
    const ms = group.ringSeconds * 1000;
    let stages: CallStage[];
    if (group.strategy === 'simultaneous') {
      const targets: ForkTarget[] = group.members.flatMap((m) => forkTargets(tenant.store.getBindings(m), c.now));
      stages = targets.length > 0 ? [{ targets, timeoutMs: ms }] : [];
    } else {
      stages = group.members.flatMap((m) => extensionStages(tenant, m, c.now, ms));
    }
    const fallback = group.fallback as AnyDestination | undefined;
    if (stages.length === 0) return fallback ? this.resolve(fallback, c) : { kind: 'fail', status: 480, reason: reasonPhrase(480) };
    return {
      kind: 'ring',
      stages,
      label: name,
      calleeUri: `sip:${name}@${tenant.realm}`,
      exts: [...group.members],
      noAnswerMs: ms * stages.length,
      ...(fallback ? { onFail: () => this.resolve(fallback, c) } : {}),
    };
  }

  /** An outside number through the outbound routes, with the class of service of the context. */
  private number(number: string, c: RouteContext): Route {
    const { tenant } = c;
    const cos = c.cos ?? this.d.inboundCos(tenant) ?? 'internal';
    const decision = this.d.planner.routeOutbound(tenant, number, cos);
    if (decision.kind === 'refused') {
      this.d.log.info('outside number refused', { tenant: tenant.id, number, cos, status: decision.status });
      return { kind: 'fail', status: decision.status, reason: decision.reason };
    }
    if (decision.kind === 'internal') return this.extension(number, c);
    const trunks = decision.trunks.map((n) => this.d.planner.trunk(tenant, n)).filter((t): t is TrunkHandle => t !== undefined);
    if (trunks.length === 0) return { kind: 'fail', status: 503, reason: reasonPhrase(503) };
    // The forwarding extension's caller ID (its own, else the tenant's).
    const callerId = this.d.planner.callerIdOf(tenant, c.forwardingExt ?? '');
    // The same stages as a dialled outside call (b2bua plan): each target of each trunk in
    // turn (RFC 3263), failed targets marked, 488 going on to a trunk with other codecs.
    const stages: CallStage[] = trunkStages(trunks, (t, target) => {
      const uri = `sip:${decision.number}@${t.domain}`;
      const identity = trunkIdentityHeaders(callerId, t.domain, false);
      return {
        requestUri: uri,
        target,
        trunk: t.name,
        ...(t.codecs ? { codecs: t.codecs } : {}),
        toUri: uri,
        ...(identity.fromValue ? { fromValue: identity.fromValue } : {}),
        headers: [...(t.route ? ([['Route', t.route]] as Array<[string, string]>) : []), ...identity.headers],
        answerChallenge: (inv, res) => t.answerChallenge(inv, res),
      };
    });
    return {
      kind: 'outbound',
      stages,
      trunks,
      number: decision.number,
      calleeUri: `sip:${decision.number}@${trunks[0]!.domain}`,
      ...(decision.e164 ? { toNumber: decision.e164 } : {}),
      ...(callerId ? { fromNumber: callerId } : {}),
      emergency: decision.emergency,
    };
  }
}

function notFound(what: string): Route {
  return { kind: 'fail', status: 404, reason: `Not Found (${what})`.slice(0, 80) };
}
