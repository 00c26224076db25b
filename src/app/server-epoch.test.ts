import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bumpServerEpoch } from './server-epoch.js';

test('every start gets a new epoch, and the file holds the latest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'epoch-'));
  try {
    const first = bumpServerEpoch(dir);
    const second = bumpServerEpoch(dir);
    const third = bumpServerEpoch(dir);
    assert.is(second, (first + 1) >>> 0);
    assert.is(third, (second + 1) >>> 0);
    assert.is(readFileSync(join(dir, 'server.epoch'), 'utf8'), `${third}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the counter wraps at 2^32, and a damaged file starts a fresh epoch instead of failing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'epoch-'));
  try {
    writeFileSync(join(dir, 'server.epoch'), '4294967295\n');
    assert.is(bumpServerEpoch(dir), 0);
    writeFileSync(join(dir, 'server.epoch'), 'garbage');
    const e = bumpServerEpoch(dir);
    assert.ok(Number.isInteger(e) && e >= 0 && e <= 0xffff_ffff);
    assert.is(readFileSync(join(dir, 'server.epoch'), 'utf8'), `${e}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
