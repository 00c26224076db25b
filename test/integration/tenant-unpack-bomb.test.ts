// Issue 16 finding 10b: `pbx tenant unpack` of a crafted pack, a gzip bomb made here (a few
// KB that claim to unpack to 5 GiB), against a real data directory: refused with a clear
// error, nothing installed, no staging folder left, memory not spent on it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from '../support/pbx-process.js';

let dir: string;
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-bomb-'));
  mkdirSync(join(dir, 'tenants'));
  writeFileSync(join(dir, 'pbx.yaml'), 'dataDir: data\ntenantsDir: tenants\n');
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A ustar header for a regular file of `size` bytes (the size field may say more than follows). */
function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000600\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** Gzips `parts`, then `zeros` bytes of zeros, streaming (the zeros are never held whole). */
async function gzipTo(file: string, parts: Buffer[], zeros: number): Promise<void> {
  const gz = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => gz.on('end', r));
  for (const p of parts) gz.write(p);
  const block = Buffer.alloc(1 << 20);
  for (let n = 0; n < zeros; n += block.length) if (!gz.write(block)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  writeFileSync(file, Buffer.concat(chunks));
}

function pbx(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('a pack whose tenant.sqlite claims 5 GiB (64 MiB of real zeros follow, gzipped to a few KB) is refused, nothing installed', async () => {
  const manifest = Buffer.from(JSON.stringify({ format: 'pbx-tenant-pack/1', tenantId: 'bomb', createdAt: new Date(0).toISOString(), schemaVersion: 1, files: [] }));
  const file = join(dir, 'bomb.pbxtenant.tar.gz');
  const pad = Buffer.alloc(512 - (manifest.length % 512));
  await gzipTo(file, [header('manifest.json', manifest.length), manifest, pad, header('tenant/tenant.sqlite', 5 * 1024 ** 3)], 64 << 20);
  assert.ok(statSync(file).size < 1 << 20, `the bomb is small: ${statSync(file).size} bytes`);

  const r = pbx('tenant', 'unpack', file, '--config', join(dir, 'pbx.yaml'));
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /not a tenant pack: entry tenant\/tenant\.sqlite unpacks to 5120 MiB, more than the limit of 4096 MiB for one file: refused/);
  const data = join(dir, 'data');
  assert.equal(readdirSync(join(data, 'tenants')), [], 'no tenant folder and no staging folder left');
  assert.not.ok(readdirSync(data).includes('system.sqlite'), 'no system rows written');
});

test.run();
