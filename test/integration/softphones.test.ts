// Real softphones through the real server with its default settings (issue 9): two Debian
// baresip instances register (digest auth as the server offers it by default), call each
// other through the B2BUA with relayed RTP, once with PCMU and once with Opus, each playing
// its own tone; each side's recording of what it heard must hold the other side's tone, and
// DTMF sent by one side must reach the other. Then baresip calls Debian's linphonec the same
// way, so two different SIP stacks meet through the server.
//
// SOFTPHONE_DEBUG=1 prints each recording's measurements and the server's warnings;
// SOFTPHONE_DEBUG=all prints every server log line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { Baresip } from '../support/baresip.js';
import { Linphonec } from '../support/linphonec.js';
import { PbxProcess } from '../support/pbx-process.js';
import { analyseTone, decodeWav, encodeWav, sineWave } from '../support/tone.js';
import { findTool, requireTools } from '../support/tools.js';

const TONE_A = 440;
const TONE_B = 1000;
const secret = (e: string) => `acme-${e}-secret`;
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002', '1003'].map((e) => ({ ext: e, password: secret(e) })) };

const s = suite('softphones: baresip through the PBX');
const enabled = requireTools('softphones (baresip)', 'baresip');
const run = enabled ? s : s.skip;
const withLinphone = enabled && requireTools('softphones (linphonec)', 'linphonec') ? s : s.skip;
let pbx: PbxProcess;
const phones: Array<Baresip | Linphonec> = [];

s.before(async () => {
  if (!enabled) return;
  // Only the RTP port range is chosen (so parallel servers on this machine do not meet);
  // authentication, registrar and security are the server's defaults.
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp'], extraYaml: `rtp: { ports: ${base}-${base + 99}, workers: 1 }` });
});

s.after.each(async () => {
  for (const p of phones.splice(0)) await p.dispose();
});

s.after(async () => {
  if (process.env.SOFTPHONE_DEBUG) for (const l of pbx?.logs ?? []) if (/ (WARN|ERROR) /.test(l) || process.env.SOFTPHONE_DEBUG === 'all') console.log(l);
  await pbx?.dispose();
});

interface Codec {
  name: string;
  sampleRate: number;
  channels: number;
}
const PCMU: Codec = { name: 'PCMU/8000/1', sampleRate: 8000, channels: 1 };
const OPUS: Codec = { name: 'opus/48000/2', sampleRate: 48000, channels: 2 };

/** 20 s of a tone (baresip's aufile ends the call at the end of the file). */
function toneWav(toneHz: number, codec: Codec, dir = pbx.dir): string {
  const wav = join(dir, `tone-${toneHz}-${codec.sampleRate}-${codec.channels}.wav`);
  writeFileSync(wav, encodeWav(sineWave(toneHz, 20, codec.sampleRate, codec.channels, 0.5)));
  return wav;
}

async function phone(ext: string, toneHz: number, codec: Codec): Promise<Baresip> {
  // The microphone: the phone's own tone, at the codec's rate and channel count as aufile requires.
  const wav = toneWav(toneHz, codec);
  const p = await Baresip.start({ user: ext, domain: 'acme.example', password: secret(ext), proxy: { host: '127.0.0.1', port: pbx.ports.udp }, sourceWav: wav, codecs: [codec.name] });
  phones.push(p);
  return p;
}

/** Polls `check` until true; `what` (evaluated at the timeout) says what was awaited and what was seen. */
async function until(what: string | (() => string), check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function answeredCdrs(toExt: string): number {
  const st = SqliteTenantStore.open(join(pbx.dir, 'data'), 'acme');
  try {
    return st.listCdrs({ newestFirst: true }).filter((c) => c.toExt === toExt && c.disposition === 'answered').length;
  } finally {
    st.close();
  }
}

async function toneCall(codec: Codec): Promise<void> {
  const a = await phone('1001', TONE_A, codec);
  const b = await phone('1002', TONE_B, codec);
  await Promise.all([a.waitRegistered(), b.waitRegistered()]);
  const cdrsBefore = answeredCdrs('1002');

  await a.dial('sip:1002@acme.example');
  const incoming = await b.answer();
  assert.match(String(incoming.param), /sip:1001@acme\.example/, 'the callee sees who calls');
  await Promise.all([a.waitEvent('CALL_ESTABLISHED'), b.waitEvent('CALL_ESTABLISHED')]);

  // The negotiated codec, and the media path: each phone sends to an address that is not
  // the other phone's own RTP socket (the server relays, as a B2BUA with media does).
  const [sa, sb] = [await a.audioStream(), await b.audioStream()];
  const encoding = codec.name.split('/')[0]!.toLowerCase(); // audio_debug names the encoding only
  assert.is(sa.encoder.toLowerCase(), encoding);
  assert.is(sb.encoder.toLowerCase(), encoding);
  assert.is.not(sa.remote, sb.local, 'caller RTP goes to the server, not to the callee');
  assert.is.not(sb.remote, sa.local, 'callee RTP goes to the server, not to the caller');

  // Wait (bounded) until each side has heard 3 s of audio; then DTMF both ways.
  const bytesPerSecond = codec.sampleRate * codec.channels * 2;
  await until(() => `3 s of audio heard by both sides (${a.recordedBytes()} / ${b.recordedBytes()} bytes)`, () => a.recordedBytes() >= 3 * bytesPerSecond && b.recordedBytes() >= 3 * bytesPerSecond, 15_000);
  await a.sendDtmf('147#');
  await until(() => `DTMF 147# at the callee (got '${b.dtmfReceived()}')`, () => b.dtmfReceived() === '147#', 10_000);
  await b.sendDtmf('09*');
  await until(() => `DTMF 09* at the caller (got '${a.dtmfReceived()}')`, () => a.dtmfReceived() === '09*', 10_000);

  await a.hangup();
  await Promise.all([a.waitEvent('CALL_CLOSED'), b.waitEvent('CALL_CLOSED')]);

  // After the hangup the recorder has closed its files: analyse what each side heard.
  assertHeard('caller', a.recording('dec'), codec.sampleRate, TONE_B, TONE_A);
  assertHeard('callee', b.recording('dec'), codec.sampleRate, TONE_A, TONE_B);
  await until('an answered CDR for the call', () => answeredCdrs('1002') === cdrsBefore + 1, 5000);
}

/** The recording holds `expected` Hz, clean, and not the phone's `own` tone. */
function assertHeard(who: string, wav: Buffer, sampleRate: number | undefined, expected: number, own: number): void {
  const heard = decodeWav(wav);
  if (sampleRate !== undefined) assert.is(heard.sampleRate, sampleRate, `${who} recorded at the codec's rate`);
  const r = analyseTone(heard, [TONE_A, TONE_B], { skipSeconds: 0.5 });
  const detail = `${who}: ${r.seconds.toFixed(1)} s, powers ${[...r.powers].map(([hz, pw]) => `${hz} Hz=${pw.toExponential(2)}`).join(' ')}, total ${r.total.toExponential(2)}, purity ${r.purity.toFixed(2)}`;
  if (process.env.SOFTPHONE_DEBUG) console.log(detail);
  assert.ok(r.seconds >= 2.5, detail);
  assert.is(r.strongest, expected, `${who} heard the other side's tone: ${detail}`);
  // A clean tone gives purity 1; codec noise, packet gaps and the DTMF moments lower it.
  assert.ok(r.purity > 0.6, `${who}'s recording is mostly that tone: ${detail}`);
  assert.ok(r.powers.get(own)! < r.powers.get(expected)! / 100, `${who} does not hear its own tone back: ${detail}`);
}

/** True once the file parses as a WAV with audio in it (linphone writes it out at the call's end). */
function hasAudio(read: () => Buffer): boolean {
  try {
    return decodeWav(read()).samples.length > 0;
  } catch {
    return false;
  }
}

run('PCMU: register with default auth, call through the B2BUA, hear the tones, DTMF both ways', async () => {
  await toneCall(PCMU);
});

run('Opus: the same call with opus/48000/2', async () => {
  await toneCall(OPUS);
});

/** baresip (offering only `codec`) calls linphonec, which answers with what is offered. */
async function linphoneCall(codec: Codec): Promise<void> {
  const a = await phone('1001', TONE_A, codec);
  // linphone's file player is resampled to the call's codec by mediastreamer: 8 kHz mono will do.
  const l = await Linphonec.start({ user: '1003', domain: 'acme.example', password: secret('1003'), proxy: { host: '127.0.0.1', port: pbx.ports.udp }, sourceWav: toneWav(TONE_B, PCMU) });
  phones.push(l);
  await Promise.all([a.waitRegistered(), l.waitRegistered()]);
  const cdrsBefore = answeredCdrs('1003');

  await a.dial('sip:1003@acme.example');
  assert.match(await l.answer(), /sip:1001@acme\.example/, 'linphonec sees who calls');
  await a.waitEvent('CALL_ESTABLISHED');
  const sa = await a.audioStream();
  assert.is(sa.encoder.toLowerCase(), codec.name.split('/')[0]!.toLowerCase());
  assert.not.match(sa.remote, new RegExp(`:${l.rtpPort}$`), 'baresip sends its RTP to the server, not to linphonec');

  const bytesPerSecond = codec.sampleRate * codec.channels * 2;
  await until(() => `3 s of audio heard by baresip (${a.recordedBytes()} bytes)`, () => a.recordedBytes() >= 3 * bytesPerSecond, 15_000);
  await a.sendDtmf('258#');
  await until(() => `DTMF 258# at linphonec (got '${l.dtmfReceived()}')`, () => l.dtmfReceived() === '258#', 10_000);
  await l.sendDtmf('36*');
  await until(() => `DTMF 36* at baresip (got '${a.dtmfReceived()}')`, () => a.dtmfReceived() === '36*', 10_000);

  const from = l.lines.length;
  await l.hangup();
  await Promise.all([a.waitEvent('CALL_CLOSED'), l.waitLine(/^Call \d+ with .* ended/, 10_000, from)]);
  assertHeard('baresip', a.recording('dec'), codec.sampleRate, TONE_B, TONE_A);
  await until('linphonec wrote its recording', () => hasAudio(() => l.recording()), 5000);
  assertHeard('linphonec', l.recording(), undefined, TONE_A, TONE_B);
  await until('an answered CDR for the call', () => answeredCdrs('1003') === cdrsBefore + 1, 5000);
}

withLinphone('baresip calls linphonec (PCMU): two SIP stacks through the B2BUA, tones and DTMF both ways', async () => {
  await linphoneCall(PCMU);
});

withLinphone('baresip calls linphonec (Opus)', async () => {
  await linphoneCall(OPUS);
});

s.run();

// The server's other digest algorithm, with real clients: offered SHA-256 first and MD5 too
// (RFC 8760 §2.4), linphonec answers the SHA-256 challenge. Debian's baresip cannot register
// at all: libre 1.1's sip_auth_authenticate() walks every WWW-Authenticate header and gives
// up with ENOSYS ("Function not implemented") at the first whose algorithm is not MD5, even
// when an MD5 challenge is there too. That is why auth.algorithms defaults to [MD5].
const sha = suite('softphones: auth.algorithms [SHA-256, MD5]');
const runSha = enabled ? sha : sha.skip;
const shaWithLinphone = enabled && findTool('linphonec') ? sha : sha.skip;
let shaPbx: PbxProcess;
const shaPhones: Array<Baresip | Linphonec> = [];

sha.before(async () => {
  if (!enabled) return;
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  shaPbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp'], extraYaml: `rtp: { ports: ${base}-${base + 99}, workers: 1 }\nauth: { algorithms: [ SHA-256, MD5 ] }` });
});
sha.after.each(async () => {
  for (const p of shaPhones.splice(0)) await p.dispose();
});
sha.after(async () => {
  await shaPbx?.dispose();
});

shaWithLinphone('linphonec registers with a SHA-256 digest when the server offers SHA-256 and MD5', async () => {
  const l = await Linphonec.start({ user: '1003', domain: 'acme.example', password: secret('1003'), proxy: { host: '127.0.0.1', port: shaPbx.ports.udp }, sourceWav: toneWav(TONE_B, PCMU, shaPbx.dir), sipLog: true });
  shaPhones.push(l);
  await l.waitRegistered();
  const authorizations = l.sipLogText().split('\n').filter((line) => /^Authorization:\s*Digest /i.test(line));
  assert.ok(authorizations.length > 0, 'linphonec sent an Authorization header');
  assert.ok(authorizations.every((line) => /algorithm=SHA-256/i.test(line)), authorizations.join('\n'));
});

runSha('baresip 1.0 (libre 1.1) cannot register when SHA-256 is offered at all', async () => {
  const b = await Baresip.start({ user: '1001', domain: 'acme.example', password: secret('1001'), proxy: { host: '127.0.0.1', port: shaPbx.ports.udp }, sourceWav: toneWav(TONE_A, PCMU, shaPbx.dir), codecs: [PCMU.name] });
  shaPhones.push(b);
  await until('baresip gives up on the challenge', () => b.logs.some((line) => /Function not implemented/.test(line)), 10_000);
  assert.not.match((await b.command('reginfo')).data, /\bOK\b.*Expires/);
});

sha.run();
