/**
 * An IVR menu (auto attendant) run on one caller's leg: the greeting (a key interrupts
 * it), the caller's keys read one at a time, then on to the option's destination, an
 * extension dialled directly, or, after `retries` more tries, to the menu's timeout or
 * invalid destination (absent: hang up). Everything it names is looked up in the
 * channel's tenant only.
 *
 * Bad input: keys beyond what the menu can take are dropped when it decides; a DTMF flood
 * (more than 20 keys within a second) ends the menu at once to its invalid destination, or
 * hangs up. Never throws: an unexpected error hangs up the call and is logged.
 */
import type { Destination } from '../../model/routing-plan.js';
import type { FlowDestination } from '../../model/flow-destination.js';
import type { IvrMenu } from '../../model/ivr-menu.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { AppChannel, CallApp } from '../app-channel.js';
import { toDestination } from '../flow-destination-port.js';
import { DigitRate } from './digit-rate.js';
import { MenuKeys } from './menu-keys.js';

export const DTMF_FLOOD_PER_SECOND = 20;
/** Keys read (and dropped) in one go when the menu has decided. */
const DRAIN_MAX = 64;

export interface IvrAppDeps {
  clock: Clock;
  logger?: Logger;
}

type Entry = { kind: 'go'; to: FlowDestination } | { kind: 'timeout' } | { kind: 'invalid' } | { kind: 'flood' } | { kind: 'hangup' };

export class IvrApp implements CallApp {
  constructor(
    private readonly menu: IvrMenu,
    private readonly deps: IvrAppDeps,
  ) {}

  async run(ch: AppChannel): Promise<void> {
    try {
      await this.serve(ch);
    } catch (e) {
      this.deps.logger?.error('ivr failed', { tenant: ch.tenant.id, ivr: this.menu.name, call: ch.callId, error: (e as Error).message });
      if (!ch.hungUp) ch.hangup('ivr-error');
    }
  }

  private async serve(ch: AppChannel): Promise<void> {
    if (!(await ch.answer())) return;
    const menu = this.menu;
    const keys = new MenuKeys(menu, this.extensionsOf(ch));
    const rate = new DigitRate(DTMF_FLOOD_PER_SECOND);
    const greeting = ch.prompts([menu.greeting]);
    const invalidPrompt = ch.prompts([menu.invalidPrompt]);
    let failures = 0;
    let afterInvalid = false;
    for (;;) {
      const played = await ch.play(afterInvalid ? [...invalidPrompt, ...greeting] : greeting, { bargeIn: true });
      if (played === 'hangup' || ch.hungUp) return;
      const entry = await this.readEntry(ch, keys, rate);
      if (entry.kind === 'hangup' || ch.hungUp) return;
      if (entry.kind === 'go') return this.leave(ch, entry.to, 'ivr-option');
      if (entry.kind === 'flood') {
        ch.flushDigits();
        this.deps.logger?.warn('ivr: DTMF flood', { tenant: ch.tenant.id, ivr: menu.name, call: ch.callId });
        return this.leave(ch, menu.invalid, 'dtmf-flood');
      }
      failures++;
      if (failures > menu.retries) return this.leave(ch, entry.kind === 'timeout' ? menu.timeout : menu.invalid, `ivr-${entry.kind}`);
      afterInvalid = entry.kind === 'invalid';
    }
  }

  /** One entry: keys until one leads somewhere, none can, the caller stops typing, or a flood. */
  private async readEntry(ch: AppChannel, keys: MenuKeys, rate: DigitRate): Promise<Entry> {
    const interMs = this.menu.interDigitSeconds * 1000;
    let typed = '';
    for (;;) {
      const r = await ch.readDigits({ max: 1, firstMs: typed === '' ? this.menu.timeoutSeconds * 1000 : interMs, interMs });
      if (r.hangup) return { kind: 'hangup' };
      if (r.digits === '') {
        if (typed === '') return { kind: 'timeout' };
        const m = keys.match(typed);
        return this.decided(ch, rate, m.exact ? { kind: 'go', to: m.exact } : { kind: 'invalid' });
      }
      if (rate.note(r.digits.length, this.deps.clock.now())) return { kind: 'flood' };
      // '#' ends an entry when no option starts with it ("1001#").
      if (r.digits === '#' && typed !== '' && !keys.match(typed + '#').more && keys.match(typed + '#').exact === undefined) {
        const m = keys.match(typed);
        return this.decided(ch, rate, m.exact ? { kind: 'go', to: m.exact } : { kind: 'invalid' });
      }
      typed += r.digits;
      const m = keys.match(typed);
      if (m.exact && !m.more) return this.decided(ch, rate, { kind: 'go', to: m.exact });
      if (!m.more || typed.length >= keys.maxLength) return this.decided(ch, rate, m.exact ? { kind: 'go', to: m.exact } : { kind: 'invalid' });
    }
  }

  /**
   * The menu decided: keys typed ahead are read and dropped (counted, so a flood still shows).
   * While keys come faster than a person presses them, reading goes on until they pause
   * (1/DTMF_FLOOD_PER_SECOND s): over the network a flood arrives key by key, and deciding
   * on its first key would let it pick an option.
   */
  private async decided(ch: AppChannel, rate: DigitRate, e: Entry): Promise<Entry> {
    const rest = await ch.readDigits({ max: DRAIN_MAX, firstMs: 0, interMs: 0 });
    if (rest.hangup) return { kind: 'hangup' };
    if (rate.note(rest.digits.length, this.deps.clock.now())) return { kind: 'flood' };
    const gapMs = Math.ceil(1000 / DTMF_FLOOD_PER_SECOND);
    while (rate.quick()) {
      const more = await ch.readDigits({ max: DRAIN_MAX, firstMs: gapMs, interMs: gapMs });
      if (more.hangup) return { kind: 'hangup' };
      if (more.digits === '') break;
      if (rate.note(more.digits.length, this.deps.clock.now())) return { kind: 'flood' };
    }
    ch.flushDigits();
    return e;
  }

  private leave(ch: AppChannel, to: FlowDestination | undefined, reason: string): void {
    if (ch.hungUp) return;
    if (to === undefined) return ch.hangup(reason);
    const d: Destination = toDestination(to);
    ch.continueTo(d, { reason });
  }

  /** Enabled extensions of the channel's tenant, when the menu dials them directly. */
  private extensionsOf(ch: AppChannel): Set<string> {
    if (this.menu.directDial === false) return new Set();
    return new Set(ch.tenant.store.listExtensions().filter((e) => e.enabled).map((e) => e.ext));
  }
}
