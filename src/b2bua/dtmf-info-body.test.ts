import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dtmfRelayBody, isDtmfInfoType, parseDtmfInfo } from './dtmf-info-body.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const RELAY = 'application/dtmf-relay';

test('dtmf-relay: Signal and Duration', () => {
  assert.equal(parseDtmfInfo(RELAY, undefined, b('Signal=5\r\nDuration=160\r\n')), { kind: 'digit', digit: '5', durationMs: 160, format: 'dtmf-relay' });
  assert.equal(parseDtmfInfo('Application/DTMF-Relay; charset=us-ascii', undefined, b('signal = #\nduration= 90')), { kind: 'digit', digit: '#', durationMs: 90, format: 'dtmf-relay' });
});

test('dtmf-relay: every key, lower-case letters, event codes for * # A-D', () => {
  for (const k of '0123456789*#ABCD') {
    const r = parseDtmfInfo(RELAY, undefined, b(`Signal=${k}\r\nDuration=100`));
    assert.equal(r.kind === 'digit' && r.digit, k);
  }
  const lower = parseDtmfInfo(RELAY, undefined, b('Signal=c'));
  assert.equal(lower.kind === 'digit' && lower.digit, 'C');
  const star = parseDtmfInfo(RELAY, undefined, b('Signal=10'));
  assert.equal(star.kind === 'digit' && star.digit, '*');
  const hash = parseDtmfInfo(RELAY, undefined, b('Signal=11'));
  assert.equal(hash.kind === 'digit' && hash.digit, '#');
});

test('dtmf-relay: no Duration takes the default; other lines are ignored', () => {
  assert.equal(parseDtmfInfo(RELAY, undefined, b('Signal=1\r\nVolume=10\r\n')), { kind: 'digit', digit: '1', durationMs: 250, format: 'dtmf-relay' });
});

test('application/dtmf: the key alone', () => {
  assert.equal(parseDtmfInfo('application/dtmf', undefined, b('5')), { kind: 'digit', digit: '5', durationMs: 250, format: 'dtmf' });
  assert.equal(parseDtmfInfo('application/dtmf', undefined, b(' *\r\n')), { kind: 'digit', digit: '*', durationMs: 250, format: 'dtmf' });
  assert.equal(parseDtmfInfo('application/dtmf', undefined, b('11')), { kind: 'digit', digit: '#', durationMs: 250, format: 'dtmf' });
});

test('other INFO bodies are not DTMF (left to the relay)', () => {
  assert.equal(parseDtmfInfo('application/media_control+xml', undefined, b('<x/>')), { kind: 'not-dtmf' });
  assert.equal(parseDtmfInfo(undefined, undefined, b('')), { kind: 'not-dtmf' });
  assert.is(isDtmfInfoType('application/dtmf-relay;x=y'), true);
  assert.is(isDtmfInfoType('text/plain'), false);
});

test('hostile bodies are refused with 400, never a throw', () => {
  const bad = [
    '',
    'Signal=',
    'Signal=55',
    'Signal=E',
    'Signal=!',
    'Signal=16',
    'Signal=-1',
    'Duration=100',
    'Signal=1\r\nSignal=2',
    'Signal=1\r\nDuration=0',
    'Signal=1\r\nDuration=-5',
    'Signal=1\r\nDuration=1e9',
    'Signal=1\r\nDuration=99999999999999999999',
    'Signal=1\r\nDuration=10001',
    'Signal=1\r\nDuration=abc',
    'Signal=1\r\nDuration=1\r\nDuration=2',
    'Signal 1',
    '=1',
    'Signal=1\0',
    'Signal=\u00e9',
    'x'.repeat(300),
    `Signal=1\r\n${'Pad=x\r\n'.repeat(60)}`,
  ];
  for (const body of bad) {
    const r = parseDtmfInfo(RELAY, undefined, b(body));
    assert.is(r.kind, 'refuse', JSON.stringify(body));
    assert.is(r.kind === 'refuse' && r.status, 400, JSON.stringify(body));
  }
  for (const body of ['', '16', '99', 'x', '5 5', '\u0000']) {
    const r = parseDtmfInfo('application/dtmf', undefined, b(body));
    assert.is(r.kind === 'refuse' && r.status, 400, JSON.stringify(body));
  }
  const bin = parseDtmfInfo(RELAY, undefined, Uint8Array.from([0xff, 0xfe, 0x53, 0x00]));
  assert.is(bin.kind === 'refuse' && bin.status, 400);
});

test('a Content-Encoding gets 415', () => {
  const r = parseDtmfInfo(RELAY, 'gzip', b('Signal=1'));
  assert.equal(r, { kind: 'refuse', status: 415, reason: 'Unsupported Media Type' });
  assert.is(parseDtmfInfo(RELAY, 'identity', b('Signal=1')).kind, 'digit');
});

test('the body sent to an INFO-only phone reads back', () => {
  const body = dtmfRelayBody('#', 160.4);
  assert.is(body.toString(), 'Signal=#\r\nDuration=160\r\n');
  assert.equal(parseDtmfInfo(RELAY, undefined, body), { kind: 'digit', digit: '#', durationMs: 160, format: 'dtmf-relay' });
});

test.run();
