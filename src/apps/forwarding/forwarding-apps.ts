/**
 * The feature-code applications of forwarding and do-not-disturb: *72/*73 (every call),
 * *90/*91 (busy), *92/*93 (no answer), *78/*79 (DND), under the ids of
 * src/model/feature-code-table.ts (each tenant may rename them). Each answers, changes the
 * CALLING extension's settings (never another's, never another tenant's), plays
 * `activated` / `deactivated` (`cannot-complete` when refused), and hangs up. A forward code
 * dialled without a number reads one: digits until # or a pause.
 */
import { callHandlingSpec, DEFAULT_NO_ANSWER_SECONDS, type CallHandlingSpec } from '../../model/call-handling.js';
import type { Destination } from '../../model/routing-plan.js';
import type { Clock } from '../../util/clock.js';
import type { AppChannel, CallApp } from '../app-channel.js';
import type { FeatureAppContext, FeatureCodeRegistry } from '../feature-codes/feature-code-registry.js';
import { setCallHandling, type CallHandlingDeps } from './call-handling-service.js';

export interface ForwardingAppDeps extends CallHandlingDeps {
  clock: Pick<Clock, 'now'>;
  /** Waits for the number of a forward code dialled without one (ms); defaults 10 s for the first digit, 4 s between digits. */
  firstDigitMs?: number;
  interDigitMs?: number;
  /** Told each refusal (for the log). */
  onRefused?(ctx: FeatureAppContext, problems: ReadonlyArray<{ path: string; message: string }>): void;
}

type ForwardKind = 'always' | 'busy' | 'noAnswer';
const MAX_NUMBER_DIGITS = 32;

/** The actor of the audit entry: the extension itself, from its phone. */
const actorOf = (ctx: FeatureAppContext) => `phone:${ctx.callerExt}`;

async function finish(ch: AppChannel, prompt: string): Promise<void> {
  await ch.play(ch.prompts([prompt]));
  if (!ch.hungUp) ch.hangup('feature code done');
}

/** The settings with one change, as a spec for setCallHandling. */
function changed(ctx: FeatureAppContext, edit: (spec: CallHandlingSpec) => void): CallHandlingSpec {
  const spec = callHandlingSpec(ctx.tenant.store.callHandling.get(ctx.callerExt));
  const copy: CallHandlingSpec = { ...spec, forward: { ...spec.forward } };
  edit(copy);
  return copy;
}

async function apply(deps: ForwardingAppDeps, ctx: FeatureAppContext, ch: AppChannel, spec: CallHandlingSpec, done: 'activated' | 'deactivated'): Promise<void> {
  const r = setCallHandling(deps, ctx.tenant, ctx.callerExt, spec, { now: deps.clock.now(), actor: actorOf(ctx) });
  if (!r.ok) deps.onRefused?.(ctx, r.problems);
  await finish(ch, r.ok ? done : 'cannot-complete');
}

/** The extension of this tenant, or an outside number (the class of service is checked when it is set). */
function destinationOf(ctx: FeatureAppContext, digits: string): Destination {
  return ctx.tenant.store.getExtension(digits) ? { type: 'extension', ext: digits } : { type: 'number', number: digits };
}

function forwardOn(deps: ForwardingAppDeps, kind: ForwardKind) {
  return (ctx: FeatureAppContext): CallApp => ({
    async run(ch) {
      if (!(await ch.answer())) return;
      let digits = ctx.arg;
      if (digits === undefined) {
        await ch.play(ch.prompts(['beep']));
        if (ch.hungUp) return;
        const r = await ch.readDigits({ max: MAX_NUMBER_DIGITS, firstMs: deps.firstDigitMs ?? 10_000, interMs: deps.interDigitMs ?? 4_000, terminators: '#' });
        if (r.hangup || ch.hungUp) return;
        digits = r.digits;
      }
      if (!/^[0-9]{1,32}$/.test(digits)) return finish(ch, 'please-try-again');
      const to = destinationOf(ctx, digits);
      const spec = changed(ctx, (s) => {
        if (kind === 'noAnswer') s.forward!.noAnswer = { to, after: ctx.tenant.store.callHandling.get(ctx.callerExt).noAnswer?.afterSeconds ?? DEFAULT_NO_ANSWER_SECONDS };
        else s.forward![kind] = to;
      });
      await apply(deps, ctx, ch, spec, 'activated');
    },
  });
}

function forwardOff(deps: ForwardingAppDeps, kind: ForwardKind) {
  return (ctx: FeatureAppContext): CallApp => ({
    async run(ch) {
      if (!(await ch.answer())) return;
      await apply(deps, ctx, ch, changed(ctx, (s) => delete s.forward![kind]), 'deactivated');
    },
  });
}

function dnd(deps: ForwardingAppDeps, on: boolean) {
  return (ctx: FeatureAppContext): CallApp => ({
    async run(ch) {
      if (!(await ch.answer())) return;
      await apply(deps, ctx, ch, changed(ctx, (s) => (s.dnd = on)), on ? 'activated' : 'deactivated');
    },
  });
}

/** Registers the eight forwarding and DND codes. */
export function registerForwardingApps(registry: FeatureCodeRegistry, deps: ForwardingAppDeps): void {
  registry.register('forwardOn', forwardOn(deps, 'always'));
  registry.register('forwardOff', forwardOff(deps, 'always'));
  registry.register('forwardBusyOn', forwardOn(deps, 'busy'));
  registry.register('forwardBusyOff', forwardOff(deps, 'busy'));
  registry.register('forwardNoAnswerOn', forwardOn(deps, 'noAnswer'));
  registry.register('forwardNoAnswerOff', forwardOff(deps, 'noAnswer'));
  registry.register('dndOn', dnd(deps, true));
  registry.register('dndOff', dnd(deps, false));
}
