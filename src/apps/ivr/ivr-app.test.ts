import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseIvrMenu, type IvrMenu } from '../../model/ivr-menu.js';
import { FakeClock } from '../../util/fake-clock.js';
import { FakeAppChannel } from '../fake-app-channel.js';
import { IvrApp } from './ivr-app.js';

/** Lets the app's awaits run (the fake channel resolves at once or on the clock). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function menu(raw: Record<string, unknown>): IvrMenu {
  const problems: string[] = [];
  const m = parseIvrMenu({ name: 'main', greeting: 'welcome', ...raw }, 'ivrs[0]', (p, msg) => problems.push(`${p}: ${msg}`));
  assert.equal(problems, []);
  return m!;
}

const OPTIONS = {
  '1': { ringGroup: 'sales' },
  '2': { ivr: 'support' },
  '0': { extension: '1001' },
  '#': 'hangup',
  '*': { play: 'goodbye' },
  '9': { voicemail: '1001' },
};

function start(m: IvrMenu, exts: readonly string[] = ['1001', '1002']) {
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 9));
  const ch = new FakeAppChannel(FakeAppChannel.tenant('acme', exts), clock);
  const done = new IvrApp(m, { clock }).run(ch);
  return { clock, ch, done };
}

test('each key goes to its destination through continueTo', async () => {
  const m = menu({ options: OPTIONS });
  const expected: Record<string, unknown> = {
    '1': { type: 'ringGroup', name: 'sales' },
    '2': { type: 'ivr', name: 'support' },
    '0': { type: 'extension', ext: '1001' },
    '#': { type: 'hangup' },
    '*': { type: 'play', prompt: 'goodbye' },
    '9': { type: 'voicemail', box: '1001' },
  };
  for (const [key, d] of Object.entries(expected)) {
    const { ch, done } = start(m);
    await settle();
    assert.equal(ch.played, [['/prompts/welcome.wav']]);
    ch.press(key);
    await done;
    assert.equal(ch.continued, { d, reason: 'ivr-option' }, key);
    assert.is(ch.hungUpWith, undefined);
  }
});

test('no key: the greeting again after each timeout, then the timeout destination', async () => {
  const { ch, clock, done } = start(menu({ options: OPTIONS, retries: 2, timeoutSeconds: 5, timeout: { extension: '1002' } }));
  for (let i = 1; i <= 3; i++) {
    await settle();
    assert.is(ch.played.length, i, `greeting ${i}`);
    assert.is(ch.continued, undefined);
    clock.advance(4_999);
    await settle();
    assert.is(ch.played.length, i, 'not before the timeout');
    clock.advance(1);
  }
  await done;
  assert.equal(ch.continued, { d: { type: 'extension', ext: '1002' }, reason: 'ivr-timeout' });
});

test('no key and no timeout destination: hang up', async () => {
  const { ch, clock, done } = start(menu({ options: OPTIONS, retries: 0, timeoutSeconds: 5 }));
  await settle();
  clock.advance(5_000);
  await done;
  assert.is(ch.continued, undefined);
  assert.is(ch.hungUpWith, 'ivr-timeout');
});

test('a wrong key: "invalid option" and the greeting again, up to retries, then the invalid destination', async () => {
  const { ch, done } = start(menu({ options: OPTIONS, retries: 2, invalid: { extension: '1001' } }));
  await settle();
  ch.press('7');
  await settle();
  assert.equal(ch.played[1], ['/prompts/invalid-option.wav', '/prompts/welcome.wav']);
  ch.press('5');
  await settle();
  assert.is(ch.played.length, 3);
  assert.is(ch.continued, undefined);
  ch.press('8');
  await done;
  assert.equal(ch.continued, { d: { type: 'extension', ext: '1001' }, reason: 'ivr-invalid' });
});

test('a right key after a wrong one still counts', async () => {
  const { ch, done } = start(menu({ options: OPTIONS, retries: 1 }));
  await settle();
  ch.press('7');
  await settle();
  ch.press('1');
  await done;
  assert.equal(ch.continued?.d, { type: 'ringGroup', name: 'sales' });
});

test('direct dial by pattern: an extension of this tenant; one it does not have is invalid', async () => {
  const m = menu({ options: { '0': { extension: '1002' } }, directDial: '1XXX', retries: 0 });
  let run = start(m);
  await settle();
  run.ch.press('1001');
  await run.done;
  assert.equal(run.ch.continued, { d: { type: 'extension', ext: '1001' }, reason: 'ivr-option' });

  // 2001 is an extension of another tenant (globex): not in this channel's tenant, so not dialled.
  run = start(menu({ options: {}, directDial: true, retries: 0 }), ['1001']);
  await settle();
  run.ch.press('2');
  await run.done;
  assert.is(run.ch.continued, undefined);
  assert.is(run.ch.hungUpWith, 'ivr-invalid');

  run = start(m);
  await settle();
  run.ch.press('1009');
  await run.done;
  assert.is(run.ch.hungUpWith, 'ivr-invalid', '1009 matches the pattern but is no extension');
});

test('direct dial with an option that is a prefix: the option after the inter-digit wait, the extension when typed on', async () => {
  const m = menu({ options: { '1': { ringGroup: 'sales' } }, directDial: true, interDigitSeconds: 3 });
  let run = start(m);
  await settle();
  run.ch.press('1');
  await settle();
  assert.is(run.ch.continued, undefined, 'waits: 1001 may follow');
  run.clock.advance(3_000);
  await run.done;
  assert.equal(run.ch.continued?.d, { type: 'ringGroup', name: 'sales' });

  run = start(m);
  await settle();
  for (const k of '1002') {
    run.ch.press(k);
    await settle();
  }
  await run.done;
  assert.equal(run.ch.continued?.d, { type: 'extension', ext: '1002' });

  run = start(menu({ options: { '1': { ringGroup: 'sales' } }, directDial: true, retries: 0 }));
  await settle();
  run.ch.press('10#');
  await run.done;
  assert.is(run.ch.continued, undefined, '10 then # is no extension');
  assert.is(run.ch.hungUpWith, 'ivr-invalid');
});

test('keys beyond what the menu takes are dropped, not carried on', async () => {
  const { ch, done } = start(menu({ options: OPTIONS }));
  await settle();
  ch.press('1234');
  await done;
  assert.equal(ch.continued?.d, { type: 'ringGroup', name: 'sales' });
  assert.is(ch.pending, '');
  assert.ok(ch.flushes > 0);
});

test('a DTMF flood ends the menu to its invalid destination, or hangs up', async () => {
  let run = start(menu({ options: OPTIONS, invalid: { extension: '1001' } }));
  await settle();
  run.ch.press('7'.repeat(25));
  await run.done;
  assert.equal(run.ch.continued, { d: { type: 'extension', ext: '1001' }, reason: 'dtmf-flood' });

  run = start(menu({ options: OPTIONS }));
  await settle();
  run.ch.press('1'.repeat(500));
  await run.done;
  assert.is(run.ch.continued, undefined);
  assert.is(run.ch.hungUpWith, 'dtmf-flood');
});

test('20 keys within a second are no flood, the 21st is; keys spread out never are', async () => {
  let run = start(menu({ options: OPTIONS, retries: 10, invalid: { extension: '1002' } }));
  await settle();
  run.ch.press('7'.repeat(20));
  await settle();
  assert.is(run.ch.continued, undefined, '20 at once: one wrong entry, the rest dropped');
  assert.is(run.ch.hungUpWith, undefined);
  run.clock.advance(1_000);
  await settle();
  run.ch.press('1');
  await run.done;
  assert.equal(run.ch.continued?.d, { type: 'ringGroup', name: 'sales' });

  run = start(menu({ options: OPTIONS, retries: 10, invalid: { extension: '1002' } }));
  await settle();
  run.ch.press('7'.repeat(20));
  await settle();
  run.ch.press('1');
  await run.done;
  assert.equal(run.ch.continued, { d: { type: 'extension', ext: '1002' }, reason: 'dtmf-flood' });

  run = start(menu({ options: OPTIONS, retries: 10 }));
  for (let i = 0; i < 10; i++) {
    await settle();
    run.ch.press('7');
    run.clock.advance(100);
  }
  await settle();
  assert.is(run.ch.hungUpWith, undefined);
  run.ch.press('0');
  await run.done;
  assert.equal(run.ch.continued?.d, { type: 'extension', ext: '1001' });
});

test('the caller hangs up while the menu waits: nothing more happens', async () => {
  const { ch, done } = start(menu({ options: OPTIONS }));
  await settle();
  ch.drop();
  await done;
  assert.is(ch.continued, undefined);
  assert.is(ch.hungUpWith, undefined);
});

test('an unknown greeting at run time plays nothing and the menu still works', async () => {
  const { ch, done } = start(menu({ greeting: 'not-uploaded', options: OPTIONS }));
  await settle();
  assert.equal(ch.played, [[]]);
  ch.press('0');
  await done;
  assert.equal(ch.continued?.d, { type: 'extension', ext: '1001' });
});

test('an error of the channel never escapes: the call is hung up', async () => {
  const clock = new FakeClock();
  const ch = new FakeAppChannel(FakeAppChannel.tenant('acme', ['1001']), clock);
  ch.readDigits = () => Promise.reject(new Error('media worker gone'));
  await new IvrApp(menu({ options: OPTIONS }), { clock }).run(ch);
  assert.is(ch.hungUpWith, 'ivr-error');
});

test('a caller gone before the answer: nothing is played', async () => {
  const clock = new FakeClock();
  const ch = new FakeAppChannel(FakeAppChannel.tenant('acme', ['1001']), clock);
  ch.drop();
  await new IvrApp(menu({ options: OPTIONS }), { clock }).run(ch);
  assert.equal(ch.played, []);
  assert.is(ch.continued, undefined);
});

test.run();
