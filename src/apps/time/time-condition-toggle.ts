/**
 * The feature code timeConditionToggle (default *27, then the condition's number: *271 is
 * the tenant's first time condition in declared order). Each use moves the override one
 * step round: auto -> open -> closed -> auto, and says the new state: the tenant's prompt
 * `tc-open`, `tc-closed` or `tc-auto` when it uploaded one, else the built-in `activated`
 * (forced open), `deactivated` (forced closed) or `thank-you` (back to the schedule).
 * A number that is no condition of the caller's tenant plays `invalid-option`.
 */
import { readCallFlows, readOverride, writeOverride, type TimeConditionOverride } from '../../store/call-flows-store.js';
import type { TenantStore } from '../../store/tenant-store.js';
import type { Logger } from '../../util/logger.js';
import type { AppChannel, CallApp } from '../app-channel.js';

export function nextOverride(o: TimeConditionOverride): TimeConditionOverride {
  return o === 'auto' ? 'open' : o === 'open' ? 'closed' : 'auto';
}

/** Moves the override of the `index`-th condition (1-based, as dialled) one step; undefined when there is none. */
export function toggleTimeCondition(store: Pick<TenantStore, 'getSetting' | 'setSetting'>, index: string): { name: string; override: TimeConditionOverride } | undefined {
  if (!/^[1-9][0-9]{0,2}$/.test(index)) return undefined;
  const c = readCallFlows(store).timeConditions[Number(index) - 1];
  if (!c) return undefined;
  const override = nextOverride(readOverride(store, c.name));
  writeOverride(store, c.name, override);
  return { name: c.name, override };
}

const SAY: Record<TimeConditionOverride, [string, string]> = {
  open: ['tc-open', 'activated'],
  closed: ['tc-closed', 'deactivated'],
  auto: ['tc-auto', 'thank-you'],
};

/** The app run for `*27<index>` dialled by an extension of the channel's tenant. */
export class TimeConditionToggleApp implements CallApp {
  constructor(
    private readonly index: string,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async run(ch: AppChannel): Promise<void> {
    try {
      if (!(await ch.answer())) return;
      const r = toggleTimeCondition(ch.tenant.store, this.index);
      if (!r) {
        await ch.play(ch.prompts(['invalid-option']));
      } else {
        this.logger?.info('time condition override', { tenant: ch.tenant.id, condition: r.name, override: r.override, by: ch.caller.ext });
        ch.tenant.store.appendAudit({ at: this.now(), actor: `ext:${ch.caller.ext ?? '?'}`, action: 'timeCondition.override', target: r.name, details: { override: r.override, by: 'featureCode' } });
        const [own, builtin] = SAY[r.override];
        const files = ch.prompts([own]);
        await ch.play(files.length > 0 ? files : ch.prompts([builtin]));
      }
    } catch (e) {
      this.logger?.error('time condition toggle failed', { tenant: ch.tenant.id, error: (e as Error).message });
    }
    if (!ch.hungUp) ch.hangup('normal');
  }
}
