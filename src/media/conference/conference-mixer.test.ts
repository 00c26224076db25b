import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SampleRate } from '../codecs/resampler.js';
import { goertzelPower, meanPower, powerDb } from '../dsp/goertzel.js';
import { writeSine } from '../dsp/tone.js';
import { ConferenceMixer } from './conference-mixer.js';
import type { ConferenceParticipant } from './conference-participant.js';

/** A participant's phone: a continuous tone (or silence) in 20 ms frames at its rate. */
class Phone {
  readonly frame: Int16Array;
  private phase = 0;
  readonly heard: number[] = [];
  constructor(
    readonly p: ConferenceParticipant,
    public freq: number,
    public amp: number,
  ) {
    this.frame = new Int16Array(p.frameSamples);
  }
  send(): void {
    if (this.amp === 0) this.frame.fill(0);
    else this.phase = writeSine(this.frame, { sampleRate: this.p.rate, frequency: this.freq, amplitude: this.amp, phase: this.phase });
    this.p.put(this.frame);
  }
  record(): void {
    if (this.p.heard) for (const s of this.p.output) this.heard.push(s);
  }
  /** The last `seconds` of what it heard. */
  tail(seconds: number): Int16Array {
    return Int16Array.from(this.heard.slice(this.heard.length - Math.round(seconds * this.p.rate)));
  }
}

function run(room: ConferenceMixer, phones: Phone[], ticks: number): void {
  for (let t = 0; t < ticks; t++) {
    for (const ph of phones) ph.send();
    room.tick();
    for (const ph of phones) ph.record();
  }
}

/** Power of `freq` in `x` relative to a sine of amplitude `amp`, in dB (0 = fully there). */
function relDb(x: Int16Array, rate: number, freq: number, amp: number): number {
  return powerDb(goertzelPower(x, rate, freq), (amp * amp) / 2);
}

/** Largest sample-to-sample step. */
function maxStep(x: Int16Array, from = 1, to = x.length): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++) m = Math.max(m, Math.abs(x[i] - x[i - 1]));
  return m;
}

const AMP = 8000;

for (const rates of [
  [8000, 8000, 8000],
  [8000, 16000, 48000],
] as SampleRate[][]) {
  for (const maxMixed of [3, Infinity]) {
    test(`three parties (${rates.join('/')} Hz, maxMixed ${maxMixed}): each hears the other two tones, not its own`, () => {
      const room = new ConferenceMixer({ maxMixed });
      const freqs = [400, 700, 1100];
      const phones = freqs.map((f, i) => new Phone(room.join(`p${i}`, { rate: rates[i] }), f, AMP));
      assert.is(room.rate, rates.some((r) => r > 8000) ? 16000 : 8000);
      run(room, phones, 60);
      phones.forEach((ph, i) => {
        const x = ph.tail(0.5);
        for (let k = 0; k < 3; k++) {
          const db = relDb(x, ph.p.rate, freqs[k], AMP);
          if (k === i) assert.ok(db < -40, `p${i} hears its own ${freqs[k]} Hz at ${db.toFixed(1)} dB`);
          else assert.ok(Math.abs(db) < 1, `p${i} hears ${freqs[k]} Hz at ${db.toFixed(2)} dB, expected ~0`);
        }
      });
    });
  }
}

test('wideband: a 6 kHz tone reaches a 16 kHz listener; an 8 kHz listener gets it filtered, not aliased to 2 kHz', () => {
  const room = new ConferenceMixer();
  const talker = new Phone(room.join('w1', { rate: 16000 }), 6000, AMP);
  const wide = new Phone(room.join('w2', { rate: 16000 }), 0, 0);
  const narrow = new Phone(room.join('n', { rate: 8000 }), 0, 0);
  assert.is(room.rate, 16000);
  run(room, [talker, wide, narrow], 60);
  const w = wide.tail(0.5);
  assert.ok(Math.abs(relDb(w, 16000, 6000, AMP)) < 1, `16 kHz listener: 6 kHz at ${relDb(w, 16000, 6000, AMP).toFixed(2)} dB`);
  const n = narrow.tail(0.5);
  const alias = relDb(n, 8000, 2000, AMP);
  const total = powerDb(meanPower(n), (AMP * AMP) / 2);
  assert.ok(alias < -60, `8 kHz listener: alias at 2 kHz ${alias.toFixed(1)} dB`);
  assert.ok(total < -60, `8 kHz listener: everything ${total.toFixed(1)} dB`);
});

test('mute: a muted participant is not heard but still hears; unmute brings it back', () => {
  const room = new ConferenceMixer();
  const [a, b, c] = [400, 700, 1100].map((f, i) => new Phone(room.join(`p${i}`, { rate: 8000 }), f, AMP));
  run(room, [a, b, c], 10);
  a.p.muted = true;
  run(room, [a, b, c], 30);
  for (const other of [b, c]) assert.ok(relDb(other.tail(0.4), 8000, 400, AMP) < -60, 'muted voice still heard');
  assert.ok(Math.abs(relDb(a.tail(0.4), 8000, 700, AMP)) < 1, 'the muted participant still hears b');
  assert.ok(Math.abs(relDb(a.tail(0.4), 8000, 1100, AMP)) < 1, 'the muted participant still hears c');
  assert.is(a.p.talking, true, 'talking is detected on the input, muted or not');
  assert.is(a.p.mixed, false);
  a.p.muted = false;
  run(room, [a, b, c], 30);
  assert.ok(Math.abs(relDb(b.tail(0.4), 8000, 400, AMP)) < 1, 'unmuted voice heard again');
  // The mute faded out over one frame: no step larger than the tones' own.
  const steady = maxStep(b.tail(0.2));
  assert.ok(maxStep(Int16Array.from(b.heard), 1, 60 * 160) <= steady * 1.1, 'mute/unmute clicked');
});

test('deaf: gets no mix, still talks', () => {
  const room = new ConferenceMixer();
  const a = new Phone(room.join('a', { rate: 8000, deaf: true }), 400, AMP);
  const b = new Phone(room.join('b', { rate: 8000 }), 700, AMP);
  run(room, [a, b], 20);
  assert.is(a.p.heard, false);
  assert.is(a.heard.length, 0);
  assert.ok(Math.abs(relDb(b.tail(0.2), 8000, 400, AMP)) < 1);
});

test('join/leave mid-stream: alone gets no mix; the 8k→16k→8k switch neither clicks nor loses state', () => {
  const room = new ConferenceMixer();
  const a = new Phone(room.join('a', { rate: 8000 }), 400, AMP);
  run(room, [a], 5);
  assert.is(room.alone, true);
  assert.is(a.p.heard, false, 'a room of one computes no mix');
  const b = new Phone(room.join('b', { rate: 8000, listenGainDb: -6 }), 700, 0);
  assert.is(room.alone, false);
  run(room, [a, b], 25);
  const gain = Math.pow(10, -6 / 20);
  const steadyStep = maxStep(b.tail(0.3));
  const before = relDb(b.tail(0.3), 8000, 400, AMP * gain);
  // A wideband participant joins silent: the room goes to 16 kHz under b's ear.
  const c = new Phone(room.join('c', { rate: 16000 }), 1100, 0);
  assert.is(room.rate, 16000);
  run(room, [a, b, c], 25);
  const all = Int16Array.from(b.heard);
  const at = 25 * 160;
  assert.ok(maxStep(all, at - 160, at + 480) <= steadyStep * 1.1, `switch to 16 kHz clicked: step ${maxStep(all, at - 160, at + 480)} vs ${steadyStep}`);
  const after = relDb(b.tail(0.3), 8000, 400, AMP * gain);
  assert.ok(Math.abs(before) < 0.5 && Math.abs(after) < 0.5, `400 Hz at ${before.toFixed(2)} dB before, ${after.toFixed(2)} dB after`);
  // State kept across the switch: b's listen gain, a's talk state.
  assert.is(a.p.talking, true);
  // c talks, is heard by both.
  c.amp = AMP;
  run(room, [a, b, c], 25);
  assert.ok(Math.abs(relDb(a.tail(0.3), 8000, 1100, AMP)) < 1);
  assert.ok(Math.abs(relDb(b.tail(0.3), 8000, 1100, AMP * gain)) < 1);
  // c falls silent and leaves: back to 8 kHz, again without a click.
  c.amp = 0;
  run(room, [a, b, c], 25);
  const mark = b.heard.length;
  const steady2 = maxStep(b.tail(0.3));
  assert.ok(room.leave('c'));
  assert.is(room.leave('c'), false);
  assert.is(room.rate, 8000);
  run(room, [a, b], 25);
  const all2 = Int16Array.from(b.heard);
  assert.ok(maxStep(all2, mark - 160, mark + 480) <= steady2 * 1.1, 'switch back to 8 kHz clicked');
  assert.ok(Math.abs(relDb(b.tail(0.3), 8000, 400, AMP * gain)) < 0.5);
  assert.equal(
    room.participants().map((x) => x.id),
    ['a', 'b'],
  );
  room.leave('b');
  run(room, [a], 2);
  assert.is(room.alone, true);
  assert.is(a.p.heard, false);
});

test('join then leave of a wideband participant before any tick cancels the switch', () => {
  const room = new ConferenceMixer();
  const a = new Phone(room.join('a', { rate: 8000 }), 400, AMP);
  const b = new Phone(room.join('b', { rate: 8000 }), 700, AMP);
  run(room, [a, b], 10);
  room.join('w', { rate: 48000 });
  assert.is(room.rate, 16000);
  room.leave('w');
  assert.is(room.rate, 8000);
  run(room, [a, b], 20);
  assert.ok(Math.abs(relDb(b.tail(0.2), 8000, 400, AMP)) < 0.5);
});

const TEN = [300, 500, 700, 900, 1100, 1300, 1500, 1700, 1900, 2100];
/** Three loud talkers (indices 2, 5, 8), seven quiet ones. */
const TEN_AMPS = TEN.map((_, i) => (i === 2 ? 4000 : i === 5 ? 3500 : i === 8 ? 3000 : 1000));

test('room of 10, top-3 policy: only the three loudest are mixed', () => {
  const room = new ConferenceMixer({ maxMixed: 3 });
  const phones = TEN.map((f, i) => new Phone(room.join(`p${i}`, { rate: 8000 }), f, TEN_AMPS[i]));
  run(room, phones, 60);
  const loud = [2, 5, 8];
  assert.equal(
    room.participants().filter((x) => x.mixed).map((x) => x.id),
    loud.map((i) => `p${i}`),
  );
  phones.forEach((ph, i) => {
    const x = ph.tail(0.5);
    TEN.forEach((f, k) => {
      const db = relDb(x, 8000, f, TEN_AMPS[k]);
      if (loud.includes(k) && k !== i) assert.ok(Math.abs(db) < 1, `p${i} hears loud p${k} at ${db.toFixed(2)} dB`);
      else assert.ok(db < -60, `p${i} hears p${k} (${loud.includes(k) ? 'itself' : 'not mixed'}) at ${db.toFixed(1)} dB`);
    });
  });
});

test('room of 10, everyone mixed: each hears the other nine', () => {
  const room = new ConferenceMixer({ maxMixed: Infinity });
  const phones = TEN.map((f, i) => new Phone(room.join(`p${i}`, { rate: 8000 }), f, TEN_AMPS[i]));
  run(room, phones, 60);
  phones.forEach((ph, i) => {
    const x = ph.tail(0.5);
    TEN.forEach((f, k) => {
      const db = relDb(x, 8000, f, TEN_AMPS[k]);
      if (k !== i) assert.ok(Math.abs(db) < 1, `p${i} hears p${k} at ${db.toFixed(2)} dB`);
      else assert.ok(db < -60, `p${i} hears itself at ${db.toFixed(1)} dB`);
    });
  });
});

test('top-3: a new loud talker takes the place of the quietest mixed one', () => {
  const room = new ConferenceMixer({ maxMixed: 3 });
  const phones = TEN.map((f, i) => new Phone(room.join(`p${i}`, { rate: 8000 }), f, TEN_AMPS[i]));
  run(room, phones, 20);
  phones[0].amp = 6000;
  run(room, phones, 40);
  assert.equal(
    room.participants().filter((x) => x.mixed).map((x) => x.id),
    ['p0', 'p2', 'p5'],
  );
  assert.ok(Math.abs(relDb(phones[9].tail(0.4), 8000, 300, 6000)) < 1);
  assert.ok(relDb(phones[9].tail(0.4), 8000, 1900, 3000) < -60, 'the displaced talker is still mixed');
});

for (const maxMixed of [3, Infinity]) {
  test(`soft clipping (maxMixed ${maxMixed}): full-scale tones from eight participants bend, never wrap sign`, () => {
    const room = new ConferenceMixer({ maxMixed });
    // All in phase at the same frequency: the worst case, the sum reaches 7 × full scale.
    const phones = Array.from({ length: 8 }, (_, i) => new Phone(room.join(`p${i}`, { rate: 8000 }), 300, 32767));
    run(room, phones, 20);
    const mixed = Math.min(maxMixed, 8);
    for (const ph of phones) {
      const x = Int16Array.from(ph.heard.slice(160)); // after the join fade-in
      const ideal = Int16Array.from({ length: x.length }, (_, j) => Math.round(32767 * Math.sin((2 * Math.PI * 300 * (j + 160)) / 8000)));
      let peak = 0;
      for (let j = 0; j < x.length; j++) {
        if (Math.abs(ideal[j]) > 200) assert.is(Math.sign(x[j]), Math.sign(ideal[j]), `sample ${j}: ${x[j]} against ${ideal[j]}`);
        peak = Math.max(peak, Math.abs(x[j]));
      }
      assert.ok(peak <= 32767 && peak > 30000, `peak ${peak}`);
      assert.ok(mixed >= 2);
    }
  });
}

test('talking: energy with hangover', () => {
  const room = new ConferenceMixer({ hangoverMs: 200 });
  const a = new Phone(room.join('a', { rate: 8000 }), 400, AMP);
  const b = new Phone(room.join('b', { rate: 8000 }), 700, 0);
  run(room, [a, b], 5);
  assert.is(a.p.talking, true);
  assert.is(b.p.talking, false);
  assert.ok(Math.abs(a.p.levelDbm0 - powerDb((AMP * AMP) / 2, (22651 * 22651) / 2)) < 0.1);
  a.amp = 0;
  run(room, [a, b], 9);
  assert.is(a.p.talking, true, 'still talking inside the hangover');
  run(room, [a, b], 1);
  assert.is(a.p.talking, false, 'stopped after 200 ms of silence');
  // A lost frame counts as silence for detection and contributes nothing.
  a.amp = AMP;
  run(room, [a, b], 3);
  a.p.put(null);
  b.send();
  room.tick();
  assert.is(a.p.levelDbm0, -Infinity);
});

test('bad input: wrong frame length, duplicate id, bad rate, bad gain, bad options', () => {
  const room = new ConferenceMixer();
  const a = room.join('a', { rate: 16000 });
  assert.throws(() => a.put(new Int16Array(160)), /expected 320/);
  assert.throws(() => room.join('a', { rate: 8000 }), /already/);
  assert.throws(() => room.join('x', { rate: 22050 as SampleRate }), /rate/);
  assert.throws(() => room.join('y', { rate: 8000, talkGainDb: 40 }), /talk gain/);
  assert.throws(() => a.setListenGainDb(Number.NaN), /listen gain/);
  assert.throws(() => new ConferenceMixer({ maxMixed: 0 }), /maxMixed/);
  assert.throws(() => new ConferenceMixer({ frameMs: 7 }), /frame/);
  assert.is(room.size, 1);
});

test.run();
