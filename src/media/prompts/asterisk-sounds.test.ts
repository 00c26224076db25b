// Against the real Debian package asterisk-core-sounds-en-wav, when installed: every prompt
// the map names exists there, is a WAV the player reads, and resolves from `media.prompts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requirePath } from '../../../test/support/tools.js';
import { WavReader } from '../wav/wav-reader.js';
import { ASTERISK_SOUND_NAMES } from './asterisk-sound-names.js';
import { PROMPT_IDS, type PromptId } from './prompt-catalog.js';
import { resolvePrompt } from './prompt-path.js';

const SOUNDS = '/usr/share/asterisk/sounds/en';

if (requirePath('asterisk-sounds', join(SOUNDS, 'vm-intro.wav'), 'asterisk-core-sounds-en-wav')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'asterisk-sounds-'));

  test('every mapped prompt resolves into the Asterisk set and is a readable 8 kHz WAV', () => {
    let mapped = 0;
    for (const id of PROMPT_IDS) {
      const r = resolvePrompt(id, 'acme', { dataDir, operatorDir: SOUNDS });
      if (ASTERISK_SOUND_NAMES[id as PromptId] === undefined) {
        assert.is(r.source, 'builtin', `${id} is not mapped, so the built-in one plays`);
        continue;
      }
      mapped++;
      assert.is(r.source, 'operator', `${id} -> ${ASTERISK_SOUND_NAMES[id as PromptId]}`);
      const w = WavReader.open(r.path);
      try {
        assert.is(w.info.sampleRate, 8000, id);
        assert.is(w.info.channels, 1, id);
        assert.ok(w.info.durationMs > 100, `${id}: ${w.info.durationMs} ms`);
      } finally {
        w.close();
      }
    }
    // The map covers the numbers, voicemail, conference and queue words (not the menus).
    assert.ok(mapped >= 80, `${mapped} mapped`);
  });

  test('numbers read as Asterisk digits files', () => {
    const r = resolvePrompt('num-40', undefined, { dataDir, operatorDir: SOUNDS });
    assert.match(r.path, /\/digits\/40\.wav$/);
  });

  test.after(() => rmSync(dataDir, { recursive: true, force: true }));
  test.run();
}
