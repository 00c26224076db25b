import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { OverloadControl } from './overload-control.js';
import { OVERLOAD_DEFAULTS, type OverloadSettings } from './overload-settings.js';

function setup(over: Partial<OverloadSettings> = {}, randomValues: number[] = []) {
  const clock = new FakeClock();
  const settings: OverloadSettings = { ...OVERLOAD_DEFAULTS, ...over };
  let i = 0;
  // A scripted random source: each draw takes the next value (0.5 once they run out).
  const random = () => (i < randomValues.length ? randomValues[i++] : 0.5);
  const ctl = new OverloadControl({ clock, settings: () => settings, random, tickMs: 100 });
  return { clock, settings, ctl };
}

const INVITE = { method: 'INVITE', credentials: false };
const REGISTER = { method: 'REGISTER', credentials: false };
const REGISTER_AUTH = { method: 'REGISTER', credentials: true };

test('no lag: everything is served and the state is normal', () => {
  const { ctl } = setup();
  ctl.observeDelay(20);
  ctl.tick();
  assert.is(ctl.level(), 'normal');
  assert.is(ctl.admittedShare(), 1);
  assert.equal(ctl.decide(INVITE), { action: 'serve' });
});

test('lag at the threshold cuts the admitted share each tick; under half of it the share comes back step by step', () => {
  const { ctl } = setup({ shedDelayMs: 100 });
  ctl.observeDelay(100);
  ctl.tick();
  assert.is(ctl.level(), 'shedding');
  assert.ok(Math.abs(ctl.admittedShare() - 0.7) < 1e-9);
  ctl.observeDelay(300);
  ctl.tick();
  assert.ok(Math.abs(ctl.admittedShare() - 0.49) < 1e-9);
  // Between half the threshold and the threshold: held.
  ctl.observeDelay(60);
  ctl.tick();
  assert.ok(Math.abs(ctl.admittedShare() - 0.49) < 1e-9);
  // Under half: additive increase back to 1 (six ticks of +0.1 from 0.49).
  for (let k = 0; k < 5; k++) ctl.tick();
  assert.is(ctl.level(), 'shedding');
  ctl.tick();
  assert.is(ctl.admittedShare(), 1);
  assert.is(ctl.level(), 'normal');
});

test('the smallest queue delay since the last tick counts (a standing queue, as CoDel), and it is forgotten after the tick', () => {
  const { ctl } = setup({ shedDelayMs: 100 });
  ctl.observeDelay(150);
  ctl.observeDelay(120);
  ctl.tick();
  assert.is(ctl.lagMs(), 120);
  assert.is(ctl.level(), 'shedding');
  // A peak that drained within the interval (the queue ran empty: 0) is not lag.
  const other = setup({ shedDelayMs: 100 }).ctl;
  other.observeDelay(900);
  other.observeDelay(0);
  other.tick();
  assert.is(other.lagMs(), 0);
  assert.is(other.level(), 'normal');
  ctl.tick();
  assert.is(ctl.lagMs(), 0);
});

test('a late timer is lag too when it is late three ticks in a row, and the timer ticks on its own', () => {
  const { clock, ctl } = setup({ shedDelayMs: 100 });
  // One late tick (a GC pause, the OS running someone else) is not overload.
  ctl.tick(250);
  ctl.tick(0);
  ctl.tick(250);
  assert.is(ctl.level(), 'normal');
  // Late at every tick: the loop is busy.
  ctl.tick(250);
  ctl.tick(300);
  assert.is(ctl.lagMs(), 250);
  assert.is(ctl.level(), 'shedding');
  for (let k = 0; k < 4; k++) ctl.tick(0);
  assert.is(ctl.level(), 'normal');
  ctl.start();
  ctl.observeDelay(120);
  clock.advance(100);
  assert.is(ctl.lagMs(), 120);
  assert.is(ctl.level(), 'shedding');
  ctl.stop();
  clock.advance(10_000);
  assert.is(ctl.level(), 'shedding', 'stopped: no more ticks');
});

test('while shedding, requests with credentials are served and the others are admitted by share', () => {
  // share 0.7 after one tick; draws 0.69 (admitted) and 0.71 (refused).
  const { ctl } = setup({ shedDelayMs: 100, retryAfterSeconds: 5, registerRetryAfterMaxSeconds: 5 }, [0.69, 0.71]);
  ctl.observeDelay(200);
  ctl.tick();
  assert.equal(ctl.decide(REGISTER_AUTH), { action: 'serve' });
  assert.equal(ctl.decide(INVITE), { action: 'serve' });
  assert.equal(ctl.decide(INVITE), { action: 'reject', retryAfter: 5, reason: 'admission' });
});

test('shedDelayMs 0 turns away every new request without credentials (drain), at once', () => {
  const { ctl } = setup({ shedDelayMs: 0, retryAfterSeconds: 7, registerRetryAfterMaxSeconds: 7 });
  ctl.tick();
  assert.is(ctl.level(), 'shedding');
  assert.equal(ctl.decide(INVITE), { action: 'reject', retryAfter: 7, reason: 'admission' });
  assert.equal(ctl.decide(REGISTER_AUTH), { action: 'serve' });
});

test('a REGISTER gets a Retry-After drawn from the configured range, others the fixed one', () => {
  const { ctl } = setup({ shedDelayMs: 0, retryAfterSeconds: 5, registerRetryAfterMaxSeconds: 30 }, [0, 0.999, 0.5]);
  ctl.tick();
  assert.equal(ctl.decide(REGISTER), { action: 'reject', retryAfter: 5, reason: 'admission' });
  assert.equal(ctl.decide(REGISTER), { action: 'reject', retryAfter: 30, reason: 'admission' });
  assert.equal(ctl.decide(INVITE), { action: 'reject', retryAfter: 5, reason: 'admission' });
});

/** Lag ticks until the admitted share is exhausted (0.7^9 < 0.05). */
function exhaust(ctl: OverloadControl, lag = 300): void {
  for (let k = 0; k < 9; k++) {
    ctl.observeDelay(lag);
    ctl.tick();
  }
}

test('severe lag: once the admitted share is exhausted, credentials no longer help; it clears only under half the threshold', () => {
  const { ctl } = setup({ shedDelayMs: 100, severeDelayMs: 400, dropDelayMs: 2000, retryAfterSeconds: 5, registerRetryAfterMaxSeconds: 5 });
  // A severe lag while the share is still high (a pause of the whole process, the OS
  // running others) only lowers the share: requests with credentials are still served.
  ctl.observeDelay(450);
  ctl.tick();
  assert.is(ctl.level(), 'shedding');
  assert.equal(ctl.decide(REGISTER_AUTH), { action: 'serve' });
  exhaust(ctl);
  ctl.observeDelay(400);
  ctl.tick();
  assert.is(ctl.level(), 'severe');
  assert.equal(ctl.decide(REGISTER_AUTH), { action: 'reject', retryAfter: 5, reason: 'severe' });
  ctl.observeDelay(250);
  ctl.tick();
  assert.is(ctl.level(), 'severe');
  ctl.observeDelay(150);
  ctl.tick();
  assert.is(ctl.level(), 'shedding');
  assert.equal(ctl.decide(REGISTER_AUTH), { action: 'serve' });
});

test('past dropDelayMs, when severe was not enough, new requests are dropped unanswered, and that clears too', () => {
  const { ctl } = setup({ severeDelayMs: 500, dropDelayMs: 2000 });
  exhaust(ctl);
  ctl.observeDelay(2500);
  ctl.tick();
  assert.is(ctl.level(), 'severe', 'one step at a time');
  ctl.observeDelay(2500);
  ctl.tick();
  assert.is(ctl.level(), 'dropping');
  assert.equal(ctl.decide(REGISTER_AUTH), { action: 'drop', reason: 'dropped' });
  ctl.tick();
  assert.is(ctl.level(), 'shedding');
});

test('disabled: nothing is shed whatever the lag, and the state resets', () => {
  const { ctl, settings } = setup({ shedDelayMs: 100 });
  exhaust(ctl, 5000);
  ctl.observeDelay(5000);
  ctl.tick();
  assert.is(ctl.level(), 'dropping');
  settings.enabled = false;
  ctl.observeDelay(5000);
  ctl.tick();
  assert.is(ctl.level(), 'normal');
  assert.equal(ctl.decide(INVITE), { action: 'serve' });
});

test('settings are read at each tick: lowering the threshold to 0 and back (SIGHUP) sheds, then clears', () => {
  const { ctl, settings } = setup({ shedDelayMs: 100 });
  ctl.tick();
  assert.is(ctl.level(), 'normal');
  settings.shedDelayMs = 0;
  ctl.tick();
  assert.is(ctl.level(), 'shedding');
  settings.shedDelayMs = 100;
  for (let k = 0; k < 10; k++) ctl.tick();
  assert.is(ctl.level(), 'normal');
});

test('OPTIONS is answered while shedding (it costs what a 503 costs), dropped only when dropping', () => {
  const { ctl } = setup({ shedDelayMs: 0, severeDelayMs: 400, dropDelayMs: 2000 });
  const OPTIONS = { method: 'OPTIONS', credentials: false };
  ctl.observeDelay(500);
  ctl.tick();
  assert.is(ctl.level(), 'severe');
  assert.equal(ctl.decide(OPTIONS), { action: 'serve' });
  ctl.observeDelay(2000);
  ctl.tick();
  ctl.observeDelay(2000);
  ctl.tick();
  assert.equal(ctl.decide(OPTIONS), { action: 'drop', reason: 'dropped' });
});

test('shed messages are counted by reason', () => {
  const { ctl } = setup();
  ctl.count('admission');
  ctl.count('admission');
  ctl.count('queue_full');
  assert.is(ctl.shedCounts().get('admission'), 2);
  assert.is(ctl.shedCounts().get('queue_full'), 1);
  assert.is(ctl.shedCounts().get('severe'), 0);
});

test.run();
