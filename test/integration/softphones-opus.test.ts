// Opus transcoding with real softphones (issue 10, items 1-2): a Debian baresip that offers
// only PCMU calls another that offers only Opus, through the real server (a child process with
// its default settings). The legs share no codec, so the media worker transcodes PCMU ↔ Opus;
// each phone plays its own tone and its recording of what it heard must hold the other's, and
// RFC 4733 digits cross both ways.
//
// SOFTPHONE_DEBUG=1 prints the measurements and the server's warnings.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Baresip } from '../support/baresip.js';
import { PbxProcess } from '../support/pbx-process.js';
import { analyseTone, decodeWav, encodeWav, sineWave } from '../support/tone.js';
import { requireTools } from '../support/tools.js';

const TONE_PCMU = 1000;
const TONE_OPUS = 600;
const secret = (e: string) => `acme-${e}-secret`;
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002'].map((e) => ({ ext: e, password: secret(e) })) };

const s = suite('softphones: baresip PCMU-only ↔ baresip Opus-only, transcoded');
const enabled = requireTools('softphones (baresip)', 'baresip');
const run = enabled ? s : s.skip;
let pbx: PbxProcess;
const phones: Baresip[] = [];

s.before(async () => {
  if (!enabled) return;
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp'], extraYaml: `rtp: { ports: ${base}-${base + 99}, workers: 1 }` });
});

s.after(async () => {
  for (const p of phones.splice(0)) await p.dispose();
  if (process.env.SOFTPHONE_DEBUG) for (const l of pbx?.logs ?? []) if (/ (WARN|ERROR) /.test(l)) console.log(l);
  await pbx?.dispose();
});

interface Codec {
  name: string;
  sampleRate: number;
  channels: number;
}
const PCMU: Codec = { name: 'PCMU/8000/1', sampleRate: 8000, channels: 1 };
const OPUS: Codec = { name: 'opus/48000/2', sampleRate: 48000, channels: 2 };

async function phone(ext: string, toneHz: number, codec: Codec): Promise<Baresip> {
  const wav = join(pbx.dir, `tone-${toneHz}-${codec.sampleRate}-${codec.channels}.wav`);
  writeFileSync(wav, encodeWav(sineWave(toneHz, 20, codec.sampleRate, codec.channels, 0.5)));
  const p = await Baresip.start({ user: ext, domain: 'acme.example', password: secret(ext), proxy: { host: '127.0.0.1', port: pbx.ports.udp }, sourceWav: wav, codecs: [codec.name] });
  phones.push(p);
  return p;
}

async function until(what: string | (() => string), check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function assertHeard(who: string, wav: Buffer, sampleRate: number, expected: number, own: number): void {
  const heard = decodeWav(wav);
  assert.is(heard.sampleRate, sampleRate, `${who} recorded at its codec's rate`);
  const r = analyseTone(heard, [TONE_PCMU, TONE_OPUS], { skipSeconds: 0.5 });
  const detail = `${who}: ${r.seconds.toFixed(1)} s, powers ${[...r.powers].map(([hz, pw]) => `${hz} Hz=${pw.toExponential(2)}`).join(' ')}, purity ${r.purity.toFixed(2)}`;
  if (process.env.SOFTPHONE_DEBUG) console.log(detail);
  assert.ok(r.seconds >= 2.5, detail);
  assert.is(r.strongest, expected, `${who} heard the other side's tone: ${detail}`);
  assert.ok(r.purity > 0.6, `${who}'s recording is mostly that tone: ${detail}`);
  assert.ok(r.powers.get(own)! < r.powers.get(expected)! / 100, `${who} does not hear its own tone back: ${detail}`);
}

run('a PCMU-only baresip calls an Opus-only baresip: each negotiates its own codec, hears the other tone, and DTMF crosses both ways', async () => {
  const a = await phone('1001', TONE_PCMU, PCMU);
  const b = await phone('1002', TONE_OPUS, OPUS);
  await Promise.all([a.waitRegistered(), b.waitRegistered()]);
  await a.dial('sip:1002@acme.example');
  await b.answer();
  await Promise.all([a.waitEvent('CALL_ESTABLISHED'), b.waitEvent('CALL_ESTABLISHED')]);
  const [sa, sb] = [await a.audioStream(), await b.audioStream()];
  assert.is(sa.encoder.toLowerCase(), 'pcmu', 'the caller speaks PCMU');
  assert.is(sb.encoder.toLowerCase(), 'opus', 'the callee speaks Opus');
  await until(
    () => `3 s of audio heard by both sides (${a.recordedBytes()} / ${b.recordedBytes()} bytes)`,
    () => a.recordedBytes() >= 3 * 8000 * 2 && b.recordedBytes() >= 3 * 48000 * 2 * 2,
    15_000,
  );
  // RFC 4733 both ways: baresip pairs telephone-event/8000 with Opus too; the worker re-stamps
  // each event onto the other leg's stream.
  await a.sendDtmf('147#');
  await until(() => `DTMF 147# at the Opus callee (got '${b.dtmfReceived()}')`, () => b.dtmfReceived() === '147#', 10_000);
  await b.sendDtmf('09*');
  await until(() => `DTMF 09* at the PCMU caller (got '${a.dtmfReceived()}')`, () => a.dtmfReceived() === '09*', 10_000);
  await a.hangup();
  await Promise.all([a.waitEvent('CALL_CLOSED'), b.waitEvent('CALL_CLOSED')]);
  assertHeard('PCMU caller', a.recording('dec'), 8000, TONE_OPUS, TONE_PCMU);
  assertHeard('Opus callee', b.recording('dec'), 48000, TONE_PCMU, TONE_OPUS);
});

s.run();
