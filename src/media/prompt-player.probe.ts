/**
 * Cost probe of the prompt player (not a test, not the benchmark): microseconds of one core per
 * 20 ms frame of the built-in music on hold, looped, at each leg rate. The 8 kHz file plays
 * as is on narrowband legs; 16 and 48 kHz legs pay for the low-pass resampler.
 *
 *   node --import tsx src/media/prompt-player.probe.ts [frames=20000]
 */
import { PromptPlayer, type LegRate } from './prompt-player.js';
import { builtinMohDir } from './prompts/prompt-path.js';

const frames = Number(process.argv[2] ?? 20_000);
for (const rate of [8000, 16000, 48000] as LegRate[]) {
  const p = new PromptPlayer([`${builtinMohDir()}/soft-chords.wav`], { rate, loop: true });
  const f = new Int16Array(p.frameSamples);
  const t0 = process.cpuUsage();
  for (let i = 0; i < frames; i++) p.nextFrame(f);
  const d = process.cpuUsage(t0);
  const us = (d.user + d.system) / frames;
  process.stdout.write(`${rate} Hz: ${us.toFixed(2)} µs per frame, ${Math.floor(20_000 / us)} legs per core\n`);
  p.stop();
}
