import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyPin } from '../../tenant/voicemail-pin.js';
import { fixture, type Fixture } from './voicemail-fixture.case.js';
import { ScriptedChannel, type Key } from './scripted-channel.case.js';

let f: Fixture;
test.before.each(() => {
  f = fixture();
});
test.after.each(() => f.close());

async function leave(t: Fixture['acme'], box: string, number: string, ms = 2000): Promise<void> {
  await f.apps.callApps.voicemailDeposit(t, box, 'noanswer')!.run(new ScriptedChannel(t, { number }, [], [{ ms, tone: true }]));
  f.clock.advance(60_000);
}

function own(keys: Key[], ext = '1001', t = f.acme): ScriptedChannel {
  return new ScriptedChannel(t, { ext, number: ext }, keys);
}

const HANGUP: Key = { hangup: true };

test('*97 from the own authenticated phone: no PIN, counts, play marks read, 7 deletes (file and row), # exits', async () => {
  await leave(f.acme, '1001', '1002');
  await leave(f.acme, '1001', '+4930999');
  const ch = own(['1', '7', '#', '#']);
  await f.apps.featureCodes.voicemail({ tenant: f.acme, callerExt: '1001' }).run(ch);
  assert.not.ok(ch.heard.includes('vm-enter-password'));
  assert.equal(ch.heard.slice(0, 5), ['vm-you-have', 'num-2', 'vm-new', 'vm-messages', 'vm-menu-main']);
  assert.ok(ch.heard.includes('vm-message-deleted'));
  assert.ok(ch.hungUp);
  const left = f.acme.store.voicemail.messages('1001');
  assert.is(left.length, 1);
  assert.is(left[0]!.callerNumber, '+4930999');
  // After the delete the next message played (and so was read) before # left.
  assert.equal(f.counts.at(-1)?.counts, { new: 0, old: 1 });
});

test('message menu: 6 next, 4 previous, 5 repeat, 9 save; end of list says no more', async () => {
  await leave(f.acme, '1001', '1002');
  await leave(f.acme, '1001', '1003');
  const ch = own(['1', '6', '4', '5', '9', '9', '#']);
  await f.apps.featureCodes.voicemail({ tenant: f.acme }).run(ch);
  const msgs = f.acme.store.voicemail.messages('1001');
  const files = ch.played.flat().filter((p) => p.endsWith('.wav') && !p.startsWith('prompt:'));
  const [a, b] = [msgs[0]!.file, msgs[1]!.file];
  assert.equal(files.map((p) => (p.endsWith(a) ? 'A' : p.endsWith(b) ? 'B' : '?')), ['A', 'B', 'A', 'A', 'B']);
  assert.ok(ch.heard.includes('vm-message-saved'));
  assert.ok(ch.heard.includes('vm-no-more-messages'));
  assert.equal(msgs.map((m) => m.folder), ['old', 'old']);
});

test('2 calls the sender back: an extension of the tenant as extension, else the number', async () => {
  await leave(f.acme, '1001', '+4930123');
  let ch = own(['1', '2']);
  await f.apps.featureCodes.voicemail({ tenant: f.acme }).run(ch);
  assert.equal(ch.continued?.d, { type: 'number', number: '+4930123' });
  assert.not.ok(ch.hungUp, 'continued, not hung up');
});

test('3 speaks the envelope: day, hour, minute, and the caller number digit by digit', async () => {
  await leave(f.acme, '1001', '1002');
  const ch = own(['1', '3', '#', '#']);
  await f.apps.featureCodes.voicemail({ tenant: f.acme }).run(ch);
  const i = ch.heard.indexOf('vm-menu-message');
  // received 2026-12-07 09:30 UTC: "seven", "nine", "thirty", then 1002.
  assert.equal(ch.heard.slice(i + 1, i + 9), ['num-7', 'num-9', 'num-30', 'extension', 'num-1', 'num-0', 'num-0', 'num-2']);
});

test('*97 when the box asks a PIN: right PIN logs in; wrong PIN says login incorrect', async () => {
  let ch = own(['5', '5', '5', '5', '#', '#'], '1002');
  await f.apps.featureCodes.voicemail({ tenant: f.acme }).run(ch);
  assert.equal(ch.heard.slice(0, 2), ['vm-enter-password', 'vm-no-messages']);
  ch = own(['1', '1', '1', '1', '#', HANGUP], '1002');
  await f.apps.featureCodes.voicemail({ tenant: f.acme }).run(ch);
  assert.ok(ch.heard.includes('vm-login-incorrect'));
  assert.is(f.authFailures.length, 1);
  assert.equal(f.authFailures[0], { source: '1002', fields: { method: 'voicemail', detail: 'wrong PIN', box: '1002' }, tenant: 'acme' });
});

test('three wrong PINs lock the box for five minutes (even the right PIN), logged; it opens again after', async () => {
  const wrong: Key[] = ['0', '0', '0', '0', '#'];
  let ch = new ScriptedChannel(f.acme, { number: '+49301' }, ['1', '0', '0', '2', '#', ...wrong, '1', '0', '0', '2', '#', ...wrong, '1', '0', '0', '2', '#', ...wrong]);
  await f.apps.featureCodes.voicemailAny({ tenant: f.acme }).run(ch);
  assert.is(ch.heard.filter((h) => h === 'vm-login-incorrect').length, 3);
  assert.equal(ch.heard.at(-1), 'goodbye');
  assert.ok(f.apps.service.pins.locked('acme', '1002'));
  assert.is(f.authFailures.at(-1)!.fields['detail'], 'wrong PIN: box locked');
  assert.ok(f.logger.lines.some((l) => l.includes('voicemail box locked')));
  ch = new ScriptedChannel(f.acme, { number: '+49301' }, ['1', '0', '0', '2', '#', '5', '5', '5', '5', '#', HANGUP]);
  await f.apps.featureCodes.voicemailAny({ tenant: f.acme }).run(ch);
  assert.ok(ch.heard.includes('vm-login-incorrect'), 'locked: the right PIN is refused too');
  assert.not.ok(f.apps.service.pins.locked('globex', '1002'));
  f.clock.advance(5 * 60_000);
  ch = new ScriptedChannel(f.acme, { number: '+49301' }, ['1', '0', '0', '2', '#', '5', '5', '5', '5', '#', '#']);
  await f.apps.featureCodes.voicemailAny({ tenant: f.acme }).run(ch);
  assert.ok(ch.heard.includes('vm-no-messages'));
});

test("*98 with another tenant's box number: login incorrect, never that box's audio", async () => {
  await leave(f.globex, '700', '555');
  const ch = new ScriptedChannel(f.acme, { ext: '1001', number: '1001' }, ['7', '0', '0', '#', '7', '0', '7', '0', '#', '1', HANGUP]);
  await f.apps.featureCodes.voicemailAny({ tenant: f.acme }).run(ch);
  assert.ok(ch.heard.includes('vm-login-incorrect'));
  assert.not.ok(ch.played.flat().some((p) => p.includes('globex') || p.endsWith('.wav') && !p.startsWith('prompt:')));
  assert.equal(f.authFailures[0]?.fields, { method: 'voicemail', detail: 'no such box', box: '700' });
  // Same number, own tenant: 1001's acme PIN does not open globex's 1001 and vice versa.
  const ch2 = new ScriptedChannel(f.acme, { number: 'x' }, ['1', '0', '0', '1', '#', '9', '9', '9', '9', '#', HANGUP]);
  await f.apps.featureCodes.voicemailAny({ tenant: f.acme }).run(ch2);
  assert.ok(ch2.heard.includes('vm-login-incorrect'));
});

test('options: 5 changes the PIN (twice the same, digits only); 1 records a greeting, kept only when long enough', async () => {
  let ch = new ScriptedChannel(f.acme, { ext: '1001' }, ['0', '5', '4', '3', '2', '1', '#', '4', '3', '2', '1', '#', '5', 'a', '#', '*', '#'], []);
  await f.apps.featureCodes.voicemail({ tenant: f.acme }).run(ch);
  assert.ok(ch.heard.includes('vm-password-changed'));
  assert.ok(verifyPin('4321', f.acme.store.voicemail.box('1001')!.pinHash));
  ch = new ScriptedChannel(f.acme, { ext: '1001' }, ['0', '1', '1', '*', '#'], [{ ms: 2500, tone: true }, { ms: 400, tone: true }]);
  await f.apps.featureCodes.voicemail({ tenant: f.acme }).run(ch);
  assert.ok(ch.heard.includes('vm-greeting-saved'));
  assert.ok(ch.heard.includes('vm-too-short'));
  const g = f.apps.service.greeting(f.acme, '1001', 'unavailable');
  assert.ok(g && existsSync(g), 'the first greeting stays: a bad second take loses nothing');
  assert.not.ok(existsSync(`${g}.part`));
  // The new greeting now plays to callers.
  const dep = new ScriptedChannel(f.acme, { number: '1002' }, [], [{ ms: 2000, tone: true }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!.run(dep);
  assert.equal(dep.played[0], [g]);
});

test('*97 from an extension without a box: feature not available', async () => {
  const ch = own([], '1009');
  await f.apps.featureCodes.voicemail({ tenant: f.acme }).run(ch);
  assert.equal(ch.heard, ['feature-not-available', 'goodbye']);
  assert.ok(ch.hungUp);
});

test.run();
