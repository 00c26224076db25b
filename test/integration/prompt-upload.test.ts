// A tenant uploads its own prompt through the admin API of the real server (`pbx serve` in a
// child process) and the PBX plays it: acme's admin uploads a 2.5 kHz tone as `beep`; the
// caller of an on-demand-recording call presses *1 and hears 2.5 kHz (the built-in beep is
// about 1 kHz, the callee sends 600 Hz) over real RTP. Refusals leave nothing behind: a bad
// WAV (422), an upload past acme's limits.storageMB (507), past api.uploadLimitMB (413),
// names outside the rule (`..`, `%2e%2e`, NUL, capitals: 422 or 404). Isolation: globex's
// admin cannot list, get, put or delete acme's prompts (404, as for a missing tenant).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { goertzelPower, meanPower } from '../../src/media/dsp/goertzel.js';
import { resolvePrompt } from '../../src/media/prompts/prompt-path.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { PbxProcess } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { encodeWav, sineWave } from '../support/tone.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { UdpPhone } from '../support/udp-phone.js';

const ADMIN = 'prompt-upload-test-admin-token-0123456789abcdef';
const BEEP_HZ = 2500;
let pbx: PbxProcess;
let apiPort = 0;
let acmeToken = '';
let globexToken = '';
const phones: UdpPhone[] = [];
const tone = (hz: number, seconds: number, rate = 8000, channels = 1) => encodeWav(sineWave(hz, seconds, rate, channels, 0.3));

interface Answer {
  status: number;
  body: Buffer;
  json: any;
}

/** HTTP with the path sent exactly as written (fetch would normalise `..`). */
function call(method: string, path: string, token: string, body?: Buffer, type = 'audio/wav'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body) {
      headers['content-type'] = type;
      headers['content-length'] = String(body.length);
    }
    const req = request({ host: '127.0.0.1', port: apiPort, method, path: `/api/v1${path}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(b.toString());
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: b, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function jsonCall(method: string, path: string, body: unknown): Promise<any> {
  const r = await fetch(`http://127.0.0.1:${apiPort}/api/v1${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

const dataDir = () => join(pbx.dir, 'data');
const promptsOf = (t: string) => join(dataDir(), 'tenants', t, 'prompts');
const filesIn = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

test.before(async () => {
  apiPort = await freePort();
  const rtpBase = 40000 + Math.floor(Math.random() * 200) * 100;
  pbx = await PbxProcess.start({
    transports: ['udp'],
    tenants: [
      { id: 'acme', domains: ['acme.example'], limits: { storageMB: 1 }, extensions: ['1001', '1002'].map((e) => ({ ext: e, password: `acme-${e}-secret` })), extraYaml: 'recording: on-demand\n' },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '2001', password: 'globex-2001-secret' }] },
    ],
    extraYaml: [
      'api:',
      `  listen: "127.0.0.1:${apiPort}"`,
      `  adminToken: "${ADMIN}"`,
      '  uploadLimitMB: 2',
      `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 1 }`,
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
    ].join('\n'),
  });
  await jsonCall('PATCH', '/tenants/acme', { features: { recording: true } });
  acmeToken = (await jsonCall('POST', '/tokens', { role: 'tenant-admin', tenantId: 'acme' })).token;
  globexToken = (await jsonCall('POST', '/tokens', { role: 'tenant-admin', tenantId: 'globex' })).token;
});

test.after(async () => {
  for (const p of phones) p.close();
  await pbx?.dispose();
});

test("acme's admin uploads `beep` (acme is file-managed: media is data); the file is 0600 in a 0700 folder and resolvePrompt prefers it", async () => {
  const wav = tone(BEEP_HZ, 0.6);
  const r = await call('PUT', '/tenants/acme/prompts/beep', acmeToken, wav);
  assert.is(r.status, 201, r.body.toString());
  assert.equal(r.json, { name: 'beep', bytes: wav.length, format: 'pcm16/8000', durationMs: 600, replaced: false });
  const file = join(promptsOf('acme'), 'beep.wav');
  assert.equal(readFileSync(file), wav);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(statSync(promptsOf('acme')).mode & 0o777, 0o700);
  assert.is(resolvePrompt('beep', 'acme', { dataDir: dataDir() }).source, 'tenant');
  assert.is(resolvePrompt('beep', 'globex', { dataDir: dataDir() }).source, 'builtin');
  const list = await call('GET', '/tenants/acme/prompts', acmeToken);
  assert.equal(list.json.items, [{ name: 'beep', bytes: wav.length, format: 'pcm16/8000', durationMs: 600 }]);
  const got = await call('GET', '/tenants/acme/prompts/beep', acmeToken);
  assert.equal(got.body, wav);
});


function shareOf(payload: Buffer, f: number): number {
  const pcm = new Int16Array(payload.length);
  ulawDecodeInto(payload, pcm);
  const p = meanPower(pcm);
  return p > 0 ? goertzelPower(pcm, 8000, f) / p : 0;
}

const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);

test('the PBX plays the uploaded beep: *1 in a call, the caller hears 2.5 kHz over RTP', async () => {
  const open = async (user: string) => {
    const p = await UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: { host: '127.0.0.1', port: pbx.ports.udp } });
    phones.push(p);
    return p;
  };
  const a = await open('1001');
  const b = await open('1002');
  assert.is(await b.register(), 200);
  const heard: Array<{ at: number; pt: number; payload: Buffer }> = [];
  a.rtp.on('message', (m: Buffer) => {
    if (m.length >= 12 && m[0]! >> 6 === 2) heard.push({ at: performance.now(), pt: m[1]! & 0x7f, payload: Buffer.from(m.subarray(12)) });
  });
  const res = await a.call('1002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const invite = (await b.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  const sa = new PcmuSender(a, sdpPort(res), 0x5001, 1000);
  const sb = new PcmuSender(b, sdpPort(invite), 0x5002, 600);
  const callee = sb.tone(3000);
  await sa.tone(600);
  const codeAt = performance.now();
  await sa.digit(10);
  await sa.tone(60);
  await sa.digit(1);
  await sa.tone(1500);
  await callee;
  assert.is((await a.inDialog('BYE')).status, 200);
  await b.register(0);
  const audio = heard.filter((h) => h.pt === 0);
  assert.ok(audio.length > 50, `the caller heard RTP: ${audio.length} frames`);
  assert.ok(audio.filter((h) => h.at < codeAt).every((h) => shareOf(h.payload, BEEP_HZ) < 0.2), 'no 2.5 kHz before the code');
  const beep = audio.filter((h) => h.at > codeAt && shareOf(h.payload, BEEP_HZ) > 0.5);
  assert.ok(beep.length >= 5, `the caller heard acme's own beep: ${beep.length} frames of 2.5 kHz\n${pbx.logs.filter((l) => /beep|recording|feature/.test(l)).slice(-5).join('\n')}`);
  assert.ok(audio.filter((h) => h.at > codeAt && shareOf(h.payload, 1000) > 0.5).length < 3, 'not the built-in 1 kHz beep');
});

test('a bad WAV is 422 with the WavError code and nothing is written; the old beep stays', async () => {
  const before = readFileSync(join(promptsOf('acme'), 'beep.wav'));
  const stereo = await call('PUT', '/tenants/acme/prompts/beep', acmeToken, tone(1000, 0.3, 8000, 2));
  assert.is(stereo.status, 422);
  assert.is(stereo.json.error.details.code, 'unsupported-channels');
  const html = await call('PUT', '/tenants/acme/prompts/welcome', acmeToken, Buffer.from('<html></html>'));
  assert.is(html.status, 422);
  assert.is(html.json.error.details.code, 'not-wav');
  const wrongType = await call('PUT', '/tenants/acme/prompts/welcome', acmeToken, tone(1000, 0.3), 'application/json');
  assert.is(wrongType.status, 415);
  assert.equal(filesIn(promptsOf('acme')), ['beep.wav']);
  assert.equal(readFileSync(join(promptsOf('acme'), 'beep.wav')), before);
});

test("over acme's limits.storageMB (1): 507 storage_full, nothing written; past api.uploadLimitMB (2): 413", async () => {
  const big = tone(1000, 45, 16000); // 1.44 MB: under the 2 MiB cap, over acme's 1 MB
  const over = await call('PUT', '/tenants/acme/prompts/welcome', acmeToken, big);
  assert.is(over.status, 507, over.body.toString());
  assert.is(over.json.error.code, 'storage_full');
  assert.match(over.json.error.message, /limits\.storageMB is 1/);
  assert.equal(filesIn(promptsOf('acme')), ['beep.wav']);
  const huge = tone(1000, 70, 16000); // 2.24 MB > 2 MiB
  const tooLarge = await call('PUT', '/tenants/globex/prompts/welcome', globexToken, huge);
  assert.is(tooLarge.status, 413);
  assert.is(tooLarge.json.error.code, 'body_too_large');
  assert.equal(filesIn(promptsOf('globex')), []);
});

test('path tricks: .., %2e%2e, NUL, slashes, capitals are 422 or 404 and write nothing', async () => {
  const body = tone(1000, 0.2);
  for (const name of ['..', '%2e%2e', '%2E%2E%2F%2E%2E%2Fglobex', 'beep%00', '%00', 'a%2Fb', 'BEEP', 'Beep', '.beep', 'beep.wav']) {
    const r = await call('PUT', `/tenants/acme/prompts/${name}`, acmeToken, body);
    assert.ok(r.status === 422 || r.status === 404, `${name}: ${r.status}`);
    const g = await call('GET', `/tenants/acme/prompts/${name}`, acmeToken);
    assert.ok(g.status === 422 || g.status === 404, `GET ${name}: ${g.status}`);
  }
  assert.is((await call('PUT', '/tenants/acme/prompts/%2e%2e', acmeToken, body)).status, 422);
  assert.is((await call('PUT', '/tenants/acme/moh/%2e%2e/song', acmeToken, body)).status, 422);
  assert.equal(filesIn(promptsOf('acme')), ['beep.wav']);
  assert.equal(filesIn(join(dataDir(), 'tenants', 'acme')).filter((f) => !/^tenant\.sqlite|^recordings$|^prompts$/.test(f)), []);
});

test("isolation: globex's admin cannot list, get, put or delete acme's prompts (404, the same as a missing tenant)", async () => {
  const missing = await call('GET', '/tenants/nosuch/prompts', ADMIN);
  assert.is(missing.status, 404);
  for (const [m, p, b] of [
    ['GET', '/tenants/acme/prompts'],
    ['GET', '/tenants/acme/prompts/beep'],
    ['PUT', '/tenants/acme/prompts/beep', tone(300, 0.3)],
    ['DELETE', '/tenants/acme/prompts/beep'],
    ['GET', '/tenants/acme/moh'],
    ['PUT', '/tenants/acme/moh/default/song', tone(300, 0.3)],
  ] as Array<[string, string, Buffer?]>) {
    const r = await call(m, p, globexToken, b);
    assert.is(r.status, 404, `${m} ${p}`);
    assert.equal(r.json, missing.json, `${m} ${p}`);
  }
  assert.equal(filesIn(promptsOf('acme')), ['beep.wav']);
  assert.is(readFileSync(join(promptsOf('acme'), 'beep.wav')).length, tone(BEEP_HZ, 0.6).length);
  // acme's own admin deletes it: the built-in beep is back.
  assert.is((await call('DELETE', '/tenants/acme/prompts/beep', acmeToken)).status, 204);
  assert.is(resolvePrompt('beep', 'acme', { dataDir: dataDir() }).source, 'builtin');
});

test.run();
