// The built-in set as shipped (media/): every file is a WAV the player reads, the set stays
// small, the files are what manifest.json says, and with the same tool versions the script
// makes them again byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findTool, requireTools } from '../../../test/support/tools.js';
import { WavReader } from '../wav/wav-reader.js';
import { PROMPT_IDS } from './prompt-catalog.js';
import { builtinMohDir, builtinPromptDir } from './prompt-path.js';

const media = join(builtinPromptDir(), '..', '..');
const manifest = JSON.parse(readFileSync(join(media, 'manifest.json'), 'utf8')) as { tools: Record<string, string>; files: Record<string, string> };
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

test('every prompt is an 8 kHz mono 16-bit WAV of sensible length', () => {
  for (const id of PROMPT_IDS) {
    const w = WavReader.open(join(builtinPromptDir(), `${id}.wav`));
    try {
      assert.is(w.info.encoding, 'pcm16', id);
      assert.is(w.info.sampleRate, 8000, id);
      assert.is(w.info.channels, 1, id);
      assert.ok(w.info.durationMs >= 200 && w.info.durationMs <= 15_000, `${id}: ${w.info.durationMs} ms`);
    } finally {
      w.close();
    }
  }
});

test('the beep is 1 kHz for 250 ms', () => {
  const w = WavReader.open(join(builtinPromptDir(), 'beep.wav'));
  assert.is(w.info.durationMs, 250);
  w.close();
});

test('the music on hold is 30-60 s at 8 kHz', () => {
  const w = WavReader.open(join(builtinMohDir(), 'soft-chords.wav'));
  assert.ok(w.info.durationMs >= 30_000 && w.info.durationMs <= 60_000, String(w.info.durationMs));
  assert.is(w.info.sampleRate, 8000);
  w.close();
});

test('the whole set stays small (a few MB)', () => {
  let bytes = 0;
  for (const f of Object.keys(manifest.files)) bytes += statSync(join(media, f)).size;
  assert.ok(bytes < 5 * 1024 * 1024, `${bytes} bytes`);
});

test('the files are the ones manifest.json lists', () => {
  assert.is(Object.keys(manifest.files).length, PROMPT_IDS.length + 1);
  for (const [f, hash] of Object.entries(manifest.files)) assert.is(sha(join(media, f)), hash, f);
});

if (requireTools('builtin-prompts-regenerate', 'espeak-ng', 'sox')) {
  test('regenerating with the same tools gives the same bytes (speech, tone, music)', () => {
    const version = execFileSync(findTool('espeak-ng')!, ['--version'], { encoding: 'utf8' });
    const sox = execFileSync(findTool('sox')!, ['--version'], { encoding: 'utf8' });
    if (!version.includes(` ${manifest.tools['espeak-ng']} `) || !sox.includes(`v${manifest.tools.sox}`)) {
      process.stdout.write(`SKIPPED builtin-prompts-regenerate: tool versions differ from manifest.json (${JSON.stringify(manifest.tools)})\n`);
      return;
    }
    const out = mkdtempSync(join(tmpdir(), 'make-prompts-'));
    try {
      execFileSync(process.execPath, [join(media, '..', 'scripts', 'make-prompts.mjs'), '--only', 'num-7,vm-you-have,beep,moh', '--out', out]);
      for (const f of ['prompts/en/num-7.wav', 'prompts/en/vm-you-have.wav', 'prompts/en/beep.wav', 'moh/default/soft-chords.wav']) {
        assert.is(sha(join(out, f)), manifest.files[f], f);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}

test.run();
