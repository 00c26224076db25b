import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimPidFile, removePidFile, runningServerPid, ServerRunningError } from './server-pid.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pbx-pid-'));
  dirs.push(d);
  return d;
}
test.after.each(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pid that named a process a moment ago and names none now. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;
/** A live process that is not this one: whoever started the test. */
const livePid = process.ppid;

test('a fresh data directory: the pid file is made (with its folders) and names this process', () => {
  const file = join(tmp(), 'data', 'sub', 'pbx.pid');
  claimPidFile(file);
  assert.is(readFileSync(file, 'utf8'), `${process.pid}\n`);
  removePidFile(file);
  assert.not.ok(existsSync(file));
});

test('a pid file naming another live process is refused and left as it was', () => {
  const file = join(tmp(), 'pbx.pid');
  writeFileSync(file, `${livePid}\n`);
  assert.is(runningServerPid(file), livePid);
  try {
    claimPidFile(file);
    assert.unreachable('claimed a live server’s pid file');
  } catch (e) {
    assert.instance(e, ServerRunningError);
    assert.is((e as ServerRunningError).pid, livePid);
    assert.match((e as Error).message, file);
  }
  assert.is(readFileSync(file, 'utf8'), `${livePid}\n`);
  assert.equal(readdirSync(join(file, '..')), ['pbx.pid'], 'nothing left beside it');
});

test('a pid file of a dead process, an empty one, garbage, or our own pid is taken over', () => {
  for (const text of [`${deadPid()}\n`, '', 'not a pid\n', `${process.pid}\n`]) {
    const file = join(tmp(), 'pbx.pid');
    writeFileSync(file, text);
    claimPidFile(file);
    assert.is(readFileSync(file, 'utf8'), `${process.pid}\n`, JSON.stringify(text));
    assert.equal(readdirSync(join(file, '..')), ['pbx.pid']);
  }
});

test('a second claim by another (live) process fails against the first', () => {
  const file = join(tmp(), 'pbx.pid');
  claimPidFile(file, livePid);
  assert.throws(() => claimPidFile(file), (e: unknown) => e instanceof ServerRunningError);
  assert.is(readFileSync(file, 'utf8'), `${livePid}\n`);
});

test.run();
