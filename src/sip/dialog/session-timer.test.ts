import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { memoryLogger } from '../../util/logger.js';
import { parseMessage } from '../message/parse.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import {
  answerSessionTimer,
  expiryDelayMs,
  refreshDelayMs,
  refreshFailureEndsSession,
  SessionTimer,
  sessionTimerFromResponse,
  sessionTimerOfferHeaders,
  sessionTimerPolicy,
  sessionTimerRefreshHeaders,
  sessionTimerRetry,
  type NegotiatedTimer,
  type SessionTimerAnswer,
} from './session-timer.js';

function invite(extra: string[] = []): SipRequest {
  const text = [
    'INVITE sip:1002@acme.example SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKst1',
    'Max-Forwards: 70',
    'From: <sip:1001@acme.example>;tag=f1',
    'To: <sip:1002@acme.example>',
    'Call-ID: st-1',
    'CSeq: 1 INVITE',
    'Contact: <sip:1001@192.0.2.10>',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== 'request') throw new Error('fixture');
  return r.message;
}

function response(status: number, extra: string[] = []): SipResponse {
  const text = [
    `SIP/2.0 ${status} X`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKst1',
    'From: <sip:1001@acme.example>;tag=f1',
    'To: <sip:1002@acme.example>;tag=t1',
    'Call-ID: st-1',
    'CSeq: 1 INVITE',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== 'response') throw new Error('fixture');
  return r.message;
}

/** Our INVITE as the B2BUA would send it, with the offer headers of a policy. */
function ourInvite(headers: Array<[string, string]>): SipRequest {
  return invite(headers.map(([n, v]) => `${n}: ${v}`));
}

function accepted(a: SessionTimerAnswer): { timer: NegotiatedTimer | undefined; headers: Array<[string, string]> } {
  if (a.kind !== 'accept') throw new Error(`expected accept, got ${a.error.status}`);
  return a;
}

const ORIGINATE = sessionTimerPolicy();
const ACCEPT = sessionTimerPolicy({ mode: 'accept' });
const REFUSE = sessionTimerPolicy({ mode: 'refuse' });

// ---- what we put in our INVITE ----

test('offer headers per mode (RFC 4028 §7.1): Supported: timer, Session-Expires, Min-SE 90, no refresher', () => {
  assert.equal(sessionTimerOfferHeaders(ORIGINATE), [
    ['Supported', 'timer'],
    ['Session-Expires', '1800'],
    ['Min-SE', '90'],
  ]);
  assert.equal(sessionTimerOfferHeaders(ACCEPT), [['Supported', 'timer']]);
  assert.equal(sessionTimerOfferHeaders(REFUSE), []);
  assert.equal(sessionTimerOfferHeaders(ORIGINATE, { interval: 3600, minSE: 3600 }), [
    ['Supported', 'timer'],
    ['Session-Expires', '3600'],
    ['Min-SE', '3600'],
  ]);
});

test('policy bounds: Min-SE never below 90, Session-Expires never below Min-SE nor above a day', () => {
  assert.equal(sessionTimerPolicy({ minSE: 30, sessionExpires: 60 }), { mode: 'originate', sessionExpires: 90, minSE: 90, preferRefresher: 'remote' });
  assert.is(sessionTimerPolicy({ minSE: 600, sessionExpires: 300 }).sessionExpires, 600);
  assert.is(sessionTimerPolicy({ sessionExpires: 10_000_000 }).sessionExpires, 86_400);
  assert.is(sessionTimerPolicy({ sessionExpires: Number.NaN }).sessionExpires, 1800);
});

// ---- the 2xx the callee sent to our INVITE ----

test('UAC side: the 2xx decides interval and refresher (RFC 4028 §7.2)', () => {
  const ours = ourInvite(sessionTimerOfferHeaders(ORIGINATE));
  assert.equal(sessionTimerFromResponse(ours, response(200, ['Require: timer', 'Session-Expires: 1800;refresher=uac'])), { interval: 1800, refresher: 'local' });
  assert.equal(sessionTimerFromResponse(ours, response(200, ['Require: timer', 'Session-Expires: 900;refresher=uas'])), { interval: 900, refresher: 'remote' });
  assert.equal(sessionTimerFromResponse(ours, response(200, ['Session-Expires: 7200;refresher=uas'])), { interval: 1800, refresher: 'remote' }, 'a UAS may lower it, never raise it');
  assert.equal(sessionTimerFromResponse(ours, response(200, ['Session-Expires: 5;refresher=uas'])), { interval: 90, refresher: 'remote' }, 'never below 90 s');
  assert.equal(sessionTimerFromResponse(ours, response(200, ['Session-Expires: 1200'])), { interval: 1200, refresher: 'local' }, 'no refresher: we refresh');
});

test('UAC side: a callee without timer support; we asked, so we refresh alone (§7.2)', () => {
  const ours = ourInvite(sessionTimerOfferHeaders(ORIGINATE));
  assert.equal(sessionTimerFromResponse(ours, response(200)), { interval: 1800, refresher: 'local' });
});

test('UAC side: neither side asked for a timer: none', () => {
  assert.is(sessionTimerFromResponse(ourInvite(sessionTimerOfferHeaders(REFUSE)), response(200)), undefined);
  assert.is(sessionTimerFromResponse(ourInvite(sessionTimerOfferHeaders(ACCEPT)), response(200, ['Supported: timer'])), undefined);
  // accept mode: we only said Supported, and the callee chose a timer with us refreshing
  assert.equal(sessionTimerFromResponse(ourInvite(sessionTimerOfferHeaders(ACCEPT)), response(200, ['Require: timer', 'Session-Expires: 600;refresher=uac'])), {
    interval: 600,
    refresher: 'local',
  });
});

test('UAC side: 422 raises our interval and Min-SE to the callee minimum, once (§6, §7.1)', () => {
  const ours = ourInvite(sessionTimerOfferHeaders(ORIGINATE));
  const retry = sessionTimerRetry(ours, response(422, ['Min-SE: 3600']));
  assert.equal(retry, { interval: 3600, minSE: 3600 });
  const second = ourInvite(sessionTimerOfferHeaders(ORIGINATE, retry));
  assert.is(sessionTimerRetry(second, response(422, ['Min-SE: 3600'])), undefined, 'the same 422 again would loop');
  assert.is(sessionTimerRetry(ours, response(422, ['Min-SE: 1000'])), undefined, 'asks for less than we offered');
  assert.is(sessionTimerRetry(ours, response(422)), undefined, 'no Min-SE');
  assert.is(sessionTimerRetry(ours, response(422, ['Min-SE: 999999'])), undefined, 'more than a day');
  assert.is(sessionTimerRetry(ours, response(486, ['Min-SE: 3600'])), undefined);
  // accept mode offered no interval: a UAS that insists gets one on the retry
  const acceptRetry = sessionTimerRetry(ourInvite(sessionTimerOfferHeaders(ACCEPT)), response(422, ['Min-SE: 600']));
  assert.equal(sessionTimerOfferHeaders(ACCEPT, acceptRetry), [
    ['Supported', 'timer'],
    ['Session-Expires', '600'],
    ['Min-SE', '600'],
  ]);
});

// ---- our 200 to the caller's INVITE ----

test('UAS side: a caller without timer support (§9): originate runs one with us refreshing, accept none', () => {
  const a = accepted(answerSessionTimer(invite(), ORIGINATE));
  assert.equal(a.timer, { interval: 1800, refresher: 'local' });
  assert.equal(a.headers, [['Session-Expires', '1800;refresher=uas']], 'no Require: the caller would not understand it');
  assert.equal(accepted(answerSessionTimer(invite(), ACCEPT)), { kind: 'accept', timer: undefined, headers: [] });
  assert.equal(accepted(answerSessionTimer(invite(['Supported: timer']), ACCEPT)).timer, undefined);
});

test('UAS side: the caller chooses the refresher (uac: it refreshes; uas: we do), Require: timer', () => {
  const uac = accepted(answerSessionTimer(invite(['Supported: timer', 'Session-Expires: 1800;refresher=uac']), ORIGINATE));
  assert.equal(uac.timer, { interval: 1800, refresher: 'remote' });
  assert.equal(uac.headers, [
    ['Session-Expires', '1800;refresher=uac'],
    ['Require', 'timer'],
  ]);
  const uas = accepted(answerSessionTimer(invite(['Supported: timer', 'Session-Expires: 1800;refresher=uas']), ORIGINATE));
  assert.equal(uas.timer, { interval: 1800, refresher: 'local' });
  assert.equal(uas.headers, [
    ['Session-Expires', '1800;refresher=uas'],
    ['Require', 'timer'],
  ]);
});

test('UAS side: the caller leaves the refresher to us: our preference; it must be us if it lacks support', () => {
  const req = invite(['Supported: timer', 'Session-Expires: 1200']);
  assert.equal(accepted(answerSessionTimer(req, ORIGINATE)).timer, { interval: 1200, refresher: 'remote' });
  assert.equal(accepted(answerSessionTimer(req, sessionTimerPolicy({ preferRefresher: 'local' }))).timer, { interval: 1200, refresher: 'local' });
  // a proxy put Session-Expires in, and even refresher=uac, but the caller does not support timers
  const proxied = accepted(answerSessionTimer(invite(['Session-Expires: 1200;refresher=uac']), ORIGINATE));
  assert.equal(proxied.timer, { interval: 1200, refresher: 'local' });
  assert.equal(proxied.headers, [['Session-Expires', '1200;refresher=uas']]);
});

test('UAS side: too small an interval from a caller that supports timers: 422 with our Min-SE (§6, §9)', () => {
  const a = answerSessionTimer(invite(['Supported: timer', 'Session-Expires: 60', 'Min-SE: 60']), ORIGINATE);
  assert.is(a.kind, 'reject');
  if (a.kind !== 'reject') return;
  assert.is(a.error.status, 422);
  assert.is(a.error.reason, 'Session Interval Too Small');
  assert.equal(a.error.headers, [['Min-SE', '90']]);
  const strict = answerSessionTimer(invite(['Supported: timer', 'Session-Expires: 200']), sessionTimerPolicy({ minSE: 300 }));
  assert.equal(strict.kind === 'reject' ? strict.error.headers : undefined, [['Min-SE', '300']]);
  // exactly the minimum is fine
  assert.is(answerSessionTimer(invite(['Supported: timer', 'Session-Expires: 90']), ORIGINATE).kind, 'accept');
});

test('UAS side: too small from a caller without support cannot be refused; it is raised to our minimum', () => {
  const a = accepted(answerSessionTimer(invite(['Session-Expires: 60']), sessionTimerPolicy({ minSE: 120 })));
  assert.equal(a.timer, { interval: 120, refresher: 'local' });
});

test('UAS side: Min-SE raises the interval; a long request is lowered to ours (§5, §9)', () => {
  assert.equal(accepted(answerSessionTimer(invite(['Supported: timer', 'Session-Expires: 3600', 'Min-SE: 2000']), ORIGINATE)).timer, { interval: 2000, refresher: 'remote' });
  assert.equal(accepted(answerSessionTimer(invite(['Supported: timer', 'Session-Expires: 7200']), ORIGINATE)).timer, { interval: 1800, refresher: 'remote' });
  assert.equal(accepted(answerSessionTimer(invite(['Min-SE: 2400']), ORIGINATE)).timer, { interval: 2400, refresher: 'local' }, 'no Session-Expires, but a Min-SE above ours');
});

test('UAS side: a refresh re-INVITE without Session-Expires keeps the running timer and refresher', () => {
  const current: NegotiatedTimer = { interval: 600, refresher: 'remote' };
  assert.equal(accepted(answerSessionTimer(invite(['Supported: timer']), ACCEPT, current)).timer, current);
  assert.equal(accepted(answerSessionTimer(invite(), ACCEPT, current)).timer, { interval: 600, refresher: 'local' }, 'without support it cannot refresh');
});

test('refuse mode: timers ignored; a request that requires them gets 420 with Unsupported (RFC 3261 §8.2.2.3)', () => {
  assert.equal(accepted(answerSessionTimer(invite(['Supported: timer', 'Session-Expires: 60']), REFUSE)), { kind: 'accept', timer: undefined, headers: [] });
  const a = answerSessionTimer(invite(['Require: timer', 'Session-Expires: 1800']), REFUSE);
  assert.is(a.kind === 'reject' ? a.error.status : 0, 420);
  assert.equal(a.kind === 'reject' ? a.error.headers : [], [['Unsupported', 'timer']]);
});

test('refresh requests restate the timer from the sender point of view (§7.4)', () => {
  assert.equal(sessionTimerRefreshHeaders({ interval: 1800, refresher: 'local' }), [
    ['Supported', 'timer'],
    ['Session-Expires', '1800;refresher=uac'],
    ['Min-SE', '90'],
  ]);
  assert.equal(sessionTimerRefreshHeaders({ interval: 300, refresher: 'remote' }, 600)[1], ['Session-Expires', '300;refresher=uas']);
  assert.equal(sessionTimerRefreshHeaders({ interval: 300, refresher: 'remote' }, 600)[2], ['Min-SE', '300'], 'Min-SE never above the interval');
  assert.is(refreshFailureEndsSession(408), true);
  assert.is(refreshFailureEndsSession(481), true);
  assert.is(refreshFailureEndsSession(491), false);
  assert.is(refreshFailureEndsSession(501), false);
});

test('when: refresh at half the interval; BYE min(32 s, interval/3) before expiry when the peer refreshes (§10)', () => {
  assert.is(refreshDelayMs({ interval: 1800, refresher: 'local' }), 900_000);
  assert.is(expiryDelayMs({ interval: 1800, refresher: 'remote' }), 1_768_000);
  assert.is(expiryDelayMs({ interval: 90, refresher: 'remote' }), 60_000);
  assert.is(expiryDelayMs({ interval: 1800, refresher: 'local' }), 1_800_000);
});

// ---- the timer on a clock ----

function timerOn(clock: FakeClock) {
  const calls: string[] = [];
  const t = new SessionTimer(clock, { onRefresh: () => calls.push(`refresh@${clock.now() - T0}`), onExpire: () => calls.push(`expire@${clock.now() - T0}`) });
  return { t, calls };
}
const T0 = 1_700_000_000_000;

test('we refresh: onRefresh at half the interval, and a 2xx to it restarts both timers', () => {
  const clock = new FakeClock(T0);
  const { t, calls } = timerOn(clock);
  t.start({ interval: 1800, refresher: 'local' });
  assert.is(t.expiresAt, T0 + 1_800_000);
  clock.advance(899_999);
  assert.equal(calls, []);
  clock.advance(1);
  assert.equal(calls, ['refresh@900000']);
  // the refresh got its 2xx a second later
  clock.advance(1000);
  t.start({ interval: 1800, refresher: 'local' });
  assert.is(t.expiresAt, T0 + 901_000 + 1_800_000);
  clock.advance(900_000);
  assert.equal(calls, ['refresh@900000', 'refresh@1801000']);
  assert.equal(t.current, { interval: 1800, refresher: 'local' });
});

test('we refresh, but the refresh never succeeds: onExpire at the expiry, then the timer is stopped', () => {
  const clock = new FakeClock(T0);
  const { t, calls } = timerOn(clock);
  t.start({ interval: 120, refresher: 'local' });
  clock.advance(200_000);
  assert.equal(calls, ['refresh@60000', 'expire@120000']);
  assert.is(t.current, undefined);
  assert.is(clock.timerCount, 0);
});

test('the peer refreshes: no onRefresh; onExpire min(32, SE/3) s early unless a refresh restarts it', () => {
  const clock = new FakeClock(T0);
  const { t, calls } = timerOn(clock);
  t.start({ interval: 1800, refresher: 'remote' });
  clock.advance(1_000_000);
  t.start({ interval: 1800, refresher: 'remote' }); // the caller's re-INVITE got our 200
  clock.advance(1_767_999);
  assert.equal(calls, []);
  clock.advance(1);
  assert.equal(calls, ['expire@2768000']);
  const short = timerOn(clock);
  short.t.start({ interval: 90, refresher: 'remote' });
  clock.advance(60_000);
  assert.equal(short.calls, [`expire@${2_768_000 + 60_000}`]);
});

test('stop() and start(undefined) clear every timer; the refresher may change at a refresh', () => {
  const clock = new FakeClock(T0);
  const { t, calls } = timerOn(clock);
  t.start({ interval: 600, refresher: 'local' });
  assert.is(clock.timerCount, 2);
  t.start({ interval: 600, refresher: 'remote' });
  assert.is(clock.timerCount, 1);
  t.start(undefined);
  assert.is(clock.timerCount, 0);
  assert.is(t.expiresAt, undefined);
  t.start({ interval: 600, refresher: 'local' });
  t.stop();
  clock.advance(3_600_000);
  assert.equal(calls, []);
});

test('a callback that throws is logged and does not escape into the clock', () => {
  const clock = new FakeClock(T0);
  const logger = memoryLogger();
  const t = new SessionTimer(
    clock,
    {
      onRefresh: () => {
        throw new Error('refresh boom');
      },
      onExpire: () => {
        throw new Error('expire boom');
      },
    },
    logger,
  );
  t.start({ interval: 300, refresher: 'local' });
  clock.advance(300_000);
  assert.is(logger.lines.filter((l) => l.includes('session timer callback threw')).length, 2);
  assert.is(t.current, undefined);
});

test.run();
