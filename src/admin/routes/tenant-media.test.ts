// Prompt and music-on-hold uploads through the real ApiServer over HTTP (raw bodies are
// the point), with real SQLite stores and tenant folders in a temp dir and the media
// engine's own WavReader judging the files.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeWav, sineWave } from '../../../test/support/tone.js';
import { mediaFiles } from '../../app/media-probe.js';
import { resolveMohClass } from '../../media/prompts/moh-path.js';
import { PROMPT_NAME_RE, resolvePrompt } from '../../media/prompts/prompt-path.js';
import { applyTenant } from '../../tenant/apply-tenant.js';
import { TenantStorePool } from '../../store/store-pool.js';
import { SystemStore } from '../../store/system-store.js';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { ApiServer } from '../api-server.js';
import type { Principal } from '../api-types.js';
import { openApiDocument } from '../openapi.js';
import { MEDIA_NAME_RE } from './tenant-media-kit.js';
import { tenantLookup, tenantResourceRoutes } from './tenant-resources.js';
import type { TenantResourceDeps } from './tenant-resource-kit.js';

const LIMIT = 256 * 1024;
const TOKENS: Record<string, Principal> = {
  prov: { role: 'provider', tokenId: 'admin' },
  acme: { role: 'tenant-admin', tokenId: 'tok-acme', tenantId: 'acme' },
  globex: { role: 'tenant-admin', tokenId: 'tok-globex', tenantId: 'globex' },
  user: { role: 'user', tokenId: 'tok-user', tenantId: 'acme', ext: '1001' },
};

let dir = '';
let system: SystemStore;
let pool: TenantStorePool;
let server: ApiServer;
let port = 0;
let deps: TenantResourceDeps;

const tone = (hz = 1000, seconds = 0.5, rate = 8000, channels = 1) => encodeWav(sineWave(hz, seconds, rate, channels));
const acmeDir = () => join(dir, 'tenants', 'acme');

interface Answer {
  status: number;
  body: Buffer;
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A request with the path sent as written (fetch would normalise `..`), optionally chunked. */
function call(method: string, path: string, o: { token?: string; type?: string; body?: Buffer; chunked?: boolean; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${o.token ?? 'prov'}`, ...(o.type ? { 'content-type': o.type } : {}), ...(o.headers ?? {}) };
    if (o.body && !o.chunked) headers['content-length'] = String(o.body.length);
    const req = request({ host: '127.0.0.1', port, method, path: `/api/v1${path}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(body.toString());
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, json, headers: res.headers });
      });
    });
    req.on('error', reject);
    if (o.body && o.chunked) {
      // Several writes without Content-Length: Transfer-Encoding: chunked.
      for (let i = 0; i < o.body.length; i += 16 * 1024) req.write(o.body.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(o.body);
  });
}

const put = (path: string, body: Buffer, o: { token?: string; type?: string; chunked?: boolean } = {}) => call('PUT', path, { type: 'audio/wav', ...o, body });

/** Files of a folder, hidden temp files included. */
const files = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

test.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-media-routes-'));
  system = SystemStore.open(dir);
  applyTenant({ system, dataDir: dir }, { id: 'acme', name: 'Acme', domains: ['acme.example'], limits: { storageMB: 2 }, extensions: [{ ext: '1001', name: 'Alice', password: 'alice-secret' }] });
  applyTenant({ system, dataDir: dir }, { id: 'globex', name: 'Globex', domains: ['globex.example'], limits: {}, extensions: [{ ext: '2001', name: 'Gina', password: 'gina-secret' }] });
  pool = new TenantStorePool({ dataDir: dir, bindingWriteDelayMs: 0 });
  deps = {
    tenant: tenantLookup(system, pool),
    tenants: () => system.listTenants(),
    dataDir: dir,
    clock: new FakeClock(Date.parse('2024-05-10T12:00:00Z')),
    calls: { listCalls: () => [], hangup: () => false },
    providerTrunks: () => [],
    onTenantChanged: () => {},
    managedBy: (id) => system.getTenant(id)?.managedBy,
    media: mediaFiles,
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

test('the name rule is the media engine\'s', () => {
  assert.is(MEDIA_NAME_RE.source, PROMPT_NAME_RE.source);
});

test('a tenant admin of a file-managed tenant uploads a prompt: 0600 in a 0700 folder, resolvePrompt prefers it, listed, downloaded, replaced, deleted, audited', async () => {
  assert.is(system.getTenant('acme')?.managedBy, 'file', 'applyTenant makes a file-managed tenant');
  const wav = tone(2000, 0.5);
  const r = await put('/tenants/acme/prompts/beep', wav, { token: 'acme' });
  assert.is(r.status, 201, r.body.toString());
  assert.equal(r.json, { name: 'beep', bytes: wav.length, format: 'pcm16/8000', durationMs: 500, replaced: false });
  const file = join(acmeDir(), 'prompts', 'beep.wav');
  assert.equal(readFileSync(file), wav);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(statSync(join(acmeDir(), 'prompts')).mode & 0o777, 0o700);
  assert.equal(files(join(acmeDir(), 'prompts')), ['beep.wav'], 'no temp file left');
  const hit = resolvePrompt('beep', 'acme', { dataDir: dir });
  assert.is(hit.source, 'tenant');
  assert.is(resolvePrompt('beep', 'globex', { dataDir: dir }).source, 'builtin', 'globex still has the built-in one');

  const list = await call('GET', '/tenants/acme/prompts', { token: 'acme' });
  assert.is(list.status, 200);
  assert.equal(list.json.items, [{ name: 'beep', bytes: wav.length, format: 'pcm16/8000', durationMs: 500 }]);
  assert.not.ok(list.json.builtin.includes('beep'), 'overridden ids are not listed as built-in');
  assert.ok(list.json.builtin.includes('goodbye'));

  const got = await call('GET', '/tenants/acme/prompts/beep', { token: 'acme' });
  assert.is(got.status, 200);
  assert.is(got.headers['content-type'], 'audio/wav');
  assert.equal(got.body, wav);
  const part = await call('GET', '/tenants/acme/prompts/beep', { token: 'acme', headers: { range: 'bytes=0-3' } });
  assert.is(part.status, 206);
  assert.is(part.body.toString('latin1'), 'RIFF');

  const again = await put('/tenants/acme/prompts/beep', tone(500, 0.25, 16000), { token: 'acme', type: 'audio/x-wav' });
  assert.is(again.status, 200);
  assert.is(again.json.replaced, true);
  assert.is(again.json.format, 'pcm16/16000');

  assert.is((await call('DELETE', '/tenants/acme/prompts/beep', { token: 'acme' })).status, 204);
  assert.not.ok(existsSync(file));
  assert.is(resolvePrompt('beep', 'acme', { dataDir: dir }).source, 'builtin', 'the built-in one takes over again');
  assert.is((await call('DELETE', '/tenants/acme/prompts/beep', { token: 'acme' })).status, 404);

  const audit = pool.get('acme').listAudit().map((e) => [e.action, e.target, e.actor]);
  assert.equal(audit, [
    ['prompt.delete', 'beep', 'tok-acme'],
    ['prompt.upload', 'beep', 'tok-acme'],
    ['prompt.upload', 'beep', 'tok-acme'],
  ]);
});

test('G.711 µ-law prompts are accepted', async () => {
  const pcm = tone(1000, 0.2);
  // Rewrite as WAVE_FORMAT_MULAW 8-bit: header fields, then one byte a sample.
  const n = (pcm.length - 44) / 2;
  const b = Buffer.alloc(44 + n, 0xff);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + n, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(7, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(8000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(n, 40);
  const r = await put('/tenants/acme/prompts/hello', b, { token: 'acme' });
  assert.is(r.status, 201, r.body.toString());
  assert.is(r.json.format, 'mulaw/8000');
});

test('refusals leave nothing behind: wrong content type 415, bad WAVs 422 with the WavError code', async () => {
  const prompts = join(acmeDir(), 'prompts');
  const wrongType = await put('/tenants/acme/prompts/beep', tone(), { token: 'acme', type: 'application/octet-stream' });
  assert.is(wrongType.status, 415);
  assert.is(wrongType.json.error.code, 'unsupported_media_type');
  const noType = await call('PUT', '/tenants/acme/prompts/beep', { token: 'acme', body: tone() });
  assert.is(noType.status, 415);

  const good = tone();
  const lying = Buffer.from(good);
  lying.writeUInt32LE(good.length * 10, 40); // the data chunk claims ten times what was sent
  const cases: Array<[string, Buffer, string]> = [
    ['not a WAV', Buffer.from('<html>hello</html>'.repeat(10)), 'not-wav'],
    ['stereo', tone(1000, 0.2, 8000, 2), 'unsupported-channels'],
    ['44.1 kHz', tone(1000, 0.2, 44100), 'unsupported-rate'],
    ['header claims more data than sent', lying, 'data-exceeds-file'],
    ['cut inside the header', good.subarray(0, 30), 'truncated'],
    ['no samples', noSamples(good), 'no-data'],
    ['empty', Buffer.alloc(0), 'not-wav'],
  ];
  for (const [what, body, code] of cases) {
    const r = await put('/tenants/acme/prompts/beep', body, { token: 'acme' });
    assert.is(r.status, 422, what);
    assert.is(r.json.error.code, 'invalid_wav', what);
    assert.is(r.json.error.details.code, code, what);
    assert.ok(r.json.error.message.length > 10, what);
    assert.equal(files(prompts), [], `${what}: nothing written`);
  }
  // A refused replacement keeps the old file.
  assert.is((await put('/tenants/acme/prompts/beep', good, { token: 'acme' })).status, 201);
  assert.is((await put('/tenants/acme/prompts/beep', tone(1000, 0.2, 8000, 2), { token: 'acme' })).status, 422);
  assert.equal(readFileSync(join(prompts, 'beep.wav')), good);
  assert.equal(files(prompts), ['beep.wav']);
});

/** The header alone, saying so (data size 0). */
function noSamples(wav: Buffer): Buffer {
  const b = Buffer.from(wav.subarray(0, 44));
  b.writeUInt32LE(36, 4);
  b.writeUInt32LE(0, 40);
  return b;
}

test('a client that goes away mid-upload leaves no temp file and the server goes on', async () => {
  const wav = tone(1000, 5);
  const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/api/v1/tenants/acme/prompts/cut', headers: { authorization: 'Bearer acme', 'content-type': 'audio/wav', 'content-length': String(wav.length) } });
  req.on('error', () => {});
  req.write(wav.subarray(0, 20_000));
  const prompts = join(acmeDir(), 'prompts');
  for (let i = 0; i < 200 && files(prompts).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(files(prompts)[0]?.startsWith('.upload-'), 'the upload was under way in a hidden temp file');
  req.destroy();
  for (let i = 0; i < 400 && files(prompts).length > 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(files(prompts), []);
  assert.is((await put('/tenants/acme/prompts/cut', wav, { token: 'acme' })).status, 201);
});

test('past the server cap: 413, declared or chunked, nothing written', async () => {
  const big = tone(1000, 20); // 320 kB > 256 KiB
  const prompts = join(dir, 'tenants', 'globex', 'prompts');
  const declared = await put('/tenants/globex/prompts/big', big);
  assert.is(declared.status, 413);
  assert.is(declared.json.error.code, 'body_too_large');
  const chunked = await put('/tenants/globex/prompts/big', big, { chunked: true });
  assert.is(chunked.status, 413);
  assert.equal(files(prompts), []);
  // The server still answers afterwards.
  assert.is((await put('/tenants/globex/prompts/small', tone())).status, 201);
});

test("past the tenant's limits.storageMB: 507 storage_full, declared or streamed, nothing written; a replacement counts the file it frees", async () => {
  // acme may use 2 MB: recordings fill it up to 150 kB short.
  mkdirSync(join(acmeDir(), 'recordings'), { recursive: true });
  writeFileSync(join(acmeDir(), 'recordings', 'old.wav'), Buffer.alloc(2 * 1024 * 1024 - folderSize(acmeDir()) - 150 * 1024));
  const chunk = tone(1000, 5); // 80 kB: fits
  assert.is((await put('/tenants/acme/moh/fill/f0', chunk, { token: 'acme' })).status, 201);
  const before = files(join(acmeDir(), 'prompts'));
  const big = tone(1000, 6.25); // 100 kB > the 70 kB left
  const declared = await put('/tenants/acme/prompts/big', big, { token: 'acme' });
  assert.is(declared.status, 507);
  assert.is(declared.json.error.code, 'storage_full');
  assert.match(declared.json.error.message, /limits\.storageMB is 2/);
  const streamed = await put('/tenants/acme/prompts/big', big, { token: 'acme', chunked: true });
  assert.is(streamed.status, 507);
  assert.is(streamed.json.error.code, 'storage_full');
  assert.equal(files(join(acmeDir(), 'prompts')), before, 'nothing written');
  // Replacing a music file of the same size fits: its own bytes are freed.
  assert.is((await put('/tenants/acme/moh/fill/f0', chunk, { token: 'acme' })).status, 200);
});

function folderSize(d: string): number {
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) n += e.isDirectory() ? folderSize(join(d, e.name)) : statSync(join(d, e.name)).size;
  return n;
}

test('names outside the rule are 422 (or 404 when the path is not a route at all), and reach no path', async () => {
  const body = tone();
  const bad = ['..', '%2e%2e', '%2E%2E', 'BEEP', 'beep%00', '%00', 'a%2Fb', '..%2F..%2Fglobex', '.hidden', 'a.wav', '_x', '-x', 'x'.repeat(65), '%C3%A9'];
  for (const name of bad) {
    for (const [m, b] of [['PUT', body], ['GET', undefined], ['DELETE', undefined]] as const) {
      const r = await call(m, `/tenants/acme/prompts/${name}`, { token: 'acme', ...(b ? { type: 'audio/wav', body: b } : {}) });
      assert.ok(r.status === 422 || r.status === 404, `${m} ${name}: ${r.status}`);
      if (r.status === 422) assert.is(r.json.error.code, 'validation_failed');
    }
    const moh = await put(`/tenants/acme/moh/${name}/song`, body, { token: 'acme' });
    assert.ok(moh.status === 422 || moh.status === 404, `moh class ${name}: ${moh.status}`);
    const mohFile = await put(`/tenants/acme/moh/default/${name}`, body, { token: 'acme' });
    assert.ok(mohFile.status === 422 || mohFile.status === 404, `moh file ${name}: ${mohFile.status}`);
  }
  assert.is((await put('/tenants/acme/prompts/%2e%2e', body, { token: 'acme' })).status, 422, 'an encoded .. is a parameter, refused by the rule');
  assert.is((await put('/tenants/acme/prompts/BEEP', body, { token: 'acme' })).status, 422);
  assert.equal(files(join(acmeDir(), 'prompts')), []);
  assert.equal(files(join(acmeDir(), 'moh')), []);
  assert.equal(files(join(dir, 'tenants', 'globex', 'prompts')), []);
});

test("isolation: globex's admin cannot list, get, put or delete acme's media (404 as for a missing tenant); a user token is 403", async () => {
  assert.is((await put('/tenants/acme/prompts/beep', tone(), { token: 'acme' })).status, 201);
  assert.is((await put('/tenants/acme/moh/default/song', tone(), { token: 'acme' })).status, 201);
  const missing = await call('GET', '/tenants/nosuch/prompts', { token: 'prov' });
  assert.is(missing.status, 404);
  const probes: Array<[string, string, Buffer?]> = [
    ['GET', '/tenants/acme/prompts'],
    ['GET', '/tenants/acme/prompts/beep'],
    ['PUT', '/tenants/acme/prompts/beep', tone(3000)],
    ['PUT', '/tenants/acme/prompts/new', tone(3000)],
    ['DELETE', '/tenants/acme/prompts/beep'],
    ['GET', '/tenants/acme/moh'],
    ['GET', '/tenants/acme/moh/default/song'],
    ['PUT', '/tenants/acme/moh/default/song', tone(3000)],
    ['DELETE', '/tenants/acme/moh/default/song'],
  ];
  for (const [m, p, b] of probes) {
    const r = await call(m, p, { token: 'globex', ...(b ? { type: 'audio/wav', body: b } : {}) });
    assert.is(r.status, 404, `${m} ${p}`);
    assert.equal(r.json, missing.json, `${m} ${p}: the same body as a missing tenant`);
    const u = await call(m, p, { token: 'user', ...(b ? { type: 'audio/wav', body: b } : {}) });
    assert.is(u.status, 403, `user ${m} ${p}`);
  }
  assert.equal(files(join(acmeDir(), 'prompts')), ['beep.wav']);
  assert.equal(readFileSync(join(acmeDir(), 'prompts', 'beep.wav')), tone());
  assert.equal(files(join(acmeDir(), 'moh', 'default')), ['song.wav']);
  assert.equal(files(join(dir, 'tenants', 'globex')).filter((f) => f === 'prompts' || f === 'moh'), []);
});

test('music on hold: upload into a class, resolveMohClass plays it, listed, downloaded, deleted (the default again)', async () => {
  assert.is((await put('/tenants/acme/moh/jazz/b-side', tone(400, 1), { token: 'acme' })).status, 201);
  assert.is((await put('/tenants/acme/moh/jazz/a-side', tone(600, 1, 48000), { token: 'acme' })).status, 201);
  const m = resolveMohClass('jazz', 'acme', { dataDir: dir });
  assert.is(m.source, 'tenant');
  assert.equal(m.files.map((f) => f.split('/').pop()), ['a-side.wav', 'b-side.wav']);
  assert.is(statSync(join(acmeDir(), 'moh', 'jazz')).mode & 0o777, 0o700);
  const list = await call('GET', '/tenants/acme/moh', { token: 'acme' });
  assert.equal(list.json, {
    classes: [
      {
        name: 'jazz',
        files: [
          { name: 'a-side', bytes: tone(600, 1, 48000).length, format: 'pcm16/48000', durationMs: 1000 },
          { name: 'b-side', bytes: tone(400, 1).length, format: 'pcm16/8000', durationMs: 1000 },
        ],
      },
    ],
  });
  const got = await call('GET', '/tenants/acme/moh/jazz/a-side', { token: 'acme' });
  assert.equal(got.body, tone(600, 1, 48000));
  assert.is((await call('DELETE', '/tenants/acme/moh/jazz/a-side', { token: 'acme' })).status, 204);
  assert.is((await call('DELETE', '/tenants/acme/moh/jazz/b-side', { token: 'acme' })).status, 204);
  assert.not.ok(existsSync(join(acmeDir(), 'moh', 'jazz')), 'an emptied class folder goes');
  assert.is(resolveMohClass('jazz', 'acme', { dataDir: dir }).source, 'builtin');
  const audit = pool.get('acme').listAudit().map((e) => `${e.action} ${e.target}`);
  assert.equal(audit, ['moh.delete jazz/b-side', 'moh.delete jazz/a-side', 'moh.upload jazz/a-side', 'moh.upload jazz/b-side']);
});

test('OpenAPI: the upload routes take audio/wav and list 413/415; the downloads answer audio/wav', () => {
  const doc = openApiDocument(tenantResourceRoutes(deps)) as any;
  const p = doc.paths['/tenants/{tenantId}/prompts/{name}'];
  assert.ok(p.put.requestBody.content['audio/wav']);
  assert.is(p.put.requestBody.content['application/json'], undefined);
  assert.ok(p.put.responses['413'] && p.put.responses['415'] && p.put.responses['422']);
  assert.ok(p.get.responses['200'].content['audio/wav']);
  assert.is(p.get.parameters.find((x: any) => x.name === 'name').schema.pattern, MEDIA_NAME_RE.source);
  const m = doc.paths['/tenants/{tenantId}/moh/{class}/{file}'];
  assert.ok(m.put.requestBody.content['audio/wav']);
  assert.ok(doc.paths['/tenants/{tenantId}/moh'].get);
  assert.ok(doc.paths['/tenants/{tenantId}/prompts'].get);
});

test.run();
