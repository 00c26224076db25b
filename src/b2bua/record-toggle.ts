/**
 * On-demand recording by a feature code (issue 10, item 8): during an answered call whose
 * policy is on-demand, either party dialling the code (default `*1`, the tenant file's
 * `featureCodes.recordToggle`) as DTMF, whichever way the digit came (RFC 4733, in-band,
 * SIP INFO: MediaSession.onDigit), starts the recording, or stops it when it runs. The
 * party who pressed it hears a short beep (the `beep` prompt) when it worked; a refusal
 * (storage full, feature off) is logged and gives no beep.
 *
 * The code's digits are NOT swallowed: the media worker relays or interworks each digit
 * to the other party as it arrives, before the code is complete (a `*` cannot be held back
 * without delaying every `*`), so the other party hears or receives `*1` too. This is what
 * a B2BUA that does not buffer DTMF can offer; codes start with `*` or `#` so they rarely
 * mean anything to a far-end menu.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { FeatureCodeMatcher } from './feature-code-matcher.js';
import type { CallMediaSession, LegName } from './ports.js';

export interface RecordToggleTarget {
  /** True when the call is being recorded now. */
  recording(): boolean;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

export interface RecordToggleDeps {
  code: string;
  clock: Clock;
  logger: Logger;
  /** The confirmation tone's file (the built-in `beep` or the tenant's own); undefined: no tone. */
  beep: string | undefined;
}

export class RecordToggle {
  private readonly matchers: Record<LegName, FeatureCodeMatcher>;
  private busy = false;
  private readonly off: (() => void) | undefined;

  constructor(
    private readonly media: CallMediaSession,
    private readonly target: RecordToggleTarget,
    private readonly d: RecordToggleDeps,
  ) {
    this.matchers = { a: new FeatureCodeMatcher(d.code), b: new FeatureCodeMatcher(d.code) };
    this.off = media.onDigit?.((e) => {
      if (this.matchers[e.leg]?.push(e.digit, d.clock.now())) void this.toggle(e.leg);
    });
  }

  /** Stop listening (the call ended). */
  detach(): void {
    this.off?.();
  }

  private async toggle(leg: LegName): Promise<void> {
    // One toggle at a time: a second code while the first is being carried out is ignored.
    if (this.busy) return;
    this.busy = true;
    const action = this.target.recording() ? 'stop' : 'start';
    try {
      await (action === 'start' ? this.target.start() : this.target.stop());
      this.d.logger.info(`recording ${action === 'start' ? 'started' : 'stopped'} by feature code`, { leg });
      if (this.d.beep && this.media.play) {
        this.media.play(leg, [this.d.beep], { bargeIn: false }).catch((e: unknown) => this.d.logger.debug('confirmation beep not played', { leg, error: e }));
      }
    } catch (e) {
      this.d.logger.info(`feature code: recording not ${action === 'start' ? 'started' : 'stopped'}`, { leg, error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.busy = false;
    }
  }
}
