import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../tenant/apply-tenant.js';
import type { BindingRow } from '../store/binding-row.js';
import { SystemStore } from '../store/system-store.js';
import type { TenantSpec } from '../tenant/tenant-spec.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import { listBackups, pruneBackups, readBackupManifest, restoreTenant, runBackup, verifyBackup } from './backup.js';
import { sha256File } from './data-files.js';
import { extractTarGz, writeTarGz, type TarLimits } from './tar.js';
import { packTenant, unpackTenant } from './tenant-pack.js';

/** The files of a tenant pack (or any archive of ours), by name, read in memory. */
async function readTarGz(file: string, limits?: TarLimits): Promise<Map<string, Buffer>> {
  const entries = await extractTarGz(file, tmp(), () => true, limits);
  return new Map([...entries].map(([name, e]) => [name, e.data!]));
}

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pbx-backup-'));
  dirs.push(d);
  return d;
}
test.after.each(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function spec(id: string, domain: string, dids: string[] = []): TenantSpec {
  return {
    id,
    name: `${id} corp`,
    domains: [domain],
    limits: { calls: 5 },
    countryCode: '1',
    dids,
    extensions: [
      { ext: '1001', name: 'Alice', password: `${id}-1001-secret` },
      { ext: '1002', name: 'Bob', password: `${id}-1002-secret` },
    ],
  };
}

function binding(aor: string): BindingRow {
  return {
    aor,
    contact: `sip:${aor}@10.0.0.9:5062`,
    callId: `reg-${aor}`,
    cseq: 3,
    expiresAt: 4_000_000_000_000,
    source: { protocol: 'udp', address: '10.0.0.9', port: 5062, localAddress: '127.0.0.1', localPort: 5060 },
    updatedAt: 1,
  };
}

/** A data dir with tenants acme (two bindings, two CDRs, a media file) and globex. */
function populated(): string {
  const dir = tmp();
  const sys = SystemStore.open(dir);
  applyTenant({ system: sys, dataDir: dir }, spec('acme', 'acme.example', ['+14155550100']));
  applyTenant({ system: sys, dataDir: dir }, spec('globex', 'globex.example', ['+14155550200']));
  sys.close();
  const s = SqliteTenantStore.open(dir, 'acme');
  s.replaceBindings('1001', [binding('1001')]);
  s.replaceBindings('1002', [binding('1002')]);
  for (const id of ['call-1', 'call-2']) {
    s.callEnded({ callId: id, fromUri: 'sip:1001@acme.example', fromExt: '1001', toUri: 'sip:1002@acme.example', toExt: '1002', startedAt: 1000, answeredAt: 2000, endedAt: 9000, disposition: 'answered', hangupSide: 'caller' });
  }
  s.close();
  mkdirSync(join(dir, 'tenants', 'acme', 'voicemail', '1001'), { recursive: true });
  writeFileSync(join(dir, 'tenants', 'acme', 'voicemail', '1001', 'msg1.wav'), Buffer.from('RIFF-fake-wav'));
  return dir;
}

interface TenantView {
  exts: string[];
  bindings: string[];
  cdrs: string[];
  domains: string[];
  dids: string[];
  media: string | undefined;
}

function view(dir: string, id: string): TenantView {
  const sys = SystemStore.open(dir);
  const rec = sys.getTenant(id);
  sys.close();
  const s = SqliteTenantStore.open(dir, id, { create: false });
  try {
    const mediaFile = join(dir, 'tenants', id, 'voicemail', '1001', 'msg1.wav');
    return {
      exts: s.listExtensions().map((x) => `${x.ext}:${x.ha1.MD5}`),
      bindings: s.listBindings().map((b) => `${b.aor}=${b.contact}`),
      cdrs: s.listCdrs().map((c) => `${c.callId}:${c.disposition}`),
      domains: rec?.domains ?? [],
      dids: rec?.dids ?? [],
      media: existsSync(mediaFile) ? readFileSync(mediaFile, 'utf8') : undefined,
    };
  } finally {
    s.close();
  }
}

/** "Delete the tenant": its rows in system.sqlite and its folder. */
function deleteTenant(dir: string, id: string): void {
  const sys = SystemStore.open(dir);
  sys.removeTenant(id);
  sys.close();
  rmSync(join(dir, 'tenants', id), { recursive: true, force: true });
}

test('backup -> delete the tenant -> restore: its extensions, CDRs, bindings, media and system rows come back; the other tenant is untouched', async () => {
  const dir = populated();
  const acme = view(dir, 'acme');
  assert.is(acme.bindings.length, 2);
  assert.is(acme.cdrs.length, 2);
  const backups = tmp();
  const b = await runBackup({ dataDir: dir, dir: backups });
  const m = readBackupManifest(b.path);
  assert.equal(m.tenants.map((t) => t.id), ['acme', 'globex']);
  assert.ok(m.files.some((f) => f.path === 'tenants/acme/voicemail/1001/msg1.wav'));
  assert.ok(m.system.schemaVersion >= 2 && m.tenants[0]!.schemaVersion >= 2);
  assert.equal(await verifyBackup(b.path, m), []);

  // globex changes after the backup: a restore of acme must not undo that.
  const g = SqliteTenantStore.open(dir, 'globex');
  g.replaceBindings('1001', [binding('1001')]);
  g.close();
  const globex = view(dir, 'globex');

  deleteTenant(dir, 'acme');
  const r = await restoreTenant({ dataDir: dir, from: b.path, id: 'acme' });
  assert.is(r.replaced, false);
  assert.equal(view(dir, 'acme'), acme);
  assert.equal(view(dir, 'globex'), globex);
  const sys = SystemStore.open(dir);
  assert.is(sys.getTenant('acme')?.status, 'active');
  assert.is(sys.domainOwner('acme.example'), 'acme');
  assert.is(sys.didOwner('+14155550100'), 'acme');
  sys.close();
});

test('restore over a tenant that still exists replaces its data with the backup', async () => {
  const dir = populated();
  const acme = view(dir, 'acme');
  const b = await runBackup({ dataDir: dir, dir: tmp() });
  const s = SqliteTenantStore.open(dir, 'acme');
  s.replaceBindings('1001', []);
  s.close();
  assert.is(view(dir, 'acme').bindings.length, 1);
  const r = await restoreTenant({ dataDir: dir, from: b.path, id: 'acme' });
  assert.is(r.replaced, true);
  assert.equal(view(dir, 'acme'), acme);
  assert.equal(readFileSync(join(dir, 'tenants', 'acme', 'tenant.sqlite')).subarray(0, 16).toString(), 'SQLite format 3\0');
});

test('restore is refused, nothing written, when a domain or DID now belongs to another tenant, or the backup is damaged', async () => {
  const dir = populated();
  const b = await runBackup({ dataDir: dir, dir: tmp() });
  deleteTenant(dir, 'acme');
  const sys = SystemStore.open(dir);
  applyTenant({ system: sys, dataDir: dir }, { ...spec('initech', 'acme.example'), dids: ['+14155550100'] });
  sys.close();
  try {
    await restoreTenant({ dataDir: dir, from: b.path, id: 'acme' });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /domain acme\.example belongs to tenant initech; DID \+14155550100 belongs to tenant initech/);
  }
  assert.not.ok(existsSync(join(dir, 'tenants', 'acme')));
  const s2 = SystemStore.open(dir);
  assert.is(s2.getTenant('acme'), undefined);
  s2.close();

  writeFileSync(join(b.path, 'tenants', 'acme', 'voicemail', '1001', 'msg1.wav'), 'tampered');
  try {
    await restoreTenant({ dataDir: dir, from: b.path, id: 'acme' });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /msg1\.wav: checksum mismatch/);
  }
  await assert.not.throws(async () => undefined);
  try {
    await restoreTenant({ dataDir: dir, from: b.path, id: 'nobody' });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /holds no tenant nobody/);
  }
});

test('retention keeps the newest N backups; a partial folder never counts', async () => {
  const dir = populated();
  const backups = tmp();
  const t0 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < 4; i++) await runBackup({ dataDir: dir, dir: backups, keep: 2, now: new Date(t0 + i * 60_000) });
  const left = listBackups(backups).map((p) => p.slice(backups.length + 1));
  assert.equal(left, ['pbx-backup-20250101T000200000Z', 'pbx-backup-20250101T000300000Z']);
  mkdirSync(join(backups, '.pbx-backup-20250101T000400000Z.partial'));
  assert.is(listBackups(backups).length, 2);
  assert.equal(pruneBackups(backups, 1).length, 1);
  // Two in the same millisecond get distinct names.
  await runBackup({ dataDir: dir, dir: backups, now: new Date(t0) });
  await runBackup({ dataDir: dir, dir: backups, now: new Date(t0) });
  assert.is(listBackups(backups).length, 3);
});

test('a backup copy is consistent while another connection writes', async () => {
  const dir = populated();
  const s = SqliteTenantStore.open(dir, 'acme');
  let n = 0;
  const writer = setInterval(() => {
    n++;
    s.callEnded({ callId: `w-${n}`, fromUri: 'sip:1001@acme.example', toUri: 'sip:1002@acme.example', startedAt: 1, endedAt: 2, disposition: 'failed', hangupSide: 'system' });
  }, 1);
  const b = await runBackup({ dataDir: dir, dir: tmp() });
  clearInterval(writer);
  s.close();
  const m = readBackupManifest(b.path);
  assert.equal(await verifyBackup(b.path, m), []);
  const copy = SqliteTenantStore.open(b.path, 'acme', { create: false });
  assert.ok(copy.listCdrs().length >= 2);
  copy.close();
});

test('pack on one data dir -> unpack on a second: extensions, CDRs, bindings, media and system rows are there', async () => {
  const one = populated();
  const acme = view(one, 'acme');
  const out = join(tmp(), 'acme.pbxtenant.tar.gz');
  const p = await packTenant({ dataDir: one, id: 'acme', outFile: out });
  assert.ok(p.manifest.files.some((f) => f.path === 'tenant/voicemail/1001/msg1.wav'));
  const names = [...(await readTarGz(out)).keys()].sort();
  assert.equal(names, ['manifest.json', 'system.json', 'tenant/tenant.sqlite', 'tenant/voicemail/1001/msg1.wav']);

  const two = tmp();
  const sys = SystemStore.open(two);
  applyTenant({ system: sys, dataDir: two }, spec('other', 'other.example', ['+14155550900']));
  sys.close();
  const r = await unpackTenant({ dataDir: two, file: out });
  assert.equal(r.domains, ['acme.example']);
  assert.equal(r.dids, ['+14155550100']);
  assert.equal(view(two, 'acme'), acme);
  const s2 = SystemStore.open(two);
  assert.equal(s2.listTenants().map((t) => t.id), ['acme', 'other']);
  assert.equal(s2.getTenant('acme')?.limits, { calls: 5 });
  s2.close();

  // A second unpack: the tenant exists now.
  await rejects(unpackTenant({ dataDir: two, file: out }), /tenant acme exists already/);
});

test('unpack refuses a taken domain or DID and a damaged file, writing nothing', async () => {
  const one = populated();
  const out = join(tmp(), 'acme.tgz');
  await packTenant({ dataDir: one, id: 'acme', outFile: out });

  const two = tmp();
  const sys = SystemStore.open(two);
  applyTenant({ system: sys, dataDir: two }, spec('squatter', 'acme.example', ['+14155550100']));
  sys.close();
  await rejects(unpackTenant({ dataDir: two, file: out }), /domain acme\.example belongs to tenant squatter; DID \+14155550100 belongs to tenant squatter/);
  assert.not.ok(existsSync(join(two, 'tenants', 'acme')));

  // One byte changed inside a file: the archive's own checks or the manifest's sha256 catch it.
  const entries = (await readTarGz(out));
  const wav = entries.get('tenant/voicemail/1001/msg1.wav')!;
  wav[0] = wav[0]! ^ 0xff;
  const bad = join(tmp(), 'bad.tgz');
  await writeTarGz(bad, [...entries].map(([name, data]) => ({ name, data })));
  const three = tmp();
  await rejects(unpackTenant({ dataDir: three, file: bad }), /msg1\.wav fails its checksum/);
  assert.not.ok(existsSync(join(three, 'tenants', 'acme')));
  // Truncated.
  const buf = readFileSync(out);
  writeFileSync(bad, buf.subarray(0, buf.length >> 1));
  await rejects(unpackTenant({ dataDir: three, file: bad }), /not a tenant pack/);
  // An extra file that the manifest does not list.
  await writeTarGz(bad, [...(await readTarGz(out))].map(([name, data]) => ({ name, data })).concat([{ name: 'tenant/evil.sh', data: Buffer.from('x') }]));
  await rejects(unpackTenant({ dataDir: three, file: bad }), /evil\.sh is not in the manifest/);
});

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`no error matching ${re}`);
}

test('tar: round trip of long names; the reader refuses links and climbing paths', async () => {
  const d = tmp();
  const long = `tenant/${'a'.repeat(90)}/${'b'.repeat(90)}.wav`;
  const f = join(d, 't.tgz');
  await writeTarGz(f, [{ name: long, data: Buffer.from('xyz') }, { name: 'empty', data: Buffer.alloc(0) }]);
  const back = await readTarGz(f);
  assert.is(back.get(long)?.toString(), 'xyz');
  assert.is(back.get('empty')?.length, 0);
  await assert.not.throws(() => undefined);
  try {
    await writeTarGz(join(d, 'x.tgz'), [{ name: '../etc/passwd', data: Buffer.from('x') }]);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /not a plain relative path/);
  }
  // Hand-made entries: a symlink, a hard link, an absolute name, a climbing name.
  const { gzipSync } = await import('node:zlib');
  const header = (name: string, type: string, link = '', size = 0) => {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write(size.toString(8).padStart(11, '0') + '\0', 124);
    h.write('        ', 148);
    h.write(type, 156);
    h.write(link, 157);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    return h;
  };
  const archive = (...parts: Buffer[]) => {
    const file = join(d, `hand-${Math.random().toString(36).slice(2)}.tgz`);
    writeFileSync(file, gzipSync(Buffer.concat([...parts, Buffer.alloc(1024)])));
    return file;
  };
  const out = tmp();
  for (const [bad, re] of [
    [header('link', '2', '/etc/passwd'), /only regular files are allowed \(type SymbolicLink\)/],
    [header('hard', '1', 'x'), /only regular files are allowed \(type Link\)/],
    [header('dev', '3'), /only regular files are allowed/],
    [header('/etc/cron.d/x', '0'), /not a plain relative path/],
    [header('tenant/../../x', '0'), /not a plain relative path/],
  ] as const) {
    await rejects(extractTarGz(archive(bad), out, () => false), re);
  }
  // A type flag node-tar does not know (it would skip it), a PAX record that renames the next entry.
  await rejects(extractTarGz(archive(header('odd', 'Z')), out, () => false), /only regular files are allowed \(type "Unsupported"\)/);
  const paxPath = (p: string) => {
    const rec = (n: number) => `${n} path=${p}\n`;
    let n = rec(0).length;
    while (rec(n).length !== n) n = rec(n).length;
    const body = Buffer.from(rec(n));
    return Buffer.concat([header('PaxHeader/ok', 'x', '', body.length), body, Buffer.alloc(512 - body.length)]);
  };
  await rejects(extractTarGz(archive(paxPath('../../evil'), header('ok', '0')), out, () => false), /refusing entry "..\/..\/evil": not a plain relative path/);
  const renamed = await readTarGz(archive(paxPath('tenant/renamed.wav'), header('ok', '0')));
  assert.equal([...renamed.keys()], ['tenant/renamed.wav'], 'a PAX name of another writer is read, and checked');
  assert.equal(readdirSync(out), [], 'nothing written');
  // A bad checksum, a name twice.
  const broken = header('a', '0');
  broken[0] = 0x62;
  await rejects(extractTarGz(archive(broken), out, () => false), /corrupt tar archive/);
  await rejects(extractTarGz(archive(header('a', '0'), header('a', '0')), out, () => true), /entry a appears twice/);
  // Directory entries are skipped, not counted as files, but the decompressed stream is:
  // 400 of them (200 KiB) against limits that allow 16 KiB of data in 8 files.
  const dirsOnly = archive(...Array.from({ length: 400 }, (_, i) => header(`d${i}/`, '5')));
  await rejects(readTarGz(dirsOnly, { maxTotalBytes: 16384, maxEntryBytes: 16384, maxEntries: 8 }), /unpacks to more than the limit of 16384 bytes: refused/);
  assert.equal([...(await readTarGz(dirsOnly))], []);
  assert.ok((await sha256File(f)).bytes > 0);
});

test('unpack streams with limits: a gzip bomb is refused with a clear error, nothing installed, no staging left', async () => {
  const one = populated();
  const out = join(tmp(), 'acme.tgz');
  await packTenant({ dataDir: one, id: 'acme', outFile: out });
  const two = tmp();
  const onlyStaging = () => readdirSync(join(two, 'tenants')).filter((n) => n !== 'other');
  // One entry bigger than a file may be.
  await rejects(unpackTenant({ dataDir: two, file: out, limits: { maxTotalBytes: 1 << 30, maxEntryBytes: 1024, maxEntries: 100 } }), /tenant\/tenant\.sqlite unpacks to .* more than the limit of 1024 bytes for one file: refused/);
  assert.equal(onlyStaging(), []);
  // More in all than allowed.
  await rejects(unpackTenant({ dataDir: two, file: out, limits: { maxTotalBytes: 4096, maxEntryBytes: 1 << 30, maxEntries: 100 } }), /the archive unpacks to more than the limit/);
  // Too many entries.
  await rejects(unpackTenant({ dataDir: two, file: out, limits: { maxTotalBytes: 1 << 30, maxEntryBytes: 1 << 30, maxEntries: 2 } }), /more than 2 entries: refused/);
  assert.equal(onlyStaging(), []);
  assert.not.ok(existsSync(join(two, 'system.sqlite')));
});

test.run();
