// `pbx check` validates without starting anything; `pbx serve` refuses a broken config
// with file:line:col and a non-zero exit.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from '../support/pbx-process.js';

let dir: string;

function pbx(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout + r.stderr, stdout: r.stdout };
}

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-cli-'));
  mkdirSync(join(dir, 'tenants'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('pbx check passes the demo configuration', () => {
  const r = pbx('check', '--config', join(REPO, 'config/pbx.yaml'));
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /acme\.yaml/);
  assert.match(r.out, /globex\.yaml/);
});

test('pbx check reports every broken file as file:line:col and exits 1, creating nothing', () => {
  writeFileSync(join(dir, 'pbx.yaml'), 'dataDir: data\nsip:\n  listen: [ "udp://127.0.0.1:5999" ]\nregistrar:\n  minExpires: -5\n');
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), 'id: acme\ndomains: [ acme.example ]\nextensions:\n  - { ext: "1001", password: "short" }\n');
  writeFileSync(join(dir, 'tenants', 'globex.yaml'), 'id: globex\ndomains: [ globex.example ]\nextensions: []\n');
  let r = pbx('check', '--config', join(dir, 'pbx.yaml'));
  assert.is(r.code, 1);
  assert.match(r.out, new RegExp(`${join(dir, 'pbx.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: `));

  writeFileSync(join(dir, 'pbx.yaml'), 'dataDir: data\nsip:\n  listen: [ "udp://127.0.0.1:5999" ]\n');
  r = pbx('check', '--config', join(dir, 'pbx.yaml'));
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /acme\.yaml:4:\d+: .*password/);
  assert.match(r.out, /globex\.yaml/);
  assert.not.ok(spawnSync('test', ['-e', join(dir, 'data')]).status === 0, 'check wrote no data directory');
});

test('pbx check refuses two tenants claiming one domain', () => {
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), 'id: acme\ndomains: [ shared.example ]\nextensions: []\n');
  writeFileSync(join(dir, 'tenants', 'globex.yaml'), 'id: globex\ndomains: [ shared.example ]\nextensions: []\n');
  const r = pbx('check', '--config', join(dir, 'pbx.yaml'));
  assert.is(r.code, 1);
  assert.match(r.out, /shared\.example/);
});

test('pbx serve with a broken pbx.yaml says where and exits non-zero', () => {
  writeFileSync(join(dir, 'bad.yaml'), 'sip:\n  listen: [ "udp://127.0.0.1:5999" ]\n  publicAddres: 127.0.0.1\n');
  const r = pbx('serve', '--config', join(dir, 'bad.yaml'));
  assert.is(r.code, 1);
  assert.match(r.out, /bad\.yaml:3:3: .*publicAddres.*publicAddress/);
});

test('pbx --version prints the version of package.json', () => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = pbx(flag);
    assert.is(r.code, 0, r.out);
    assert.is(r.stdout.trim(), version);
  }
});

test('every usage error exits 2 and says what is wrong, on every command', () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['tenant', 'frobnicate'], /unknown command 'frobnicate'/],
    [['ext', 'frobnicate'], /unknown command 'frobnicate'/],
    [['cdr', 'frobnicate'], /unknown command 'frobnicate'/],
    [['serve', '--bogus'], /unknown option '--bogus'/],
    [['check', '--bogus'], /unknown option '--bogus'/],
    [['tenant', 'list', '--bogus'], /unknown option '--bogus'/],
    [['check', '--config'], /argument missing/],
    [['tenant', 'show'], /missing required argument 'id'/],
    [['tenant', 'apply'], /missing required argument 'file'/],
    [['ext', 'add', 'acme', '--name', 'Eve'], /missing required argument 'ext'/],
    [['ext', 'add', 'acme', '1005'], /required option '--name <name>' not specified/],
    [['cdr', 'list', 'acme', '--limit', 'x'], /--limit.*'x' is invalid/],
    [[], /Usage: pbx/],
    [['tenant'], /Usage: pbx tenant/],
  ];
  for (const [args, message] of cases) {
    const r = pbx(...args);
    assert.is(r.code, 2, `pbx ${args.join(' ')}: ${r.out}`);
    assert.match(r.out, message, `pbx ${args.join(' ')}`);
  }
  // Asking for help is not an error.
  for (const args of [['--help'], ['tenant', '--help'], ['help', 'serve']]) assert.is(pbx(...args).code, 0, args.join(' '));
});

test.run();
