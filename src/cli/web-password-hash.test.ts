import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyWebPasswordSync } from '../tenant/web-password.js';
import { webPasswordHashCommand } from './web-password-hash.js';

async function run(input: string | Buffer): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await webPasswordHashCommand(Readable.from([Buffer.from(input)]), (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

test('prints the scrypt hash of the password on stdin (a trailing newline is not part of it)', async () => {
  const r = await run('correct horse battery\n');
  assert.is(r.code, 0);
  assert.is(r.out.length, 1);
  assert.ok(verifyWebPasswordSync('correct horse battery', r.out[0]!));
  assert.not.ok(r.out[0]!.includes('correct'));
});

test('a password out of the rule or oversized input: exit 2, nothing printed', async () => {
  for (const input of ['short\n', '', 'x'.repeat(200), 'y'.repeat(5000)]) {
    const r = await run(input);
    assert.is(r.code, 2, input.slice(0, 10));
    assert.equal(r.out, []);
    assert.is(r.err.length, 1);
  }
});

test.run();
