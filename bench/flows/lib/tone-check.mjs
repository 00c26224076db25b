// Whether a stored message holds the caller's tone: the share of a WAV file's energy at one
// frequency (Goertzel over 20 ms blocks; 16-bit PCM or G.711 mu-law, mono). A message that is the
// 440 Hz tone SIPp played gives nearly 1; silence or noise nearly 0.

/** { format, rate, samples: Float64Array } of a RIFF/WAVE file; throws on anything else. */
export function readWav(buf) {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt;
  for (let p = 12; p + 8 <= buf.length; ) {
    const id = buf.toString('latin1', p, p + 4);
    const len = buf.readUInt32LE(p + 4);
    const body = buf.subarray(p + 8, Math.min(buf.length, p + 8 + len));
    if (id === 'fmt ') fmt = { format: body.readUInt16LE(0), channels: body.readUInt16LE(2), rate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    else if (id === 'data') {
      if (!fmt) throw new Error('data before fmt');
      if (fmt.channels !== 1) throw new Error(`${fmt.channels} channels`);
      if (fmt.format === 1 && fmt.bits === 16) {
        const n = Math.floor(body.length / 2);
        const samples = new Float64Array(n);
        for (let i = 0; i < n; i++) samples[i] = body.readInt16LE(2 * i);
        return { format: 'pcm16', rate: fmt.rate, samples };
      }
      if (fmt.format === 7) return { format: 'mulaw', rate: fmt.rate, samples: Float64Array.from(body, ulawToLinear) };
      throw new Error(`WAVE format ${fmt.format}/${fmt.bits} bits`);
    }
    p += 8 + len + (len & 1);
  }
  throw new Error('no data chunk');
}

function ulawToLinear(u) {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** Energy at `hz` over the total energy (0..1), block by block (Goertzel, 20 ms). */
export function toneShareOf(samples, rate, hz) {
  const block = Math.round(rate / 50);
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let tone = 0;
  let total = 0;
  for (let b = 0; b + block <= samples.length; b += block) {
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (let i = b; i < b + block; i++) {
      const x = samples[i];
      energy += x * x;
      const s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    // |X(k)|^2 of the block; a pure tone's power is block/2 * its energy share
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    tone += (2 * power) / block;
    total += energy;
  }
  return total > 0 ? Math.min(1, tone / total) : 0;
}
