// The tenant pack's container both ways across the change from the hand-written tar code
// to node-tar: a pack written by the hand-written writer (fixtures/oldpack-hand-tar.*,
// made with the code before node-tar, with a name long enough for ustar's prefix field)
// unpacks now; and a pack written now is plain ustar (regular-file entries with ustar
// magic, no PAX or GNU records), the only form the hand-written reader of earlier
// versions accepts, so it unpacks there too.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SystemStore } from '../store/system-store.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import { packTenant, unpackTenant } from './tenant-pack.js';

const OLD_PACK = fileURLToPath(new URL('./fixtures/oldpack-hand-tar.pbxtenant.tar.gz', import.meta.url));
const LONG = `voicemail/1001/${'a'.repeat(90)}/msg1.wav`;

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pbx-packfmt-'));
  dirs.push(d);
  return d;
}
test.after.each(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tenantView(dataDir: string, id: string) {
  const sys = SystemStore.open(dataDir);
  const rec = sys.getTenant(id);
  sys.close();
  const s = SqliteTenantStore.open(dataDir, id, { create: false });
  try {
    return {
      name: rec?.name,
      domains: rec?.domains,
      dids: rec?.dids,
      exts: s.listExtensions().map((x) => x.ext),
      cdrs: s.listCdrs().map((c) => c.callId),
      media: readFileSync(join(dataDir, 'tenants', id, ...LONG.split('/')), 'utf8'),
    };
  } finally {
    s.close();
  }
}

/** Every header of a gzipped tar: name (ustar prefix joined), type flag, magic and version. */
function ustarHeaders(file: string): Array<{ name: string; type: string; magic: string; size: number }> {
  const tar = gunzipSync(readFileSync(file));
  const out: Array<{ name: string; type: string; magic: string; size: number }> = [];
  const text = (off: number, len: number) => tar.toString('utf8', off, off + len).replace(/\0.*$/s, '');
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const prefix = text(off + 345, 155);
    const base = text(off, 100);
    const size = parseInt(text(off + 124, 12).trim() || '0', 8);
    out.push({ name: prefix ? `${prefix}/${base}` : base, type: String.fromCharCode(h[156]!), magic: tar.toString('latin1', off + 257, off + 265), size });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

test('a pack written by the hand-written tar code unpacks: tenant, extensions, CDRs and the long-named media file', async () => {
  const data = tmp();
  const r = await unpackTenant({ dataDir: data, file: OLD_PACK });
  assert.equal([r.tenantId, r.domains, r.dids, r.files], ['oldpack', ['oldpack.example'], ['+14155550177'], 2]);
  assert.equal(tenantView(data, 'oldpack'), {
    name: 'Old pack corp',
    domains: ['oldpack.example'],
    dids: ['+14155550177'],
    exts: ['1001', '1002'],
    cdrs: ['call-1'],
    media: 'RIFF-fake-wav written by the hand-made tar writer',
  });
});

test('a pack written now is plain ustar, regular files only, and unpacks to the same tenant', async () => {
  const one = tmp();
  await unpackTenant({ dataDir: one, file: OLD_PACK });
  const before = tenantView(one, 'oldpack');
  const file = join(tmp(), 'again.pbxtenant.tar.gz');
  await packTenant({ dataDir: one, id: 'oldpack', outFile: file });
  const headers = ustarHeaders(file);
  assert.equal(
    headers.map((h) => h.name),
    ['manifest.json', 'system.json', 'tenant/tenant.sqlite', `tenant/${LONG}`],
  );
  for (const h of headers) assert.equal([h.type, h.magic], ['0', 'ustar\u000000'], h.name);
  const two = tmp();
  await unpackTenant({ dataDir: two, file });
  assert.equal(tenantView(two, 'oldpack'), before);
});

test('a name ustar cannot hold is refused when packing, not cut short', async () => {
  const data = tmp();
  await unpackTenant({ dataDir: data, file: OLD_PACK });
  const deep = join(data, 'tenants', 'oldpack', 'recordings', 'b'.repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'c'.repeat(120) + '.wav'), 'x');
  try {
    await packTenant({ dataDir: data, id: 'oldpack', outFile: join(tmp(), 'x.tgz') });
    assert.unreachable('packed');
  } catch (e) {
    assert.match((e as Error).message, /name too long for ustar/);
  }
});

test.run();
