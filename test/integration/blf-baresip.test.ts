// Presence with a real softphone: Debian's baresip (its presence module) watches 1002 of acme
// through the real server; the server's PIDF must read as offline, then online when 1002
// registers, then busy (RPID on-the-phone) while it is in a real call, then online again.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/util/logger.js';
import { Baresip } from '../support/baresip.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { encodeWav, sineWave } from '../support/tone.js';
import { requireTools } from '../support/tools.js';

const enabled = requireTools('presence with baresip', 'baresip');
let pbx: InProcessPbx;
let watcher: Baresip | undefined;

test.before(async () => {
  if (!enabled) return;
  pbx = await InProcessPbx.start({ name: 'blf-baresip', logger: silentLogger, tenants: [{ id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002', '1003'].map((ext) => ({ ext, password: `acme-${ext}-secret` })) }] });
});

test.after(async () => {
  await watcher?.dispose();
  await pbx?.stop();
});

/** baresip's contact list line for 1002 (its presence state is printed beside the URI). */
async function statusOf(b: Baresip): Promise<string> {
  const r = await b.command('contacts');
  return r.data.split('\n').find((l) => l.includes('1002@acme.example')) ?? '';
}

async function until(b: Baresip, re: RegExp, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    last = await statusOf(b);
    if (re.test(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`baresip never showed ${re} for 1002; last: ${JSON.stringify(last)}\n${b.logs.slice(-30).join('\n')}`);
}

test('baresip watches 1002: offline → online on REGISTER → busy in a call → online after it', async () => {
  if (!enabled) return;
  const wav = join(pbx.dir, 'tone.wav');
  writeFileSync(wav, encodeWav(sineWave(440, 20, 8000, 1, 0.5)));
  watcher = await Baresip.start({ user: '1003', domain: 'acme.example', password: 'acme-1003-secret', proxy: { host: '127.0.0.1', port: pbx.port }, sourceWav: wav, codecs: ['PCMU/8000/1'], watch: ['sip:1002@acme.example'] });
  await watcher.waitRegistered();
  for (let i = 0; i < 50 && pbx.server.events.subscriptions.size === 0; i++) await new Promise((r) => setTimeout(r, 200));
  assert.is(pbx.server.events.subscriptions.size, 1, 'baresip subscribed (Event: presence)');
  await until(watcher, /\bOffline\b/);
  const callee = await pbx.phone('acme', '1002');
  assert.is(await callee.register(), 200);
  await until(watcher, /\bOnline\b/);
  const caller = await pbx.phone('acme', '1001');
  assert.is(await caller.register(), 200);
  assert.is((await caller.call('1002')).status, 200);
  await until(watcher, /\bBusy\b/);
  assert.is((await caller.inDialog('BYE')).status, 200);
  await until(watcher, /\bOnline\b/);
  assert.is(await callee.register(0), 200);
  await until(watcher, /\bOffline\b/);
});

test.run();
