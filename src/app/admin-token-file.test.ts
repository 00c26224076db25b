import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdminTokenFileError, adminTokenFile, ensureAdminTokenFile, readAdminTokenFile } from './admin-token-file.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pbx-token-'));
  dirs.push(d);
  return d;
}
test.after.each(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test('made once (0600, in a data directory that does not exist yet), then reused', () => {
  const dataDir = join(tmp(), 'data');
  assert.is(readAdminTokenFile(dataDir), undefined);
  const first = ensureAdminTokenFile(dataDir);
  assert.is(first.created, true);
  assert.is(first.file, join(dataDir, 'admin-token'));
  assert.is(statSync(first.file).mode & 0o777, 0o600);
  assert.match(first.token, /^pbx_admin_[A-Za-z0-9_-]{43}$/);
  assert.is(readFileSync(first.file, 'utf8'), first.token + '\n');
  const again = ensureAdminTokenFile(dataDir);
  assert.equal(again, { file: first.file, token: first.token, created: false });
  assert.is(readAdminTokenFile(dataDir), first.token);
  assert.is.not(ensureAdminTokenFile(tmp()).token, first.token, 'random per data directory');
});

test("an operator's own token in the file is used as written; an empty file gets a new one", () => {
  const dataDir = tmp();
  writeFileSync(adminTokenFile(dataDir), '  my-own-provider-token \n');
  assert.equal(ensureAdminTokenFile(dataDir).token, 'my-own-provider-token');
  writeFileSync(adminTokenFile(dataDir), '\n');
  const made = ensureAdminTokenFile(dataDir);
  assert.is(made.created, true);
  assert.is(readAdminTokenFile(dataDir), made.token);
});

test('a file that cannot hold a token is an error naming it, not a silent new token', () => {
  const dataDir = tmp();
  for (const text of ['two words\n', 'x'.repeat(513)]) {
    writeFileSync(adminTokenFile(dataDir), text);
    assert.throws(() => ensureAdminTokenFile(dataDir), (e: unknown) => e instanceof AdminTokenFileError && e.message.startsWith(adminTokenFile(dataDir)));
  }
});

test.run();
