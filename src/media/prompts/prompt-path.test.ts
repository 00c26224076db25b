import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TENANT_ID_RE } from '../../config/tenant-id.js';
import { ASTERISK_SOUND_NAMES } from './asterisk-sound-names.js';
import { PROMPT_IDS } from './prompt-catalog.js';
import { MEDIA_TENANT_ID_RE, PROMPT_NAME_RE, PromptPathError, builtinMohDir, builtinPromptDir, resolvePrompt, tenantPromptDir, type PromptPathErrorCode } from './prompt-path.js';

const root = mkdtempSync(join(tmpdir(), 'prompt-path-'));
const dataDir = join(root, 'data');
const operatorDir = join(root, 'operator');
const outside = join(root, 'outside');
for (const d of [join(dataDir, 'tenants', 'acme', 'prompts'), join(dataDir, 'tenants', 'globex', 'prompts'), operatorDir, join(operatorDir, 'digits'), outside]) mkdirSync(d, { recursive: true });
const wav = (path: string, tag: string): void => writeFileSync(path, `RIFF${tag}`);
wav(join(dataDir, 'tenants', 'acme', 'prompts', 'goodbye.wav'), 'acme-goodbye');
wav(join(dataDir, 'tenants', 'acme', 'prompts', 'our-hours.wav'), 'acme-hours');
wav(join(dataDir, 'tenants', 'globex', 'prompts', 'secret.wav'), 'globex-secret');
wav(join(operatorDir, 'welcome.wav'), 'op-welcome');
wav(join(operatorDir, 'digits', '7.wav'), 'op-seven');
wav(join(outside, 'evil.wav'), 'evil');
const folders = { dataDir, operatorDir };

function refused(fn: () => unknown, code: PromptPathErrorCode, what: string): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, PromptPathError, what);
    assert.is((e as PromptPathError).code, code, what);
    return;
  }
  assert.unreachable(`${what}: not refused`);
}

test('order: the tenant upload, then the operator set (own name, then Asterisk name), then built-in', () => {
  const t = resolvePrompt('goodbye', 'acme', folders);
  assert.is(t.source, 'tenant');
  assert.is(readFileSync(t.path, 'latin1'), 'RIFFacme-goodbye');
  // globex has no goodbye of its own: acme's is never used for it.
  assert.is(resolvePrompt('goodbye', 'globex', folders).source, 'builtin');
  assert.is(resolvePrompt('our-hours', 'acme', folders).source, 'tenant');
  const op = resolvePrompt('welcome', 'acme', folders);
  assert.is(op.source, 'operator');
  assert.is(readFileSync(op.path, 'latin1'), 'RIFFop-welcome');
  const seven = resolvePrompt('num-7', 'acme', folders);
  assert.is(seven.source, 'operator');
  assert.is(seven.path, realpathSync(join(operatorDir, 'digits', '7.wav')));
  const b = resolvePrompt('num-8', 'acme', folders);
  assert.is(b.source, 'builtin');
  assert.is(b.path, realpathSync(join(builtinPromptDir(), 'num-8.wav')));
  // Without a tenant (system prompts) and without an operator set.
  assert.is(resolvePrompt('goodbye', undefined, folders).source, 'builtin');
  assert.is(resolvePrompt('num-7', 'acme', { dataDir }).source, 'builtin');
});

test('tenant isolation: one tenant never reaches another tenant\'s prompt', () => {
  refused(() => resolvePrompt('secret', 'acme', folders), 'not-found', 'globex prompt asked for by acme');
  assert.is(resolvePrompt('secret', 'globex', folders).source, 'tenant');
  refused(() => resolvePrompt('our-hours', 'globex', folders), 'not-found', 'acme prompt asked for by globex');
});

test('bad names are refused before any file is touched: ../, absolute, NUL, dots, case, length', () => {
  const bad = ['../globex/prompts/secret', '..', '../../../etc/passwd', '/etc/passwd', 'goodbye.wav', 'good\u0000bye', 'goodbye\u0000', 'Goodbye', '-x', '_x', '', 'a'.repeat(65), 'a/b', 'a\\b', ' goodbye', 'good bye', '%2e%2e'];
  for (const name of bad) refused(() => resolvePrompt(name, 'acme', folders), 'bad-name', JSON.stringify(name));
  assert.ok(PROMPT_NAME_RE.test('a'.repeat(64)));
  refused(() => resolvePrompt(42 as unknown as string, 'acme', folders), 'bad-name', 'a number');
});

test('bad tenant ids are refused: ../, absolute, NUL', () => {
  for (const id of ['../globex', '/tmp', 'acme/../globex', 'ac\u0000me', 'Acme', '', '.']) {
    refused(() => resolvePrompt('goodbye', id, folders), 'bad-tenant', JSON.stringify(id));
    refused(() => tenantPromptDir(dataDir, id), 'bad-tenant', JSON.stringify(id));
  }
});

test('media tenant id rule is the config rule', () => {
  assert.is(MEDIA_TENANT_ID_RE.source, TENANT_ID_RE.source);
});

test('symlinks: a prompt linking outside the tenant folder is refused, one inside it is followed', () => {
  symlinkSync(join(outside, 'evil.wav'), join(dataDir, 'tenants', 'acme', 'prompts', 'escape.wav'));
  refused(() => resolvePrompt('escape', 'acme', folders), 'outside-folder', 'link to /outside');
  symlinkSync(join(dataDir, 'tenants', 'globex', 'prompts', 'secret.wav'), join(dataDir, 'tenants', 'acme', 'prompts', 'steal.wav'));
  refused(() => resolvePrompt('steal', 'acme', folders), 'outside-folder', 'link into another tenant');
  // Relative link climbing out.
  symlinkSync('../../../../outside/evil.wav', join(dataDir, 'tenants', 'acme', 'prompts', 'climb.wav'));
  refused(() => resolvePrompt('climb', 'acme', folders), 'outside-folder', 'relative link climbing out');
  // A link to a file inside the same prompts folder is fine.
  symlinkSync('goodbye.wav', join(dataDir, 'tenants', 'acme', 'prompts', 'bye.wav'));
  const ok = resolvePrompt('bye', 'acme', folders);
  assert.is(ok.source, 'tenant');
  assert.is(ok.path, realpathSync(join(dataDir, 'tenants', 'acme', 'prompts', 'goodbye.wav')));
  // A dangling link is absent: the next set answers.
  symlinkSync(join(outside, 'nothing.wav'), join(dataDir, 'tenants', 'acme', 'prompts', 'welcome.wav'));
  assert.is(resolvePrompt('welcome', 'acme', folders).source, 'operator');
});

test('symlinks: a tenant prompts folder that is itself a link elsewhere is refused', () => {
  const tdir = join(dataDir, 'tenants', 'initech');
  mkdirSync(tdir, { recursive: true });
  symlinkSync(join(dataDir, 'tenants', 'globex', 'prompts'), join(tdir, 'prompts'));
  refused(() => resolvePrompt('secret', 'initech', folders), 'outside-folder', 'prompts -> globex/prompts');
});

test('symlinks: an operator set file linking outside the operator folder is refused', () => {
  symlinkSync(join(outside, 'evil.wav'), join(operatorDir, 'goodbye.wav'));
  refused(() => resolvePrompt('goodbye', 'globex', folders), 'outside-folder', 'operator link out');
});

test('a folder where a prompt file should be is refused', () => {
  mkdirSync(join(dataDir, 'tenants', 'acme', 'prompts', 'menu.wav'));
  refused(() => resolvePrompt('menu', 'acme', folders), 'not-a-file', 'directory');
});

test('unknown everywhere: not-found', () => {
  refused(() => resolvePrompt('no-such-prompt', 'acme', folders), 'not-found', 'unknown');
});

test('built-in set: every catalog id resolves to a built-in file; the music on hold is there', () => {
  for (const id of PROMPT_IDS) assert.is(resolvePrompt(id, undefined, { dataDir }).source, 'builtin', id);
  assert.ok(existsSync(join(builtinMohDir(), 'soft-chords.wav')));
});

test('Asterisk names are well formed and name distinct files', () => {
  const names = Object.values(ASTERISK_SOUND_NAMES);
  assert.is(new Set(names).size, names.length);
  for (const n of names) assert.match(n!, /^(?:[a-z]+\/)?[a-zA-Z0-9-]+$/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
