/**
 * Throughput probe of the in-band DTMF detector (not a test, not the benchmark): how many 20 ms
 * frames (160 samples) one core analyses per CPU second, hence how many channels one core can
 * watch in real time (50 frames per second each). Three signals: digits (the candidate checks
 * run), speech-like sound (a mix of both paths) and silence (the cheap path). Each figure is the
 * best of three runs of about `ms` milliseconds of process CPU time.
 *
 *   node --import tsx src/media/dsp/dtmf-detector.probe.ts [ms=500]
 */
import { speechLike, toInt16AtDbm0 } from '../../../test/support/synthetic-audio.js';
import { DtmfDetector } from './dtmf-detector.js';
import { sequence, toInt16 } from './dtmf-signal.case.js';

const ms = Number(process.argv[2] ?? 500);
const FRAME = 160;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function rate(pcm: Int16Array): { framesPerSec: number; digits: number } {
  let best = 0;
  let digits = 0;
  const frames = Math.floor(pcm.length / FRAME);
  for (let run = 0; run < 3; run++) {
    const det = new DtmfDetector({ onEnd: () => digits++ });
    let n = 0;
    const t0 = cpuMs();
    let t = t0;
    while (t - t0 < ms) {
      for (let k = 0; k < 200; k++, n++) {
        const f = n % frames;
        det.process(pcm.subarray(f * FRAME, f * FRAME + FRAME));
      }
      t = cpuMs();
    }
    best = Math.max(best, (n * 1000) / (t - t0));
  }
  return { framesPerSec: best, digits };
}

const digitsPcm = toInt16(sequence(Array.from('1234567890*#ABCD').flatMap((digit) => [{ digit, ms: 80 }, { ms: 80 }])));
const speechPcm = toInt16AtDbm0(speechLike(8000 * 10, 7), -15);
const silencePcm = new Int16Array(8000);

const rows: Array<[string, number]> = [];
for (const [name, pcm] of [['digits (80 ms on/off)', digitsPcm], ['speech-like', speechPcm], ['silence', silencePcm]] as const) {
  const r = rate(pcm);
  rows.push([name, r.framesPerSec]);
}
console.log('DTMF detector, 20 ms frames per CPU second and channels per core (50 frames/s each):');
for (const [name, fps] of rows) console.log(`  ${name.padEnd(24)} ${Math.round(fps).toString().padStart(9)} frames/s  ${Math.round(fps / 50).toString().padStart(7)} channels/core`);
