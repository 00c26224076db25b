import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavReader } from './wav-reader.js';
import { trimWavTail } from './wav-trim.js';
import { WavWriter } from './wav-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'wav-trim-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, samples: number, rate = 8000): string {
  const p = join(dir, name);
  const w = WavWriter.create(p, { sampleRate: rate });
  w.writePcm16(Int16Array.from({ length: samples }, (_, i) => i % 100));
  w.close();
  return p;
}

test('the last ms are cut in place; the file stays a valid WAV with the first samples intact', () => {
  const p = write('a.wav', 8000);
  assert.is(trimWavTail(p, 250), 750);
  assert.is(statSync(p).size, 44 + 6000 * 2);
  const r = WavReader.open(p);
  assert.is(r.info.frames, 6000);
  assert.is(r.info.durationMs, 750);
  const back = new Int16Array(6000);
  assert.is(r.readPcm16(back), 6000);
  r.close();
  assert.is(back[99], 99);
  assert.is(back[5999], 5999 % 100);
});

test('cutting more than the file leaves an empty but valid WAV; 0 ms changes nothing', () => {
  const p = write('b.wav', 800, 16000);
  assert.is(trimWavTail(p, 0), 50);
  assert.is(trimWavTail(p, 10_000), 0);
  const r = WavReader.open(p);
  assert.is(r.info.dataBytes, 0);
  r.close();
});

test.run();
