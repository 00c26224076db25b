/**
 * The conference mixer of one room: every tick (20 ms by default) it takes each participant's
 * decoded frame at the participant's own rate, brings it to the room rate, sums the room in
 * 32 bits, and gives every participant the mix minus its own voice, soft-limited and brought
 * back to its rate. Pure and synchronous: the media worker owns the sockets, the jitter buffers,
 * concealment and the codecs, and calls tick() from its pacing loop.
 *
 * Room rate. 16 kHz while any participant is wideband (G.722 at 16 kHz, Opus at 48 kHz), else
 * 8 kHz, so an all-G.711 room does no resampling at all. When a join or leave changes the rate,
 * each participant gets a new path at the new rate and the next tick runs both the old and the
 * new path and cross-fades them over that one frame: no click, and nothing else about the
 * participant (flags, gains, talk state, top-N ranking) is touched. The fresh resamplers start
 * from silence; the cross-fade hides their first milliseconds.
 *
 * Mix-minus (N-1). total = Σ contribution_i, computed once; participant i hears total − its own
 * contribution (exact integer arithmetic, so its own voice cancels completely), then its listen
 * gain, then the soft limiter (dsp/soft-limit.ts: bends, never wraps). O(N) per tick.
 *
 * Top-N policy (`maxMixed`, default 3). Summing ten open microphones sums ten noise floors and
 * every cough; like most conference bridges, only the loudest few unmuted participants are mixed.
 * The ranking uses each participant's frame power held at its peak and released by 1 dB per
 * frame, and a participant already mixed counts 3 dB louder (hysteresis), so the set does not
 * flap between two similar voices. A participant entering or leaving the mixed set (and a mute
 * or an unmute, and a join) fades its contribution in or out over one frame. Everyone hears the
 * mixed set; a mixed participant hears the others of the set, not itself. `maxMixed: Infinity`
 * mixes everyone.
 *
 * A room of one (`alone`) computes no mix: the worker plays music on hold instead.
 *
 * A missing frame (lost or late after the jitter buffer) contributes nothing this tick; the
 * participant keeps its place in the mix and still hears. Allocation happens in join() and
 * leave() only; tick() allocates nothing.
 *
 * Cost (conference-mixer.probe.ts, one core, rooms of 10): about 1 µs per participant-frame in
 * an all-G.711 room, 2 µs in an all-16 kHz room, but 25 µs when one wideband participant turns a
 * room of narrowband phones to 16 kHz: each of them then pays an up- and a down-resampler
 * (about 28,000 multiply-adds per frame). The known cure, not done here: participants outside
 * the mixed set all hear the same total, so one shared down-resampler per rate could serve them.
 */
import type { SampleRate } from '../codecs/resampler.js';
import { DBM0_POWER } from '../dsp/dbm0.js';
import { softLimit } from '../dsp/soft-limit.js';
import { ConferenceParticipant, RoomLeg, type ParticipantOptions, type RoomRate } from './conference-participant.js';

export interface ConferenceMixerOptions {
  /** Frame duration in ms (10, 20, 30 or 40). Default 20. */
  frameMs?: number;
  /** Mix only this many of the loudest unmuted participants; Infinity mixes all. Default 3. */
  maxMixed?: number;
  /** Frame level at or above which a participant is talking, in dBm0. Default -40. */
  talkThresholdDbm0?: number;
  /** How long "talking" lasts after the last loud frame, in ms. Default 400. */
  hangoverMs?: number;
}

/** The participant list entry for the API. */
export interface ParticipantInfo {
  id: string;
  rate: SampleRate;
  muted: boolean;
  deaf: boolean;
  talking: boolean;
  mixed: boolean;
}

/** Power release of the ranking level per frame: -1 dB. */
const RANK_RELEASE = Math.pow(10, -1 / 10);
/** A mixed participant's ranking bonus: +3 dB. */
const RANK_HYSTERESIS = 2;

class RoomBus {
  readonly frame: number;
  readonly total: Int32Array;
  constructor(
    readonly rate: RoomRate,
    frameMs: number,
  ) {
    this.frame = (rate * frameMs) / 1000;
    this.total = new Int32Array(this.frame);
  }
}

export class ConferenceMixer {
  readonly frameMs: number;
  readonly maxMixed: number;
  private readonly threshold: number;
  private readonly hangoverFrames: number;
  private readonly list: ConferenceParticipant[] = [];
  private readonly byId = new Map<string, ConferenceParticipant>();
  private bus: RoomBus;
  /** The previous rate's bus while a rate switch waits for its cross-fade tick. */
  private oldBus: RoomBus | null = null;
  private ticks = 0;

  constructor(opts: ConferenceMixerOptions = {}) {
    const frameMs = opts.frameMs ?? 20;
    if (![10, 20, 30, 40].includes(frameMs)) throw new RangeError(`frame of ${frameMs} ms (10, 20, 30 or 40)`);
    const maxMixed = opts.maxMixed ?? 3;
    if (!(maxMixed >= 1)) throw new RangeError(`maxMixed ${maxMixed} (at least 1, or Infinity)`);
    this.frameMs = frameMs;
    this.maxMixed = maxMixed;
    this.threshold = DBM0_POWER * Math.pow(10, (opts.talkThresholdDbm0 ?? -40) / 10);
    this.hangoverFrames = Math.max(1, Math.round((opts.hangoverMs ?? 400) / frameMs));
    this.bus = new RoomBus(8000, frameMs);
  }

  /** The rate the room mixes at now. */
  get rate(): RoomRate {
    return this.bus.rate;
  }

  get size(): number {
    return this.list.length;
  }

  /** Fewer than two participants: no mix is computed; the worker plays music on hold. */
  get alone(): boolean {
    return this.list.length < 2;
  }

  participant(id: string): ConferenceParticipant | undefined {
    return this.byId.get(id);
  }

  /** Adds a participant (its first frame fades in); throws on a duplicate id or a bad option. */
  join(id: string, opts: ParticipantOptions): ConferenceParticipant {
    if (this.byId.has(id)) throw new RangeError(`participant ${id} is already in the room`);
    const p = new ConferenceParticipant(id, opts, this.frameMs, (rate) => new RoomLeg(rate, this.bus.rate, this.bus.frame));
    this.list.push(p);
    this.byId.set(id, p);
    this.retarget();
    return p;
  }

  /** Removes a participant; returns false when it was not in the room. */
  leave(id: string): boolean {
    const p = this.byId.get(id);
    if (!p) return false;
    this.byId.delete(id);
    this.list.splice(this.list.indexOf(p), 1);
    this.retarget();
    return true;
  }

  /** The participant list for the API (allocates: not for the tick path). */
  participants(): ParticipantInfo[] {
    return this.list.map((p) => ({ id: p.id, rate: p.rate, muted: p.muted, deaf: p.deaf, talking: p.talking, mixed: p.mixed }));
  }

  /**
   * Mixes one frame: reads every participant's put() of this tick, writes `output` and `heard`
   * for each, and clears the inputs for the next tick.
   */
  tick(): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) this.analyse(list[i]);
    this.select();
    const alone = this.alone;
    if (!alone) {
      this.mixBus(this.bus, false);
      if (this.oldBus) {
        this.mixBus(this.oldBus, true);
        this.crossFade();
      }
    }
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      p.heard = !alone && !p.deaf;
      if (alone) p.leg.inFresh = p.leg.outFresh = false;
      p.weight = p.target;
      p.hasInput = false;
      p.oldLeg = null;
    }
    this.oldBus = null;
    this.ticks++;
  }

  /** Recomputes the room rate after a join or leave; a change sets up the cross-fade. */
  private retarget(): void {
    let wide = false;
    for (const p of this.list) if (p.wideband) wide = true;
    const rate: RoomRate = wide ? 16000 : 8000;
    if (rate === this.bus.rate) return;
    if (this.oldBus && this.oldBus.rate === rate) {
      // Switched back before any tick: the old paths are still current.
      for (const p of this.list) p.leg = p.oldLeg ?? new RoomLeg(p.rate, rate, this.oldBus.frame);
      for (const p of this.list) p.oldLeg = null;
      this.bus = this.oldBus;
      this.oldBus = null;
      return;
    }
    if (!this.oldBus) {
      this.oldBus = this.bus;
      for (const p of this.list) p.oldLeg = p.leg;
    }
    this.bus = new RoomBus(rate, this.frameMs);
    for (const p of this.list) p.leg = new RoomLeg(p.rate, rate, this.bus.frame);
  }

  /** Frame power → level, talking (with hangover), ranking power. */
  private analyse(p: ConferenceParticipant): void {
    let power = 0;
    if (p.hasInput) {
      const x = p.input;
      let sum = 0;
      for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
      power = sum / x.length;
    }
    p.levelDbm0 = power > 0 ? 10 * Math.log10(power / DBM0_POWER) : -Infinity;
    if (power >= this.threshold) p.hangover = this.hangoverFrames;
    else if (p.hangover > 0) p.hangover--;
    p.talking = p.hangover > 0;
    const released = p.smoothPower * RANK_RELEASE;
    p.smoothPower = power > released ? power : released;
  }

  /** Sets each participant's target weight: 1 when mixed this tick, 0 when muted or outranked. */
  private select(): void {
    const list = this.list;
    let unmuted = 0;
    for (let i = 0; i < list.length; i++) if (!list[i].muted) unmuted++;
    if (unmuted <= this.maxMixed) {
      for (let i = 0; i < list.length; i++) list[i].target = list[i].muted ? 0 : 1;
    } else {
      const stamp = this.ticks;
      for (let k = 0; k < this.maxMixed; k++) {
        let best: ConferenceParticipant | null = null;
        let bestScore = -1;
        for (let i = 0; i < list.length; i++) {
          const p = list[i];
          if (p.muted || p.pickedAt === stamp) continue;
          const score = p.mixed ? p.smoothPower * RANK_HYSTERESIS : p.smoothPower;
          if (score > bestScore) {
            bestScore = score;
            best = p;
          }
        }
        if (best) best.pickedAt = stamp;
      }
      for (let i = 0; i < list.length; i++) list[i].target = list[i].pickedAt === stamp ? 1 : 0;
    }
    for (let i = 0; i < list.length; i++) list[i].mixed = list[i].target === 1;
  }

  /** Sums the room on `bus` and writes each participant's mix-minus (into fadeOut for the old bus). */
  private mixBus(bus: RoomBus, old: boolean): void {
    const list = this.list;
    const total = bus.total;
    const n = bus.frame;
    total.fill(0);
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      const leg = old ? p.oldLeg : p.leg;
      if (!leg) continue;
      leg.contributing = false;
      const w0 = p.weight;
      const w1 = p.target;
      if (!p.hasInput || (w0 === 0 && w1 === 0)) {
        leg.inFresh = false;
        continue;
      }
      let src = p.input;
      if (leg.inRs) {
        if (!leg.inFresh) leg.inRs.reset();
        leg.inRs.process(p.input, leg.roomIn);
        src = leg.roomIn;
      }
      leg.inFresh = true;
      const c = leg.contrib;
      const g = p.talkGain;
      if (w0 === 1 && w1 === 1) {
        if (g === 1) for (let j = 0; j < n; j++) c[j] = src[j];
        else for (let j = 0; j < n; j++) c[j] = Math.round(src[j] * g);
      } else {
        const step = (w1 - w0) / n;
        for (let j = 0; j < n; j++) c[j] = Math.round(src[j] * g * (w0 + step * (j + 1)));
      }
      for (let j = 0; j < n; j++) total[j] += c[j];
      leg.contributing = true;
    }
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      const leg = old ? p.oldLeg : p.leg;
      if (!leg) continue;
      if (p.deaf) {
        leg.outFresh = false;
        continue;
      }
      const dest = old ? p.fadeOut : p.output;
      const room = leg.outRs ? leg.roomOut : dest;
      const c = leg.contrib;
      const own = leg.contributing;
      const g = p.listenGain;
      if (g === 1) {
        if (own) for (let j = 0; j < n; j++) room[j] = softLimit(total[j] - c[j]);
        else for (let j = 0; j < n; j++) room[j] = softLimit(total[j]);
      } else {
        if (own) for (let j = 0; j < n; j++) room[j] = softLimit((total[j] - c[j]) * g);
        else for (let j = 0; j < n; j++) room[j] = softLimit(total[j] * g);
      }
      if (leg.outRs) {
        if (!leg.outFresh) leg.outRs.reset();
        leg.outRs.process(room, dest);
      }
      leg.outFresh = true;
    }
  }

  /** During a rate switch: output = old path fading out + new path fading in, over one frame. */
  private crossFade(): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (!p.oldLeg || p.deaf) continue;
      const a = p.fadeOut;
      const b = p.output;
      const n = b.length;
      for (let j = 0; j < n; j++) {
        const t = (j + 1) / n;
        b[j] = Math.round(a[j] * (1 - t) + b[j] * t);
      }
    }
  }
}
