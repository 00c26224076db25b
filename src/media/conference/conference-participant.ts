/**
 * One participant of a conference room as the mixer sees it: its frames in and out at its own
 * rate (8000 for G.711, 16000 for G.722, 48000 for Opus), its flags and gains, its talk state,
 * and the path (resamplers and buffers) that joins it to the room's rate.
 *
 * Role in the media engine: the worker decodes each participant's packet (after its jitter
 * buffer and concealment) into `input` or hands a frame to put(), calls the mixer's tick(), then
 * encodes `output` when `heard` is true. Everything here is allocated at join; a tick allocates
 * nothing.
 */
import { Resampler, type SampleRate } from '../codecs/resampler.js';

export type RoomRate = 8000 | 16000;

export interface ParticipantOptions {
  /** The rate of the participant's decoded frames: 8000, 16000 or 48000. */
  rate: SampleRate;
  /** Contributes nothing to the mix, still hears it. */
  muted?: boolean;
  /** Gets no mix (output not computed); may still talk. */
  deaf?: boolean;
  /** Gain applied to what this participant says, in dB (-30 to +12). Default 0. */
  talkGainDb?: number;
  /** Gain applied to what this participant hears, in dB (-30 to +12). Default 0. */
  listenGainDb?: number;
}

/** A participant's path at one room rate. The mixer keeps two of them only while the room changes rate. */
export class RoomLeg {
  /** Participant rate → room rate; null when they are equal. */
  readonly inRs: Resampler | null;
  /** Room rate → participant rate; null when they are equal. */
  readonly outRs: Resampler | null;
  /** The input at the room rate (when resampled). */
  readonly roomIn: Int16Array;
  /** What this participant adds to the room sum this tick (gain and fade applied). */
  readonly contrib: Int32Array;
  /** The limited mix-minus at the room rate (when it still has to be resampled). */
  readonly roomOut: Int16Array;
  /** contrib holds this tick's contribution. */
  contributing = false;
  /** The resamplers' histories continue from the previous tick (else they restart from silence). */
  inFresh = false;
  outFresh = false;

  constructor(
    participantRate: SampleRate,
    readonly roomRate: RoomRate,
    roomFrame: number,
  ) {
    const same = participantRate === roomRate;
    this.inRs = same ? null : new Resampler(participantRate, roomRate);
    this.outRs = same ? null : new Resampler(roomRate, participantRate);
    this.roomIn = new Int16Array(same ? 0 : roomFrame);
    this.roomOut = new Int16Array(same ? 0 : roomFrame);
    this.contrib = new Int32Array(roomFrame);
  }
}

const GAIN_MIN_DB = -30;
const GAIN_MAX_DB = 12;

function gainOf(db: number | undefined, what: string): number {
  const v = db ?? 0;
  if (!Number.isFinite(v) || v < GAIN_MIN_DB || v > GAIN_MAX_DB) throw new RangeError(`${what} ${String(db)} dB is outside ${GAIN_MIN_DB}..${GAIN_MAX_DB} dB`);
  return Math.pow(10, v / 20);
}

export class ConferenceParticipant {
  readonly rate: SampleRate;
  /** Samples per frame at the participant's rate. */
  readonly frameSamples: number;
  /** This tick's decoded frame; the worker may decode straight into it and call put(p.input). */
  readonly input: Int16Array;
  /** After tick(): what this participant hears, valid when `heard` is true. */
  readonly output: Int16Array;
  /** After tick(): `output` holds this tick's mix (false when alone, deaf, or before the first tick). */
  heard = false;
  muted: boolean;
  deaf: boolean;
  /** Voice detected on the input (energy above the threshold, with hangover); independent of mute. */
  talking = false;
  /** Level of the last input frame in dBm0 (-Infinity for silence or a missing frame). */
  levelDbm0 = -Infinity;
  /** In the mixed set this tick (top-N policy and mute decided). */
  mixed = false;

  /** @internal */ hasInput = false;
  /** @internal Linear gains. */ talkGain: number;
  /** @internal */ listenGain: number;
  /** @internal Mix weight at the start of the tick and its target at the end (fades over one frame). */
  weight = 0;
  /** @internal */ target = 0;
  /** @internal Peak-hold power with exponential release, for the top-N ranking. */
  smoothPower = 0;
  /** @internal Frames of hangover left. */
  hangover = 0;
  /** @internal Ranking stamp (tick number when picked). */
  pickedAt = -1;
  /** @internal */ leg: RoomLeg;
  /** @internal Path at the previous room rate during a rate switch. */
  oldLeg: RoomLeg | null = null;
  /** @internal The old path's output during a switch, cross-faded into `output`. */
  readonly fadeOut: Int16Array;

  constructor(
    readonly id: string,
    opts: ParticipantOptions,
    frameMs: number,
    leg: (rate: SampleRate) => RoomLeg,
  ) {
    if (opts.rate !== 8000 && opts.rate !== 16000 && opts.rate !== 48000) throw new RangeError(`participant rate ${String(opts.rate)} Hz (8000, 16000 or 48000)`);
    this.rate = opts.rate;
    this.frameSamples = (opts.rate * frameMs) / 1000;
    this.input = new Int16Array(this.frameSamples);
    this.output = new Int16Array(this.frameSamples);
    this.fadeOut = new Int16Array(this.frameSamples);
    this.muted = opts.muted ?? false;
    this.deaf = opts.deaf ?? false;
    this.talkGain = gainOf(opts.talkGainDb, 'talk gain');
    this.listenGain = gainOf(opts.listenGainDb, 'listen gain');
    this.leg = leg(opts.rate);
  }

  get wideband(): boolean {
    return this.rate > 8000;
  }

  /** This tick's frame (copied unless it is `input` itself), or null when the packet was lost or late. */
  put(frame: Int16Array | null): void {
    if (frame === null) {
      this.hasInput = false;
      return;
    }
    if (frame.length !== this.frameSamples) throw new RangeError(`participant ${this.id}: frame of ${frame.length} samples, expected ${this.frameSamples} at ${this.rate} Hz`);
    if (frame !== this.input) this.input.set(frame);
    this.hasInput = true;
  }

  setTalkGainDb(db: number): void {
    this.talkGain = gainOf(db, 'talk gain');
  }

  setListenGainDb(db: number): void {
    this.listenGain = gainOf(db, 'listen gain');
  }
}
