import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveMohClass } from './moh-path.js';
import { PromptPathError, builtinMohDir } from './prompt-path.js';

const root = mkdtempSync(join(tmpdir(), 'moh-path-'));
const dataDir = join(root, 'data');
const acmeMoh = join(dataDir, 'tenants', 'acme', 'moh');
mkdirSync(join(acmeMoh, 'default'), { recursive: true });
mkdirSync(join(acmeMoh, 'jazz'), { recursive: true });
mkdirSync(join(dataDir, 'tenants', 'globex', 'moh', 'secret'), { recursive: true });
for (const f of ['b-track.wav', 'a-track.wav', 'Notes.txt', '.hidden.wav']) writeFileSync(join(acmeMoh, 'default', f), 'RIFF');
writeFileSync(join(dataDir, 'tenants', 'globex', 'moh', 'secret', 'x.wav'), 'RIFF');

test('a tenant class plays its own files in name order; other names are ignored', () => {
  const r = resolveMohClass('default', 'acme', { dataDir });
  assert.is(r.source, 'tenant');
  assert.equal(r.files, [realpathSync(join(acmeMoh, 'default', 'a-track.wav')), realpathSync(join(acmeMoh, 'default', 'b-track.wav'))]);
});

test('an empty or missing class, or no tenant, falls back to the built-in music', () => {
  const want = [realpathSync(join(builtinMohDir(), 'soft-chords.wav'))];
  assert.equal(resolveMohClass('jazz', 'acme', { dataDir }).files, want);
  assert.equal(resolveMohClass('nothing', 'acme', { dataDir }).files, want);
  assert.equal(resolveMohClass('default', undefined, { dataDir }), { className: 'default', source: 'builtin', files: want });
});

test('tenant isolation: another tenant\'s class is never played', () => {
  assert.is(resolveMohClass('secret', 'acme', { dataDir }).source, 'builtin');
  assert.is(resolveMohClass('secret', 'globex', { dataDir }).source, 'tenant');
});

test('bad class names and tenant ids are refused; a symlink out of the folder is refused', () => {
  for (const c of ['../../globex/moh/secret', '/etc', 'a\u0000', '..']) {
    assert.throws(() => resolveMohClass(c, 'acme', { dataDir }), (e: unknown) => e instanceof PromptPathError && e.code === 'bad-name', c);
  }
  assert.throws(() => resolveMohClass('default', '../globex', { dataDir }), (e: unknown) => e instanceof PromptPathError && e.code === 'bad-tenant');
  mkdirSync(join(acmeMoh, 'sneaky'));
  symlinkSync(join(dataDir, 'tenants', 'globex', 'moh', 'secret', 'x.wav'), join(acmeMoh, 'sneaky', 'x.wav'));
  assert.throws(() => resolveMohClass('sneaky', 'acme', { dataDir }), (e: unknown) => e instanceof PromptPathError && e.code === 'outside-folder');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
