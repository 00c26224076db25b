// Pure helpers of bench/media's conference mode: who sends what in each room, the pass rule of
// a step, and the per-core figure.

/** The signal of each participant, room-major: the first `talkers` of a room send tones (one frequency each), the others alternate low-level noise and digital silence. */
export function roomPlan(rooms, size, talkers = 3) {
  if (!Number.isInteger(rooms) || rooms < 0 || !Number.isInteger(size) || size < 1) throw new RangeError(`bad room plan: ${rooms} rooms of ${size}`);
  const out = [];
  for (let r = 0; r < rooms; r++) {
    for (let p = 0; p < size; p++) {
      if (p < talkers) out.push({ room: r, index: p, kind: 'tone', tone: p });
      else out.push({ room: r, index: p, kind: (p - talkers) % 2 === 0 ? 'noise' : 'silence' });
    }
  }
  return out;
}

/** Tone frequencies of the talkers (distinct, not harmonics of each other). */
export const TALKER_HZ = [440, 697, 1209];

/** A step passes with under 0.1 % of the frames the participants should receive missing and under 0.1 % of the worker's 20 ms frames late. */
export function confPasses(r) {
  return r.lossPct < 0.1 && r.lateFramesPct !== undefined && r.lateFramesPct < 0.1;
}

/** Units (participants or calls) per core: units / (CPU % / 100); undefined without a CPU figure. */
export function perCore(units, cpuPct) {
  return cpuPct > 0 && Number.isFinite(cpuPct) ? units / (cpuPct / 100) : undefined;
}

/** Memory per participant: growth of the engine's RSS during the step / participants. */
export function perParticipant(bytesBefore, bytesAfter, participants) {
  return participants > 0 ? (bytesAfter - bytesBefore) / participants : undefined;
}
