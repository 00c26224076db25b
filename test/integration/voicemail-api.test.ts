import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apiCall } from '../support/api-call.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { encodeWav, sineWave } from '../support/tone.js';

// Issue 11, point 2 "API": the voicemail admin API of the real server over real HTTP.
// The messages are WAV files left in a box's folder before the server starts, as a deposit
// cut short by a crash leaves them: the server indexes them when it first opens the
// tenant's store, and the API then lists, plays, marks and deletes them.

const s = suite('voicemail api');
const ADMIN = 'provider-secret-for-vm-tests';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  limits: { storageMB: 5 },
  extensions: [
    { ext: '1001', password: 'acme-1001-secret' },
    { ext: '1002', password: 'acme-1002-secret' },
  ],
  extraYaml: 'voicemailBoxes:\n  - { box: "800", name: Sales, pin: "8080", members: [ "1001" ] }',
};
const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };
const MSG_1001 = '20260310120000-0123456789ab';
const MSG_1002 = '20260310120500-ba9876543210';
const MSG_GLOBEX = '20260310121000-aaaaaaaaaaaa';
const wav1001 = encodeWav(sineWave(1000, 2, 8000, 1));
const wav1002 = encodeWav(sineWave(600, 1.5, 8000, 1));

let pbx: PbxProcess;
const tok: Record<string, string> = {};

const call = (method: string, path: string, token: string, o: { type?: string; body?: Buffer; headers?: Record<string, string> } = {}) => apiCall(pbx.apiPort, method, path, { token, ...o });
const json = (method: string, path: string, token: string, body: unknown) => call(method, path, token, { type: 'application/json', body: Buffer.from(JSON.stringify(body)) });

function leaveFile(tenant: string, box: string, id: string, wav: Buffer): void {
  const dir = join(pbx.dir, 'data', 'tenants', tenant, 'voicemail', box);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, `${id}.wav`), wav);
}

async function newToken(body: Record<string, unknown>): Promise<string> {
  const r = await json('POST', '/tokens', ADMIN, body);
  assert.is(r.status, 201, r.body.toString());
  return r.json.token;
}

s.before(async () => {
  pbx = await PbxProcess.create({ tenants: [ACME, GLOBEX], transports: ['udp'], adminToken: ADMIN, extraYaml: 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }' });
  leaveFile('acme', '1001', MSG_1001, wav1001);
  leaveFile('acme', '1002', MSG_1002, wav1002);
  leaveFile('globex', '1001', MSG_GLOBEX, wav1001);
  await pbx.start();
  tok['adminA'] = await newToken({ role: 'tenant-admin', tenantId: 'acme' });
  tok['adminB'] = await newToken({ role: 'tenant-admin', tenantId: 'globex' });
  tok['user1001'] = await newToken({ role: 'user', tenantId: 'acme', ext: '1001' });
});

s.after(async () => {
  await pbx?.dispose();
});

s('an admin lists the boxes and messages, downloads the audio (whole and by Range), marks it read', async () => {
  const boxes = await call('GET', '/tenants/acme/voicemail/boxes', tok['adminA']!);
  assert.is(boxes.status, 200, boxes.body.toString());
  assert.equal(
    boxes.json.items.map((b: any) => [b.box, b.counts.new, b.counts.old, b.hasPin]),
    [
      ['1001', 1, 0, false],
      ['1002', 1, 0, false],
      ['800', 0, 0, true],
    ],
  );
  assert.not.ok(boxes.body.toString().includes('scrypt'), 'no PIN hash');
  const list = await call('GET', '/tenants/acme/voicemail/boxes/1001/messages', tok['adminA']!);
  assert.equal(list.json.items.map((m: any) => [m.id, m.folder, m.bytes, m.durationMs]), [[MSG_1001, 'new', wav1001.length, 2000]]);
  const audio = await call('GET', `/tenants/acme/voicemail/boxes/1001/messages/${MSG_1001}/audio`, tok['adminA']!);
  assert.is(audio.status, 200);
  assert.is(audio.headers['content-type'], 'audio/wav');
  assert.equal(audio.body, wav1001);
  const part = await call('GET', `/tenants/acme/voicemail/boxes/1001/messages/${MSG_1001}/audio`, tok['adminA']!, { headers: { range: 'bytes=44-143' } });
  assert.is(part.status, 206);
  assert.equal(part.body, wav1001.subarray(44, 144));
  const read = await json('PATCH', `/tenants/acme/voicemail/boxes/1001/messages/${MSG_1001}`, tok['adminA']!, { folder: 'old' });
  assert.is(read.status, 200, read.body.toString());
  const box = await call('GET', '/tenants/acme/voicemail/boxes/1001', tok['adminA']!);
  assert.equal(box.json.counts, { new: 0, old: 1 });
});

s('the user 1001 reaches its own box and the shared box 800, and gets 404 for 1002 and for globex', async () => {
  const u = tok['user1001']!;
  const boxes = await call('GET', '/tenants/acme/extensions/1001/voicemail/boxes', u);
  assert.equal(boxes.json.items.map((b: any) => b.box), ['1001', '800']);
  assert.is((await call('GET', `/tenants/acme/extensions/1001/voicemail/boxes/1001/messages/${MSG_1001}/audio`, u)).status, 200);
  const missing = await call('GET', '/tenants/acme/extensions/1001/voicemail/boxes/1999/messages', u);
  assert.is(missing.status, 404);
  for (const p of [
    '/tenants/acme/extensions/1001/voicemail/boxes/1002/messages',
    `/tenants/acme/extensions/1001/voicemail/boxes/1002/messages/${MSG_1002}/audio`,
    `/tenants/acme/extensions/1002/voicemail/boxes/1002/messages/${MSG_1002}/audio`,
    `/tenants/globex/extensions/1001/voicemail/boxes/1001/messages/${MSG_GLOBEX}/audio`,
  ]) {
    const r = await call('GET', p, u);
    assert.is(r.status, 404, p);
    assert.equal(r.json, missing.json, `${p}: like a missing box`);
  }
  const del = await call('DELETE', `/tenants/acme/extensions/1001/voicemail/boxes/1002/messages/${MSG_1002}`, u);
  assert.is(del.status, 404);
});

s("globex's admin gets 404 for acme's boxes and messages, even under its own box of the same number", async () => {
  const b = tok['adminB']!;
  const missing = await call('GET', '/tenants/globex/voicemail/boxes/1001/messages/20260310120000-000000000000', b);
  assert.is(missing.status, 404);
  for (const [m, p] of [
    ['GET', '/tenants/acme/voicemail/boxes'],
    ['GET', `/tenants/acme/voicemail/boxes/1001/messages/${MSG_1001}/audio`],
    ['DELETE', `/tenants/acme/voicemail/boxes/1001/messages/${MSG_1001}`],
    ['GET', `/tenants/globex/voicemail/boxes/1001/messages/${MSG_1001}/audio`],
    ['GET', '/tenants/globex/voicemail/boxes/1001/messages/..%2F..%2F..%2Facme%2Fvoicemail%2F1001%2F' + MSG_1001 + '/audio'],
    ['GET', `/tenants/globex/voicemail/boxes/1001/messages/${'7'.repeat(300)}/audio`],
  ] as const) {
    const r = await call(m, p, b);
    assert.is(r.status, 404, `${m} ${p}`);
    assert.equal(r.json, missing.json, `${m} ${p}`);
  }
  const pin = await json('PUT', '/tenants/acme/voicemail/boxes/1001/pin', b, { pin: '1111' });
  assert.is(pin.status, 404);
  const own = await call('GET', '/tenants/globex/voicemail/boxes/1001/messages', b);
  assert.equal(own.json.items.map((m: any) => m.id), [MSG_GLOBEX]);
});

s('greetings: WAV upload stored in the box, not audio refused with a clear answer; PIN of letters is 422 at /pin', async () => {
  const a = tok['adminA']!;
  const greeting = encodeWav(sineWave(440, 1, 8000, 1));
  const up = await call('PUT', '/tenants/acme/voicemail/boxes/1001/greetings/unavailable', a, { type: 'audio/wav', body: greeting });
  assert.is(up.status, 201, up.body.toString());
  assert.ok(existsSync(join(pbx.dir, 'data', 'tenants', 'acme', 'voicemail', '1001', 'greeting-unavailable.wav')));
  const text = await call('PUT', '/tenants/acme/voicemail/boxes/1001/greetings/busy', a, { type: 'text/plain', body: Buffer.from('not audio') });
  assert.is(text.status, 415);
  const junk = await call('PUT', '/tenants/acme/voicemail/boxes/1001/greetings/busy', a, { type: 'audio/wav', body: Buffer.from('RIFF but not really a wave file') });
  assert.is(junk.status, 422);
  assert.is(junk.json.error.code, 'invalid_wav');
  assert.equal(readdirSync(join(pbx.dir, 'data', 'tenants', 'acme', 'voicemail', '1001')).sort(), [`${MSG_1001}.wav`, 'greeting-unavailable.wav']);
  const letters = await json('PUT', '/tenants/acme/voicemail/boxes/1001/pin', a, { pin: 'abcd' });
  assert.is(letters.status, 422);
  assert.equal(letters.json.error.details, [{ path: '/pin', message: 'a voicemail PIN must be 4 to 16 digits (0-9), nothing else' }]);
  assert.is((await json('PUT', '/tenants/acme/voicemail/boxes/1001/pin', a, { pin: '4321' })).status, 204);
  assert.is((await call('GET', '/tenants/acme/voicemail/boxes/1001', a)).json.hasPin, true);
});

s('delete removes the file and the row; the message is gone after a restart too', async () => {
  const a = tok['adminA']!;
  const file = join(pbx.dir, 'data', 'tenants', 'acme', 'voicemail', '1002', `${MSG_1002}.wav`);
  assert.ok(existsSync(file));
  const del = await call('DELETE', `/tenants/acme/voicemail/boxes/1002/messages/${MSG_1002}`, a);
  assert.is(del.status, 204, del.body.toString());
  assert.not.ok(existsSync(file));
  await pbx.restart();
  const list = await call('GET', '/tenants/acme/voicemail/boxes/1002/messages', a);
  assert.is(list.status, 200);
  assert.equal(list.json.items, []);
  const kept = await call('GET', '/tenants/acme/voicemail/boxes/1001/messages', a);
  assert.equal(kept.json.items.map((m: any) => [m.id, m.folder]), [[MSG_1001, 'old']], 'the read flag survives a restart');
  assert.is((await call('GET', '/tenants/acme/voicemail/boxes/1001', a)).json.hasPin, true, 'the PIN set through the API survives the re-apply of the tenant file at start');
});

s.run();
