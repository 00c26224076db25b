/**
 * The engine's DTMF book-keeping: per session, the codecs and DTMF settings last given,
 * and the DtmfTap on whichever session object carries the call now (a relay, or a
 * transcoder after setCodecs): a new one each time either changes, ticked by the engine's
 * one pacer only while a digit is in progress.
 */
import { MediaError } from '../media-error.js';
import type { DtmfMode, LegCodec, LegDtmf, MediaEvent } from '../protocol.js';
import { digitToEvent } from '../rtp/telephone-event.js';
import { DtmfTap } from './dtmf-tap.js';
import type { FramePacer } from './frame-pacer.js';
import type { RelayLeg } from './relay-leg.js';

/** What a session offers the attachments. */
export interface DtmfHost {
  readonly id: string;
  readonly a: RelayLeg;
  readonly b: RelayLeg;
  dtmf: DtmfTap | undefined;
}

const MODES: readonly DtmfMode[] = ['rfc4733', 'info', 'inband', 'none'];
/** The longest digit a command may ask for. */
export const MAX_DIGIT_MS = 10_000;

interface Entry {
  codecs?: { a: LegCodec; b: LegCodec };
  config?: { a: LegDtmf; b: LegDtmf };
}

export class DtmfAttachments {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly pacer: FramePacer,
    private readonly now: () => number,
    private readonly emit: (e: MediaEvent) => void,
  ) {}

  /** Note what the legs carry; true when it differs from before (a tap must be rebuilt). */
  codecs(id: string, a: LegCodec, b: LegCodec): boolean {
    const e = this.entries.get(id) ?? {};
    const changed = !e.codecs || JSON.stringify(e.codecs) !== JSON.stringify({ a, b });
    e.codecs = { a: { ...a }, b: { ...b } };
    this.entries.set(id, e);
    return changed;
  }

  /** Note the settings; true when they differ from before. */
  configure(id: string, a: LegDtmf, b: LegDtmf): boolean {
    const e = this.entries.get(id) ?? {};
    const changed = !e.config || JSON.stringify(e.config) !== JSON.stringify({ a, b });
    e.config = { a, b };
    this.entries.set(id, e);
    return changed;
  }

  /** A fresh tap on the session when both codecs and settings are known (the old one stops ticking). */
  attach(s: DtmfHost, interwork: boolean): void {
    const e = this.entries.get(s.id);
    s.dtmf?.detach();
    s.dtmf = undefined;
    if (!e?.codecs || !e.config) return;
    const tap: DtmfTap = new DtmfTap(s.id, { a: s.a, b: s.b }, e.codecs, e.config, this.now, this.emit, (on) => (on ? this.pacer.add(tap) : this.pacer.remove(tap)), interwork);
    s.dtmf = tap;
  }

  forget(s: DtmfHost): void {
    s.dtmf?.detach();
    s.dtmf = undefined;
    this.entries.delete(s.id);
  }
}

export function checkLegDtmf(x: unknown): LegDtmf {
  const c = x as LegDtmf | undefined;
  if (!c || typeof c !== 'object' || !MODES.includes(c.mode)) throw new MediaError('bad-request', `bad DTMF settings ${JSON.stringify(x)?.slice(0, 80)}`);
  return { mode: c.mode, ...(c.detectInband === true ? { detectInband: true } : {}) };
}

export function checkDigit(digit: unknown, durationMs: unknown): void {
  if (typeof digit !== 'string' || digit === 'flash' || digitToEvent(digit) === undefined) throw new MediaError('bad-request', `not a DTMF digit: ${JSON.stringify(digit)?.slice(0, 16)}`);
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs <= 0 || durationMs > MAX_DIGIT_MS) throw new MediaError('bad-request', `bad digit duration ${String(durationMs).slice(0, 16)}`);
}
