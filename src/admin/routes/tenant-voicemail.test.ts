// The voicemail API through the real ApiServer over HTTP, with real SQLite stores and
// tenant folders in a temp dir, messages left through the real VoicemailService, and the
// media engine's own WavReader judging greeting uploads.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apiCall, type ApiAnswer } from '../../../test/support/api-call.js';
import { encodeWav, sineWave } from '../../../test/support/tone.js';
import { mediaFiles } from '../../app/media-probe.js';
import { VoicemailService } from '../../apps/voicemail/voicemail-service.js';
import { applyTenant } from '../../tenant/apply-tenant.js';
import { TenantStorePool } from '../../store/store-pool.js';
import { SystemStore } from '../../store/system-store.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { tenantDir } from '../../store/tenant-id.js';
import { verifyPin } from '../../tenant/voicemail-pin.js';
import type { VoicemailCounts } from '../../store/voicemail-table.js';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { ApiServer } from '../api-server.js';
import type { Principal } from '../api-types.js';
import { folderBytes } from '../folder-bytes.js';
import { openApiDocument } from '../openapi.js';
import { tenantLookup, tenantResourceRoutes } from './tenant-resources.js';
import type { TenantResourceDeps } from './tenant-resource-kit.js';

const LIMIT = 256 * 1024;
const TOKENS: Record<string, Principal> = {
  prov: { role: 'provider', tokenId: 'admin' },
  acme: { role: 'tenant-admin', tokenId: 'tok-acme', tenantId: 'acme' },
  globex: { role: 'tenant-admin', tokenId: 'tok-globex', tenantId: 'globex' },
  u1001: { role: 'user', tokenId: 'tok-1001', tenantId: 'acme', ext: '1001' },
  u1002: { role: 'user', tokenId: 'tok-1002', tenantId: 'acme', ext: '1002' },
  g1001: { role: 'user', tokenId: 'tok-g1001', tenantId: 'globex', ext: '1001' },
};

let dir = '';
let system: SystemStore;
let pool: TenantStorePool;
let server: ApiServer;
let port = 0;
let deps: TenantResourceDeps;
let svc: VoicemailService;
let counted: Array<{ tenant: string; box: string; counts: VoicemailCounts }> = [];

const tone = (hz = 1000, seconds = 1.5) => encodeWav(sineWave(hz, seconds, 8000, 1));
const call = (method: string, path: string, token = 'prov', o: { type?: string; body?: Buffer; headers?: Record<string, string> } = {}): Promise<ApiAnswer> => apiCall(port, method, path, { token, ...o });
const json = (method: string, path: string, token: string, body: unknown) => call(method, path, token, { type: 'application/json', body: Buffer.from(JSON.stringify(body)) });
const tenant = (id: string): TenantContext => deps.tenant(id)!;
const acmeDir = () => tenantDir(dir, 'acme');

/** A message left in a box through the voicemail service, as a deposit does. */
function leave(t: string, box: string, wav: Buffer, caller: { number?: string; name?: string } = { number: '+14155550100', name: 'Carol' }): string {
  const ctx = tenant(t);
  const { id, path } = svc.startDeposit(ctx, box, caller);
  writeFileSync(path, wav);
  const m = svc.finishDeposit(ctx, box, id, path, 1500);
  if (!m) throw new Error('deposit dropped');
  (deps.clock as FakeClock).advance(1000);
  return id;
}

test.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-vm-routes-'));
  const clock = new FakeClock(Date.parse('2026-03-10T12:00:00Z'));
  system = SystemStore.open(dir);
  applyTenant(
    { system, dataDir: dir },
    {
      id: 'acme',
      name: 'Acme',
      domains: ['acme.example'],
      limits: { storageMB: 2 },
      extensions: [
        { ext: '1001', name: 'Alice', password: 'alice-secret', voicemail: { pin: '1234', email: 'alice@acme.example' } },
        { ext: '1002', name: 'Bob', password: 'bob-secret-1' },
        { ext: '1003', name: 'Cid', password: 'cid-secret-1', voicemail: { enabled: false } },
      ],
      voicemailBoxes: [{ box: '800', name: 'Sales', pin: '8080', members: ['1001'] }],
    },
  );
  applyTenant({ system, dataDir: dir }, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '1001', name: 'Gina', password: 'gina-secret', voicemail: { pin: '9999' } }] });
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 0 });
  counted = [];
  const lookup = tenantLookup(system, pool);
  svc = new VoicemailService({
    dataDir: dir,
    clock,
    logger: silentLogger,
    storageBytes: (t) => folderBytes(tenantDir(dir, t.id)),
    onCountsChanged: (t, box, counts) => counted.push({ tenant: t.id, box, counts }),
  });
  deps = {
    tenant: lookup,
    tenants: () => system.listTenants(),
    dataDir: dir,
    clock,
    calls: { listCalls: () => [], hangup: () => false },
    providerTrunks: () => [],
    onTenantChanged: () => {},
    managedBy: (id) => system.getTenant(id)?.managedBy,
    media: mediaFiles,
    voicemail: svc,
  };
  server = new ApiServer({ routes: tenantResourceRoutes(deps), tokens: { verify: (t) => TOKENS[t] }, logger: silentLogger, uploadLimitBytes: LIMIT });
  port = (await server.listen('127.0.0.1', 0)).port;
});

test.after.each(async () => {
  await server.close();
  pool.closeAll();
  system.close();
  rmSync(dir, { recursive: true, force: true });
});

test('boxes: an admin lists every box with counts, PIN state and greetings, never the PIN or its hash', async () => {
  leave('acme', '1001', tone());
  const second = leave('acme', '1001', tone(800));
  svc.setFolder(tenant('acme'), tenant('acme').store.voicemail.message(second)!, 'old');
  const r = await call('GET', '/tenants/acme/voicemail/boxes', 'acme');
  assert.is(r.status, 200, r.body.toString());
  assert.equal(r.json.items, [
    { box: '1001', ownerExt: '1001', email: 'alice@acme.example', enabled: true, hasPin: true, counts: { new: 1, old: 1 }, greetings: [] },
    { box: '1002', ownerExt: '1002', enabled: true, hasPin: false, counts: { new: 0, old: 0 }, greetings: [] },
    { box: '800', name: 'Sales', members: ['1001'], enabled: true, hasPin: true, counts: { new: 0, old: 0 }, greetings: [] },
  ]);
  assert.not.ok(/scrypt|pinHash|1234|8080/.test(r.body.toString()), 'no PIN and no hash in the answer');
  const one = await call('GET', '/tenants/acme/voicemail/boxes/800', 'prov');
  assert.is(one.status, 200);
  assert.is(one.json.name, 'Sales');
  assert.is((await call('GET', '/tenants/acme/voicemail/boxes/1003', 'acme')).status, 404, 'an extension without voicemail has no box');
});

test('messages: list (oldest first, folder filter), metadata, audio whole and by Range', async () => {
  const wav = tone(1000);
  const a = leave('acme', '1001', wav);
  const b = leave('acme', '1001', tone(600), { number: '1002' });
  const list = await call('GET', '/tenants/acme/voicemail/boxes/1001/messages', 'acme');
  assert.is(list.status, 200);
  assert.equal(
    list.json.items.map((m: any) => [m.id, m.folder, m.callerNumber]),
    [
      [a, 'new', '+14155550100'],
      [b, 'new', '1002'],
    ],
  );
  const first = list.json.items[0];
  assert.equal(first, { id: a, box: '1001', callerNumber: '+14155550100', callerName: 'Carol', receivedAt: '2026-03-10T12:00:00.000Z', durationMs: 1500, folder: 'new', bytes: wav.length });
  const meta = await call('GET', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme');
  assert.equal(meta.json, first);
  const audio = await call('GET', `/tenants/acme/voicemail/boxes/1001/messages/${a}/audio`, 'acme');
  assert.is(audio.status, 200);
  assert.is(audio.headers['content-type'], 'audio/wav');
  assert.equal(audio.body, wav, 'the bytes the deposit wrote');
  const part = await call('GET', `/tenants/acme/voicemail/boxes/1001/messages/${a}/audio`, 'acme', { headers: { range: 'bytes=0-43' } });
  assert.is(part.status, 206);
  assert.equal(part.body, wav.subarray(0, 44));
  svc.setFolder(tenant('acme'), tenant('acme').store.voicemail.message(a)!, 'old');
  const olds = await call('GET', '/tenants/acme/voicemail/boxes/1001/messages?folder=old', 'acme');
  assert.equal(olds.json.items.map((m: any) => m.id), [a]);
  assert.is((await call('GET', '/tenants/acme/voicemail/boxes/1001/messages?folder=deleted', 'acme')).status, 422);
});

test('read/unread through the service: counts change and the MWI event fires; bad folder is 422', async () => {
  const a = leave('acme', '1001', tone());
  counted = [];
  const r = await json('PATCH', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme', { folder: 'old' });
  assert.is(r.status, 200, r.body.toString());
  assert.is(r.json.folder, 'old');
  assert.equal(counted, [{ tenant: 'acme', box: '1001', counts: { new: 0, old: 1 } }]);
  const back = await json('PATCH', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme', { folder: 'new' });
  assert.is(back.json.folder, 'new');
  assert.equal(counted[1], { tenant: 'acme', box: '1001', counts: { new: 1, old: 0 } });
  const bad = await json('PATCH', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme', { folder: 'trash' });
  assert.is(bad.status, 422);
  assert.is(bad.json.error.details[0].path, '/folder');
  assert.is(counted.length, 2, 'a refused change fires nothing');
});

test('delete: the file and the row go, storage is freed, MWI fires, audited; then 404', async () => {
  const a = leave('acme', '1001', tone(1000, 3));
  const file = join(acmeDir(), 'voicemail', '1001', `${a}.wav`);
  const statBefore = statSync(file).size;
  assert.ok(statBefore > 48_000);
  // The voicemail folder alone: the store's own file grows with the audit entry.
  const vmBytes = () => folderBytes(join(acmeDir(), 'voicemail'));
  const before = vmBytes();
  counted = [];
  const r = await call('DELETE', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme');
  assert.is(r.status, 204, r.body.toString());
  assert.not.ok(existsSync(file));
  assert.is(tenant('acme').store.voicemail.message(a), undefined);
  assert.is(vmBytes(), before - statBefore, 'its bytes are freed');
  assert.equal(counted, [{ tenant: 'acme', box: '1001', counts: { new: 0, old: 0 } }]);
  const audit = tenant('acme').store.listAudit({ limit: 5 });
  assert.ok(audit.some((e: any) => e.action === 'voicemail.message.delete' && e.target === `1001/${a}` && e.actor === 'tok-acme'), JSON.stringify(audit));
  assert.is((await call('DELETE', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme')).status, 404);
  assert.is((await call('GET', `/tenants/acme/voicemail/boxes/1001/messages/${a}/audio`, 'acme')).status, 404);
});

test('a message still being recorded is not listed nor reachable', async () => {
  const { id } = svc.startDeposit(tenant('acme'), '1001', { number: '1002' });
  assert.equal((await call('GET', '/tenants/acme/voicemail/boxes/1001/messages', 'acme')).json.items, []);
  assert.is((await call('GET', `/tenants/acme/voicemail/boxes/1001/messages/${id}`, 'acme')).status, 404);
  assert.is((await call('DELETE', `/tenants/acme/voicemail/boxes/1001/messages/${id}`, 'acme')).status, 404);
  assert.ok(tenant('acme').store.voicemail.message(id), 'the deposit row is untouched');
});

test('greetings: upload (0600, listed, what the deposit plays), replace, download, delete; counted in storage', async () => {
  const wav = tone(700, 1);
  const up = await call('PUT', '/tenants/acme/voicemail/boxes/1001/greetings/busy', 'acme', { type: 'audio/wav', body: wav });
  assert.is(up.status, 201, up.body.toString());
  assert.equal(up.json, { name: 'busy', bytes: wav.length, format: 'pcm16/8000', durationMs: 1000, replaced: false });
  const file = join(acmeDir(), 'voicemail', '1001', 'greeting-busy.wav');
  assert.equal(readFileSync(file), wav);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(svc.greeting(tenant('acme'), '1001', 'busy'), file, 'the deposit app finds it');
  assert.equal(readdirSync(join(acmeDir(), 'voicemail', '1001')), ['greeting-busy.wav'], 'no temp file left');
  assert.equal((await call('GET', '/tenants/acme/voicemail/boxes/1001', 'acme')).json.greetings, ['busy']);
  const again = await call('PUT', '/tenants/acme/voicemail/boxes/1001/greetings/busy', 'acme', { type: 'audio/wav', body: tone(900, 2) });
  assert.is(again.status, 200);
  assert.is(again.json.replaced, true);
  const got = await call('GET', '/tenants/acme/voicemail/boxes/1001/greetings/busy', 'acme');
  assert.is(got.status, 200);
  assert.equal(got.body, tone(900, 2));
  const vmBytes = () => folderBytes(join(acmeDir(), 'voicemail'));
  const used = vmBytes();
  assert.is((await call('DELETE', '/tenants/acme/voicemail/boxes/1001/greetings/busy', 'acme')).status, 204);
  assert.not.ok(existsSync(file));
  assert.is(vmBytes(), used - tone(900, 2).length, 'deleting frees its bytes');
  assert.is((await call('DELETE', '/tenants/acme/voicemail/boxes/1001/greetings/busy', 'acme')).status, 404);
  assert.is((await call('GET', '/tenants/acme/voicemail/boxes/1001/greetings/busy', 'acme')).status, 404);
});

test('greetings refused: not audio (415, 422 invalid_wav), unknown kind (422 /kind), too large (413), storage full (507); nothing written', async () => {
  const folder = join(acmeDir(), 'voicemail', '1002');
  const text = await call('PUT', '/tenants/acme/voicemail/boxes/1002/greetings/unavailable', 'acme', { type: 'text/plain', body: Buffer.from('hello') });
  assert.is(text.status, 415);
  const junk = await call('PUT', '/tenants/acme/voicemail/boxes/1002/greetings/unavailable', 'acme', { type: 'audio/wav', body: Buffer.from('this is not a RIFF file at all, just text') });
  assert.is(junk.status, 422, junk.body.toString());
  assert.is(junk.json.error.code, 'invalid_wav');
  assert.ok(junk.json.error.message.length > 10, junk.json.error.message);
  const stereo = await call('PUT', '/tenants/acme/voicemail/boxes/1002/greetings/unavailable', 'acme', { type: 'audio/wav', body: encodeWav(sineWave(440, 0.5, 8000, 2)) });
  assert.is(stereo.status, 422, 'a stereo file the player would refuse');
  const kind = await call('PUT', '/tenants/acme/voicemail/boxes/1002/greetings/holiday', 'acme', { type: 'audio/wav', body: tone() });
  assert.is(kind.status, 422);
  assert.is(kind.json.error.details[0].path, '/kind');
  const big = await call('PUT', '/tenants/acme/voicemail/boxes/1002/greetings/name', 'acme', { type: 'audio/wav', body: tone(440, 20) });
  assert.is(big.status, 413, big.body.toString());
  // Fill acme's 2 MB with messages (each 120 s of 16-bit audio, about 1.9 MB) until a greeting does not fit.
  leave('acme', '1002', encodeWav(sineWave(440, 120, 8000, 1)));
  const full = await call('PUT', '/tenants/acme/voicemail/boxes/1002/greetings/name', 'acme', { type: 'audio/wav', body: encodeWav(sineWave(440, 10, 8000, 1)) });
  assert.is(full.status, 507, full.body.toString());
  assert.is(full.json.error.code, 'storage_full');
  assert.equal(readdirSync(folder).filter((n) => n.startsWith('greeting') || n.startsWith('.')), [], 'no greeting and no temp file');
});

test('PIN: digits stored hashed (the old one stops working); letters, too short, missing: 422 at /pin', async () => {
  const r = await json('PUT', '/tenants/acme/voicemail/boxes/1001/pin', 'acme', { pin: '0427' });
  assert.is(r.status, 204, r.body.toString());
  const hash = tenant('acme').store.voicemail.box('1001')!.pinHash;
  assert.ok(hash?.startsWith('scrypt$'), 'stored as a hash');
  assert.ok(verifyPin('0427', hash));
  assert.not.ok(verifyPin('1234', hash));
  for (const pin of ['12ab', 'abcd', '123', '1'.repeat(17), ' 1234', '１２３４']) {
    const bad = await json('PUT', '/tenants/acme/voicemail/boxes/1001/pin', 'acme', { pin });
    assert.is(bad.status, 422, pin);
    assert.equal(bad.json.error.details, [{ path: '/pin', message: 'a voicemail PIN must be 4 to 16 digits (0-9), nothing else' }], pin);
  }
  const none = await json('PUT', '/tenants/acme/voicemail/boxes/1001/pin', 'acme', {});
  assert.is(none.status, 422);
  const num = await json('PUT', '/tenants/acme/voicemail/boxes/1001/pin', 'acme', { pin: 1234 });
  assert.is(num.status, 422);
  assert.is(num.json.error.details[0].path, '/pin');
  assert.is(tenant('acme').store.voicemail.box('1001')!.pinHash, hash, 'refusals change nothing');
});

test('user 1001: its own box and the shared box it is a member of; every other box is 404', async () => {
  const mine = leave('acme', '1001', tone());
  const shared = leave('acme', '800', tone());
  const bobs = leave('acme', '1002', tone());
  const boxes = await call('GET', '/tenants/acme/extensions/1001/voicemail/boxes', 'u1001');
  assert.is(boxes.status, 200);
  assert.equal(boxes.json.items.map((b: any) => b.box), ['1001', '800']);
  assert.is((await call('GET', `/tenants/acme/extensions/1001/voicemail/boxes/1001/messages/${mine}/audio`, 'u1001')).status, 200);
  assert.is((await call('GET', '/tenants/acme/extensions/1001/voicemail/boxes/800/messages', 'u1001')).json.items[0].id, shared);
  const patched = await json('PATCH', `/tenants/acme/extensions/1001/voicemail/boxes/800/messages/${shared}`, 'u1001', { folder: 'old' });
  assert.is(patched.status, 200);
  assert.is((await call('PUT', '/tenants/acme/extensions/1001/voicemail/boxes/1001/greetings/unavailable', 'u1001', { type: 'audio/wav', body: tone() })).status, 201);
  assert.is((await json('PUT', '/tenants/acme/extensions/1001/voicemail/boxes/1001/pin', 'u1001', { pin: '24680' })).status, 204);
  assert.is((await call('DELETE', `/tenants/acme/extensions/1001/voicemail/boxes/1001/messages/${mine}`, 'u1001')).status, 204);

  const missing = await call('GET', '/tenants/acme/extensions/1001/voicemail/boxes/1999', 'u1001');
  assert.is(missing.status, 404);
  const refusals: Array<[string, string, string]> = [
    ['GET', '/tenants/acme/extensions/1001/voicemail/boxes/1002', 'u1001'],
    ['GET', '/tenants/acme/extensions/1001/voicemail/boxes/1002/messages', 'u1001'],
    ['GET', `/tenants/acme/extensions/1001/voicemail/boxes/1002/messages/${bobs}/audio`, 'u1001'],
    ['DELETE', `/tenants/acme/extensions/1001/voicemail/boxes/1002/messages/${bobs}`, 'u1001'],
    ['GET', '/tenants/acme/extensions/1002/voicemail/boxes/1002/messages', 'u1001'],
    ['GET', `/tenants/acme/extensions/1002/voicemail/boxes/1002/messages/${bobs}`, 'u1001'],
    ['GET', `/tenants/acme/extensions/1001/voicemail/boxes/1001/messages/${bobs}`, 'u1001'],
    ['GET', '/tenants/acme/extensions/1002/voicemail/boxes/800/messages', 'u1002'],
    ['DELETE', `/tenants/acme/extensions/1002/voicemail/boxes/800/messages/${shared}`, 'u1002'],
    ['DELETE', '/tenants/acme/extensions/1001/voicemail/boxes/1002/greetings/busy', 'u1001'],
    ['GET', '/tenants/globex/extensions/1001/voicemail/boxes/1001/messages', 'u1001'],
  ];
  for (const [m, p, tok] of refusals) {
    const r = await call(m, p, tok);
    assert.is(r.status, 404, `${m} ${p}`);
    assert.equal(r.json, missing.json, `${m} ${p}: the same answer as a missing box`);
  }
  const pin = await json('PUT', '/tenants/acme/extensions/1001/voicemail/boxes/1002/pin', 'u1001', { pin: '1111' });
  assert.is(pin.status, 404);
  const up = await call('PUT', '/tenants/acme/extensions/1001/voicemail/boxes/1002/greetings/busy', 'u1001', { type: 'audio/wav', body: tone() });
  assert.is(up.status, 404);
  assert.not.ok(existsSync(join(acmeDir(), 'voicemail', '1002', 'greeting-busy.wav')));
  assert.ok(tenant('acme').store.voicemail.message(bobs), "bob's message is still there");
  assert.is(tenant('acme').store.voicemail.box('1002')!.pinHash, undefined, "bob's PIN unchanged");
  // The tenant-wide routes are for admins: a user token is refused by role.
  assert.is((await call('GET', '/tenants/acme/voicemail/boxes', 'u1001')).status, 403);
});

test("isolation: another tenant's token, box or message id is 404 exactly like a missing one", async () => {
  const acmeMsg = leave('acme', '1001', tone());
  const globexMsg = leave('globex', '1001', tone(500));
  const missing = await call('GET', '/tenants/globex/voicemail/boxes/1001/messages/20260310120000-000000000000', 'globex');
  assert.is(missing.status, 404);
  const cases: Array<[string, string, string]> = [
    ['GET', '/tenants/acme/voicemail/boxes', 'globex'],
    ['GET', '/tenants/acme/voicemail/boxes/1001/messages', 'globex'],
    ['GET', `/tenants/acme/voicemail/boxes/1001/messages/${acmeMsg}/audio`, 'globex'],
    ['DELETE', `/tenants/acme/voicemail/boxes/1001/messages/${acmeMsg}`, 'globex'],
    // globex has a box 1001 too: acme's id under it is still not found.
    ['GET', `/tenants/globex/voicemail/boxes/1001/messages/${acmeMsg}`, 'globex'],
    ['GET', `/tenants/globex/voicemail/boxes/1001/messages/${acmeMsg}/audio`, 'prov'],
    ['DELETE', `/tenants/globex/voicemail/boxes/1001/messages/${acmeMsg}`, 'prov'],
    ['GET', `/tenants/globex/extensions/1001/voicemail/boxes/1001/messages/${acmeMsg}/audio`, 'g1001'],
    ['GET', `/tenants/acme/extensions/1001/voicemail/boxes/1001/messages/${acmeMsg}/audio`, 'g1001'],
    ['GET', `/tenants/acme/voicemail/boxes/1001/messages/${globexMsg}`, 'acme'],
    ['GET', '/tenants/acme/voicemail/boxes/800/messages', 'globex'],
    ['DELETE', '/tenants/acme/voicemail/boxes/1001/greetings/busy', 'globex'],
  ];
  for (const [m, p, tok] of cases) {
    const r = await call(m, p, tok);
    assert.is(r.status, 404, `${m} ${p} as ${tok}`);
    assert.equal(r.json, missing.json, `${m} ${p}: same body as a missing one`);
  }
  const pin = await json('PUT', '/tenants/acme/voicemail/boxes/1001/pin', 'globex', { pin: '1111' });
  assert.is(pin.status, 404);
  const up = await call('PUT', '/tenants/acme/voicemail/boxes/1001/greetings/busy', 'globex', { type: 'audio/wav', body: tone() });
  assert.is(up.status, 404);
  assert.ok(tenant('acme').store.voicemail.message(acmeMsg) && tenant('globex').store.voicemail.message(globexMsg), 'both messages are still there');
  assert.ok(verifyPin('1234', tenant('acme').store.voicemail.box('1001')!.pinHash), "acme's PIN unchanged");
  assert.not.ok(existsSync(join(acmeDir(), 'voicemail', '1001', 'greeting-busy.wav')));
});

test('crafted ids and boxes (../, %2F, 300 chars) are 404 and never reach a file outside the box', async () => {
  const a = leave('acme', '1001', tone());
  writeFileSync(join(acmeDir(), 'secret.wav'), tone(300));
  writeFileSync(join(acmeDir(), 'voicemail', '1001', 'greeting-busy.wav'), tone(350));
  const paths = [
    '/tenants/acme/voicemail/boxes/1001/messages/..%2F..%2Fsecret/audio',
    '/tenants/acme/voicemail/boxes/1001/messages/..%2Fx/audio',
    '/tenants/acme/voicemail/boxes/1001/messages/%2e%2e/audio',
    '/tenants/acme/voicemail/boxes/1001/messages/greeting-busy/audio',
    `/tenants/acme/voicemail/boxes/1001/messages/${'1'.repeat(300)}/audio`,
    `/tenants/acme/voicemail/boxes/1001/messages/${a}.wav/audio`,
    `/tenants/acme/voicemail/boxes/1001/messages/${a}%00/audio`,
    `/tenants/acme/voicemail/boxes/..%2F..%2Fglobex%2Fvoicemail%2F1001/messages/${a}/audio`,
    `/tenants/acme/voicemail/boxes/1001%2F..%2F1001/messages/${a}/audio`,
    '/tenants/acme/voicemail/boxes/%2e%2e/greetings/busy',
    `/tenants/acme/voicemail/boxes/${'1'.repeat(300)}/messages`,
  ];
  for (const p of paths) {
    const r = await call('GET', p, 'acme');
    assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
    assert.not.ok(r.body.includes(Buffer.from('RIFF')), `${p}: no audio served`);
  }
  const up = await call('PUT', '/tenants/acme/voicemail/boxes/..%2F..%2Fprompts/greetings/busy', 'acme', { type: 'audio/wav', body: tone() });
  assert.is(up.status, 404);
  assert.not.ok(existsSync(join(acmeDir(), 'prompts')), 'nothing written outside a box');
  assert.is((await call('DELETE', `/tenants/acme/voicemail/boxes/1001/messages/..%2F${a}`, 'acme')).status, 404);
  assert.ok(existsSync(join(acmeDir(), 'secret.wav')));
});

test("a row naming a file outside its box (a tampered store) is refused, not followed", async () => {
  const a = leave('acme', '1001', tone());
  const globexFile = join(tenantDir(dir, 'globex'), 'voicemail', '1001', 'x.wav');
  leave('globex', '1001', tone());
  writeFileSync(globexFile, tone(321));
  const db = new Database(join(acmeDir(), 'tenant.sqlite'));
  db.prepare('UPDATE voicemail_messages SET file = ? WHERE id = ?').run('../globex/voicemail/1001/x.wav', a);
  db.close();
  const r = await call('GET', `/tenants/acme/voicemail/boxes/1001/messages/${a}/audio`, 'acme');
  assert.is(r.status, 500);
  assert.not.ok(r.body.includes(Buffer.from('RIFF')));
  assert.is((await call('DELETE', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme')).status, 500);
  assert.ok(existsSync(globexFile), "globex's file is untouched");
});

test('without a voicemail service, read/unread and delete are refused (409) and change nothing', async () => {
  const a = leave('acme', '1001', tone());
  await server.close();
  const { voicemail: _v, ...rest } = deps;
  server = new ApiServer({ routes: tenantResourceRoutes(rest), tokens: { verify: (t) => TOKENS[t] }, logger: silentLogger, uploadLimitBytes: LIMIT });
  port = (await server.listen('127.0.0.1', 0)).port;
  const r = await json('PATCH', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme', { folder: 'old' });
  assert.is(r.status, 409);
  assert.is(r.json.error.code, 'voicemail_unavailable');
  assert.is((await call('DELETE', `/tenants/acme/voicemail/boxes/1001/messages/${a}`, 'acme')).status, 409);
  assert.is(tenant('acme').store.voicemail.message(a)?.folder, 'new');
});

test('the OpenAPI document lists the voicemail routes with their roles', () => {
  const doc = openApiDocument(tenantResourceRoutes(deps)) as any;
  const audio = doc.paths['/tenants/{tenantId}/voicemail/boxes/{box}/messages/{msgId}/audio'].get;
  assert.equal(audio['x-roles'], ['provider', 'tenant-admin']);
  assert.ok(audio.responses['200'].content['audio/wav']);
  const own = doc.paths['/tenants/{tenantId}/extensions/{ext}/voicemail/boxes/{box}/messages/{msgId}'];
  assert.equal(Object.keys(own).sort(), ['delete', 'get', 'patch']);
  assert.equal(own.get['x-roles'], ['provider', 'tenant-admin', 'user']);
  const greet = doc.paths['/tenants/{tenantId}/voicemail/boxes/{box}/greetings/{kind}'].put;
  assert.ok(greet.requestBody.content['audio/wav']);
  assert.ok(doc.paths['/tenants/{tenantId}/extensions/{ext}/voicemail/boxes/{box}/pin'].put);
});

test.run();
