#!/usr/bin/env node
// Regenerates the built-in English prompt set and the default music on hold (media/), so
// that a fresh install speaks without downloads and every sound is the project's own (MIT).
//
//   node scripts/make-prompts.mjs                 all prompts, tones and the music on hold
//   node scripts/make-prompts.mjs --only num-7,beep --out /tmp/p   a few, elsewhere (tests)
//
// Speech: Debian's espeak-ng (voice, speed and pitch fixed below), converted by sox to 8 kHz
// 16-bit mono, trimmed of leading/trailing silence and normalised to the same peak. Tones: sox
// `synth`. Music on hold: synthesised here (scripts/moh-synth.mjs), no samples from anywhere.
// The texts are media/prompts/en/texts.json (id -> text). Same tool versions, same bytes: the
// versions and each file's SHA-256 go to media/prompts/en/manifest.json.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeMoh, wavPcm16 } from './moh-synth.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');

/** Fixed synthesis settings: changing one changes every file (and the manifest says so). */
export const VOICE = { voice: 'en-us', wordsPerMinute: 145, pitch: 50, wordGapTens: 0 };
export const RATE = 8000;
/** Peak level of every spoken prompt, dBFS. */
const SPEECH_PEAK_DB = -3;
/** Silence kept around a spoken prompt (seconds): a short lead-in, a breath after. */
const LEAD_S = 0.03;
const TAIL_S = 0.12;

/** The tones: sox synth chains (each a list of [seconds, frequency Hz] segments). */
export const TONES = {
  // The voicemail "record after the tone" beep: 1 kHz, 250 ms, -8 dBFS, 5 ms ramps (no click).
  beep: [[0.25, 1000]],
  // Conference join: a rising pair; leave: the same pair falling.
  'conf-join': [[0.12, 660], [0.16, 990]],
  'conf-leave': [[0.12, 990], [0.16, 660]],
};
const TONE_DB = -8;

function parseArgs(argv) {
  const opts = { only: undefined, out: join(root, 'media') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') opts.only = new Set(argv[++i].split(','));
    else if (argv[i] === '--out') opts.out = argv[++i];
    else throw new Error(`unknown argument ${argv[i]} (--only id,id --out DIR)`);
  }
  return opts;
}

function tool(cmd, args) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function toolVersions() {
  return {
    'espeak-ng': tool('espeak-ng', ['--version']).toString().trim().split(/\s+/).find((w) => /^\d+\.\d+/.test(w)),
    sox: tool('sox', ['--version']).toString().trim().replace(/^.*SoX v/, ''),
  };
}

function speak(text, raw) {
  tool('espeak-ng', ['-v', VOICE.voice, '-s', String(VOICE.wordsPerMinute), '-p', String(VOICE.pitch), '-g', String(VOICE.wordGapTens), '-w', raw, '--', text]);
}

function toPrompt(raw, out) {
  // -R: repeatable (the dither's random generator has a fixed seed). Trim silence at both ends,
  // cut rumble below 100 Hz, resample to 8 kHz (high quality), normalise, then pad.
  tool('sox', ['-R', '-V1', raw, '-r', String(RATE), '-b', '16', '-c', '1', '-e', 'signed-integer', out,
    'highpass', '100',
    'silence', '1', '0.01', '0.3%', 'reverse', 'silence', '1', '0.01', '0.3%', 'reverse',
    'rate', '-v', String(RATE),
    'norm', String(SPEECH_PEAK_DB),
    'pad', String(LEAD_S), String(TAIL_S)]);
}

function makeTone(segments, out, tmp) {
  const parts = segments.map(([secs, hz], i) => {
    const p = join(tmp, `seg${i}.wav`);
    tool('sox', ['-R', '-V1', '-n', '-r', String(RATE), '-b', '16', '-c', '1', '-e', 'signed-integer', p,
      'synth', String(secs), 'sine', String(hz), 'fade', 'h', '0.005', String(secs), '0.005', 'gain', String(TONE_DB)]);
    return p;
  });
  tool('sox', ['-R', '-V1', ...parts, out]);
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const texts = JSON.parse(readFileSync(join(root, 'media', 'prompts', 'en', 'texts.json'), 'utf8'));
  const promptsDir = join(opts.out, 'prompts', 'en');
  const mohDir = join(opts.out, 'moh', 'default');
  mkdirSync(promptsDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'make-prompts-'));
  const files = {};
  try {
    for (const [id, text] of Object.entries(texts)) {
      if (opts.only && !opts.only.has(id)) continue;
      const raw = join(tmp, 'raw.wav');
      speak(text, raw);
      const out = join(promptsDir, `${id}.wav`);
      toPrompt(raw, out);
      files[`prompts/en/${id}.wav`] = sha256(out);
    }
    for (const [id, segments] of Object.entries(TONES)) {
      if (opts.only && !opts.only.has(id)) continue;
      const out = join(promptsDir, `${id}.wav`);
      makeTone(segments, out, tmp);
      files[`prompts/en/${id}.wav`] = sha256(out);
    }
    if (!opts.only || opts.only.has('moh')) {
      mkdirSync(mohDir, { recursive: true });
      const out = join(mohDir, 'soft-chords.wav');
      writeFileSync(out, wavPcm16(synthesizeMoh(RATE), RATE));
      files['moh/default/soft-chords.wav'] = sha256(out);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const manifest = { generator: 'scripts/make-prompts.mjs', tools: toolVersions(), voice: VOICE, rate: RATE, files };
  const name = opts.only ? 'manifest.partial.json' : 'manifest.json';
  writeFileSync(join(opts.out, name), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`wrote ${Object.keys(files).length} files under ${opts.out}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
