import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../message/parse.js';
import type { SipMessage } from '../message/types.js';
import { formatSessionExpires, hasOptionTag, parseMinSE, parseSessionExpires, readSessionTimerHeaders } from './session-expires.js';

function msg(extra: string[]): SipMessage {
  const text = [
    'INVITE sip:1002@acme.example SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKse1',
    'Max-Forwards: 70',
    'From: <sip:1001@acme.example>;tag=f1',
    'To: <sip:1002@acme.example>',
    'Call-ID: se-1',
    'CSeq: 1 INVITE',
    'Contact: <sip:1001@192.0.2.10>',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(r.error);
  return r.message;
}

test('Session-Expires: delta-seconds, refresher, other params, LWS (RFC 4028 §4)', () => {
  assert.equal(parseSessionExpires('1800'), { interval: 1800 });
  assert.equal(parseSessionExpires('1800;refresher=uac'), { interval: 1800, refresher: 'uac' });
  assert.equal(parseSessionExpires(' 90 ; refresher = UAS ;x=y'), { interval: 90, refresher: 'uas' });
  assert.equal(parseSessionExpires('4294967295'), { interval: 4294967295 });
  assert.equal(parseSessionExpires('600;refresher=proxy'), { interval: 600 }, 'an unknown refresher is ignored');
  for (const bad of ['', 'abc', '-5', '1800 uac', '1800;', '4294967296', '1800;refresher=uac;refresher=uas']) {
    assert.is(parseSessionExpires(bad), undefined, JSON.stringify(bad));
  }
});

test('Min-SE (RFC 4028 §5)', () => {
  assert.is(parseMinSE('90'), 90);
  assert.is(parseMinSE(' 600 ;foo'), 600);
  assert.is(parseMinSE('ninety'), undefined);
  assert.is(parseMinSE('90 90'), undefined);
});

test('format round trips', () => {
  assert.is(formatSessionExpires({ interval: 1800 }), '1800');
  assert.is(formatSessionExpires({ interval: 1800, refresher: 'uas' }), '1800;refresher=uas');
  assert.equal(parseSessionExpires(formatSessionExpires({ interval: 120, refresher: 'uac' })), { interval: 120, refresher: 'uac' });
});

test('reads Supported, Require, Session-Expires (compact x) and Min-SE from a message', () => {
  const m = msg(['k: 100rel, Timer', 'Supported: gruu', 'Require: timer', 'x: 1200;refresher=uac', 'Min-SE: 300']);
  assert.equal(readSessionTimerHeaders(m), { supported: true, required: true, sessionExpires: { interval: 1200, refresher: 'uac' }, minSE: 300 });
  assert.equal(readSessionTimerHeaders(msg(['Supported: timers', 'Session-Expires: soon'])), { supported: false, required: false });
  assert.is(hasOptionTag(msg(['Supported: gruu,,timer']), 'supported', 'timer'), false, 'a malformed list reads as absent');
});

test.run();
