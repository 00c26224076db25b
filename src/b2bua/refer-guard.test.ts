import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../sip/message/parse.js';
import type { SipRequest } from '../sip/message/types.js';
import type { OutboundDecision } from './call-plan.js';
import { checkRefer } from './refer-guard.js';

function refer(referTo: string | undefined): SipRequest {
  const lines = [
    'REFER sip:pbx@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKrefer1',
    'From: <sip:1001@acme.example>;tag=a',
    'To: <sip:pbx@acme.example>;tag=b',
    'Call-ID: refer-1',
    'CSeq: 2 REFER',
    ...(referTo !== undefined ? [`Refer-To: ${referTo}`] : []),
    'Content-Length: 0',
    '',
    '',
  ];
  const r = parseMessage(Buffer.from(lines.join('\r\n')));
  if (!r.ok || r.message.kind !== 'request') throw new Error('fixture');
  return r.message;
}

// A dial plan: 4-digit numbers are extensions; 011… is international; anything else national.
function route(dialled: string, cos: string): OutboundDecision {
  if (/^\d{4}$/.test(dialled)) return { kind: 'internal' };
  const cls = dialled.startsWith('011') ? 'international' : 'national';
  const rank = ['internal', 'local', 'national', 'international', 'premium'];
  if (rank.indexOf(cos) < rank.indexOf(cls)) return { kind: 'refused', status: 403, reason: `class of service ${cos} does not allow ${cls} numbers` };
  return { kind: 'route', trunks: ['carrier'], number: dialled, emergency: false };
}

const nationalExt = { kind: 'extension' as const, ext: '1001', classOfService: 'national' };

test('a transfer to an extension passes, whoever sends it', () => {
  assert.equal(checkRefer(refer('<sip:1002@acme.example>'), nationalExt, route), { ok: true });
  assert.equal(checkRefer(refer('<sip:1002@acme.example>'), { kind: 'trunk' }, route), { ok: true });
});

test('a transfer to a number the extension may dial passes', () => {
  assert.equal(checkRefer(refer('<sip:4155550100@acme.example>'), nationalExt, route), { ok: true });
});

test('a transfer to a number beyond the extension’s class of service is refused with 403', () => {
  const v = checkRefer(refer('<sip:01144207946000@acme.example>'), nationalExt, route);
  assert.is(v.ok, false);
  if (!v.ok) {
    assert.is(v.status, 403);
    assert.match(v.reason, /international/);
  }
  // The same number in tel: form and with visual separators is the same number.
  assert.is(checkRefer(refer('<tel:011-44-20-7946-000>'), nationalExt, route).ok, false);
});

test('a trunk may never transfer to an outside number', () => {
  const v = checkRefer(refer('<sip:4155550100@acme.example>'), { kind: 'trunk' }, route);
  assert.equal(v, { ok: false, status: 403, reason: 'Transfer to an outside number not allowed from a trunk' });
});

test('a missing or broken Refer-To is 400; an unknown scheme is refused', () => {
  assert.is(checkRefer(refer(undefined), nationalExt, route).ok, false);
  const bad = checkRefer(refer('<sip:1002@acme.example'), nationalExt, route);
  assert.is(bad.ok ? 0 : bad.status, 400);
  const mail = checkRefer(refer('<mailto:x@example.com>'), nationalExt, route);
  assert.is(mail.ok ? 0 : mail.status, 403);
});

test.run();
