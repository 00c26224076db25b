// `pbx check` on tenant files with call flows: a menu that points to itself, a time zone
// that does not exist, a schedule that ends before it starts, an unknown greeting are each
// reported as file:line:col with exit 1; a good file passes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from '../support/pbx-process.js';

let dir: string;

function pbx(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-flows-check-'));
  mkdirSync(join(dir, 'tenants'));
  writeFileSync(join(dir, 'pbx.yaml'), 'dataDir: data\nsip:\n  listen: [ "udp://127.0.0.1:5999" ]\n');
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = 'id: acme\ndomains: [ acme.example ]\nextensions:\n  - { ext: "1001", password: "acme-1001-secret" }\n';

function check(body: string) {
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), HEAD + body);
  return pbx('check', '--config', join(dir, 'pbx.yaml'));
}

test('a good file with call flows passes', () => {
  const r = check(
    'timezone: America/New_York\nschedules:\n  - { name: office, weekly: [ { days: mon-fri, from: "09:00", to: "17:00" } ] }\n' +
      'timeConditions:\n  - { name: hours, schedule: office, open: { ivr: main }, closed: hangup }\n' +
      'ivrs:\n  - { name: main, greeting: welcome, options: { "1": { extension: "1001" } } }\n',
  );
  assert.is(r.code, 0, r.out);
});

test('each bad input is refused with file:line:col', () => {
  const file = join(dir, 'tenants', 'acme.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let r = check('ivrs:\n  - { name: main, greeting: welcome, options: { "1": { ivr: main } } }\n');
  assert.is(r.code, 1);
  assert.match(r.out, new RegExp(`${file}:6:\\d+: ivrs\\[0\\]\\.options\\.1: leads back in a circle: ivr main -> ivr main`));
  r = check('timezone: Mars/Olympus_Mons\n');
  assert.is(r.code, 1);
  assert.match(r.out, new RegExp(`${file}:5:11: timezone: 'Mars/Olympus_Mons' is not an IANA time zone`));
  r = check('schedules:\n  - { name: office, weekly: [ { days: [ mon ], from: "17:00", to: "09:00" } ] }\n');
  assert.is(r.code, 1);
  assert.match(r.out, new RegExp(`${file}:6:\\d+: schedules\\[0\\]\\.weekly\\[0\\]\\.to: ends at 09:00, not after its start 17:00`));
  r = check('ivrs:\n  - { name: main, greeting: acme-custom-hello, options: {} }\n');
  assert.is(r.code, 1);
  assert.match(r.out, new RegExp(`${file}:6:\\d+: ivrs\\[0\\]\\.greeting: no prompt 'acme-custom-hello'`));
});

test('pbx tenant apply (no server running) refuses an unknown greeting at file:line:col and applies a good file', () => {
  mkdirSync(join(dir, 'incoming'), { recursive: true });
  const file = join(dir, 'incoming', 'acme.yaml');
  writeFileSync(file, HEAD + 'ivrs:\n  - { name: main, greeting: acme-custom-hello, options: {} }\n');
  let r = pbx('tenant', 'apply', file, '--config', join(dir, 'pbx.yaml'));
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /incoming\/acme\.yaml:6:\d+: ivrs\[0\]\.greeting: no prompt 'acme-custom-hello'/);
  writeFileSync(file, HEAD + 'ivrs:\n  - { name: main, greeting: welcome, options: { "1": { extension: "1001" } } }\n');
  r = pbx('tenant', 'apply', file, '--config', join(dir, 'pbx.yaml'));
  assert.is(r.code, 0, r.out);
  r = pbx('tenant', 'export', 'acme', '--config', join(dir, 'pbx.yaml'));
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /ivrs:\n {2}- name: main\n {4}greeting: welcome\n {4}options:\n {6}"1":\n {8}extension: "1001"/);
});

test.run();
