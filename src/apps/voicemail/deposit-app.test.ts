import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture, type Fixture } from './voicemail-fixture.case.js';
import { ScriptedChannel } from './scripted-channel.case.js';
import { tenantDir } from '../../store/tenant-id.js';

let f: Fixture;
test.before.each(() => {
  f = fixture();
});
test.after.each(() => f.close());

const caller = { number: '+4930123456', name: 'Mallory' };

function boxFiles(t: string, box: string): string[] {
  const dir = join(tenantDir(f.dataDir, t), 'voicemail', box);
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.wav')) : [];
}

test('a deposit plays the system greeting with the box digits, beeps, records, keeps the message and tells MWI', async () => {
  const app = f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!;
  const ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 3000, tone: true }]);
  await app.run(ch);
  assert.equal(ch.heard.slice(0, 8), ['vm-the-person-at-extension', 'num-1', 'num-0', 'num-0', 'num-1', 'vm-is-not-available', 'vm-leave-message', 'beep']);
  assert.equal(ch.heard.slice(-2), ['thank-you', 'goodbye']);
  assert.ok(ch.hungUp);
  assert.is(ch.recorded[0]!.maxMs, 60_000);
  assert.is(ch.recorded[0]!.stopDigits, '#', 'box 1001 has no operator: # only');
  const msgs = f.acme.store.voicemail.messages('1001');
  assert.is(msgs.length, 1);
  assert.is(msgs[0]!.folder, 'new');
  assert.is(msgs[0]!.callerNumber, '+4930123456');
  assert.is(msgs[0]!.durationMs, 3000);
  assert.ok(msgs[0]!.bytes > 48_000);
  assert.is(boxFiles('acme', '1001').length, 1);
  assert.equal(f.messages.map((m) => [m.tenant, m.box, m.message.id]), [['acme', '1001', msgs[0]!.id]]);
  assert.equal(f.counts.at(-1), { tenant: 'acme', box: '1001', counts: { new: 1, old: 0 } });
  // The other tenant's box of the same number is untouched.
  assert.is(f.globex.store.voicemail.messages('1001').length, 0);
});

test('busy reason: the busy sentence; a busy greeting of the box wins; a temporary one wins over both', async () => {
  let ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 2000, tone: true }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'busy')!.run(ch);
  assert.ok(ch.heard.includes('vm-is-busy'));
  const busy = f.apps.service.greetingPath(f.acme, '1001', 'busy');
  mkdirSync(join(busy, '..'), { recursive: true });
  writeFileSync(busy, 'x');
  ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 2000, tone: true }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'busy')!.run(ch);
  assert.equal(ch.played[0], [busy]);
  const temp = f.apps.service.greetingPath(f.acme, '1001', 'temporary');
  writeFileSync(temp, 'x');
  ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 2000, tone: true }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!.run(ch);
  assert.equal(ch.played[0], [temp]);
});

test('shorter than a second, or silence only: dropped, file and row gone, no event', async () => {
  for (const rec of [{ ms: 800, tone: true }, { ms: 5000, tone: false }]) {
    const ch = new ScriptedChannel(f.acme, caller, [], [rec]);
    await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!.run(ch);
    assert.ok(ch.heard.includes('vm-too-short'));
  }
  assert.is(f.acme.store.voicemail.messages('1001').length, 0);
  assert.equal(f.acme.store.voicemail.counts('1001'), { new: 0, old: 0, recording: 0 });
  assert.equal(boxFiles('acme', '1001'), []);
  assert.is(f.messages.length, 0);
});

test('caller hangs up while recording: a good message is kept, a short one dropped', async () => {
  let ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 4000, tone: true, stop: 'hangup' }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!.run(ch);
  assert.is(f.acme.store.voicemail.messages('1001').length, 1);
  ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 300, tone: true, stop: 'hangup' }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!.run(ch);
  assert.is(f.acme.store.voicemail.messages('1001').length, 1);
  assert.is(boxFiles('acme', '1001').length, 1);
});

test('a full box (maxMessages) plays mailbox-full and records nothing; what is there stays', async () => {
  for (let i = 0; i < 3; i++) await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!.run(new ScriptedChannel(f.acme, caller, [], [{ ms: 1500, tone: true }]));
  const before = f.acme.store.voicemail.messages('1001').map((m) => m.id);
  assert.is(before.length, 3);
  const ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 1500, tone: true }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!.run(ch);
  assert.equal(ch.heard, ['vm-mailbox-full', 'goodbye']);
  assert.is(ch.recorded.length, 0);
  assert.equal(f.acme.store.voicemail.messages('1001').map((m) => m.id), before);
});

test('a full tenant (limits.storageMB) plays mailbox-full and records nothing', async () => {
  f.close();
  f = fixture({ acmeLimits: { storageMB: 0 } });
  const ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 1500, tone: true }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1002', 'noanswer')!.run(ch);
  assert.equal(ch.heard, ['vm-mailbox-full', 'goodbye']);
  assert.is(ch.recorded.length, 0);
  assert.equal(f.acme.store.voicemail.counts('1002'), { new: 0, old: 0, recording: 0 });
});

test('the quota handed to the recorder is what the tenant has left', async () => {
  f.close();
  f = fixture({ acmeLimits: { storageMB: 2 } });
  const ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 1500, tone: true }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1002', 'noanswer')!.run(ch);
  const q = ch.recorded[0]!.quotaBytes;
  assert.ok(q > 0 && q < 2 * 1024 * 1024, String(q));
});

test('0 during the greeting or the recording goes to the operator destination of the box', async () => {
  let ch = new ScriptedChannel(f.acme, caller, ['0'], []);
  await f.apps.callApps.voicemailDeposit(f.acme, '800', 'direct')!.run(ch);
  assert.equal(ch.continued?.d, { type: 'extension', ext: '1002' });
  assert.is(ch.recorded.length, 0);
  ch = new ScriptedChannel(f.acme, caller, [], [{ ms: 2500, tone: true, stop: 'digit', digit: '0' }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '800', 'direct')!.run(ch);
  assert.is(ch.recorded[0]!.stopDigits, '#0');
  assert.equal(ch.continued?.d, { type: 'extension', ext: '1002' });
  assert.is(f.acme.store.voicemail.messages('800').length, 1, 'what was said before 0 is kept');
  // Without an operator, 0 during the greeting just skips to the beep.
  ch = new ScriptedChannel(f.acme, caller, ['0'], [{ ms: 2000, tone: true }]);
  await f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer')!.run(ch);
  assert.is(ch.continued, undefined);
  assert.is(ch.recorded.length, 1);
});

test('no box of that number in this tenant: no app; a disabled box: none either', () => {
  assert.is(f.apps.callApps.voicemailDeposit(f.acme, '700', 'noanswer'), undefined, "globex's 700 is not acme's");
  assert.is(f.apps.callApps.voicemailDeposit(f.globex, '800', 'noanswer'), undefined);
  assert.is(f.apps.callApps.boxOfExtension(f.acme, '1001'), '1001');
  assert.is(f.apps.callApps.boxOfExtension(f.acme, '800'), undefined, 'a shared box is no extension box');
  f.acme.store.voicemail.replaceBoxes([{ box: '1001', ownerExt: '1001', enabled: false, allowNoPinFromOwnPhone: false }]);
  assert.is(f.apps.callApps.voicemailDeposit(f.acme, '1001', 'noanswer'), undefined);
  assert.is(f.apps.callApps.boxOfExtension(f.acme, '1001'), undefined);
});

test.run();
