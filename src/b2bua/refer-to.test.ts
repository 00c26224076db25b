import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipRequest } from '../sip/message/types.js';
import { parseReferTo, parseReplaces } from './refer-to.js';

const refer = (...values: string[]): SipRequest => ({ kind: 'request', method: 'REFER', uri: 'sip:x@acme.example', headers: values.map((value) => ({ name: 'refer-to', value })), body: Buffer.alloc(0) });

test('a sip: Refer-To gives its user and host', () => {
  assert.equal(parseReferTo(refer('<sip:1002@acme.example>')), { ok: true, scheme: 'sip', user: '1002', host: 'acme.example' });
  assert.equal(parseReferTo(refer('sip:+14155550177@acme.example;user=phone')), { ok: true, scheme: 'sip', user: '+14155550177', host: 'acme.example' });
});

test('a tel: Refer-To gives the number without visual separators', () => {
  assert.equal(parseReferTo(refer('<tel:+44-20-7946-0123>')), { ok: true, scheme: 'tel', user: '+442079460123', host: undefined });
});

test('Replaces inside the Refer-To URI (RFC 3891 §3), escaped', () => {
  const r = parseReferTo(refer('<sip:1003@acme.example?Replaces=abc%40host%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>'));
  assert.equal(r, { ok: true, scheme: 'sip', user: '1003', host: 'acme.example', replaces: { callId: 'abc@host', toTag: 't1', fromTag: 'f1', earlyOnly: false } });
});

test('refusals: none 400, two 400, garbage 400, another scheme 403, a bad user 400, a bad Replaces 400', () => {
  const status = (req: SipRequest) => {
    const r = parseReferTo(req);
    return r.ok ? 0 : r.status;
  };
  assert.is(status(refer()), 400);
  assert.is(status(refer('<sip:1@acme.example>', '<sip:2@acme.example>')), 400);
  assert.is(status(refer('<sip:1@acme.example')), 400);
  assert.is(status(refer('<mailto:a@b.example>')), 403);
  assert.is(status(refer('<http://evil.example/>')), 403);
  assert.is(status(refer('<sip:a%00b@acme.example>')), 400);
  assert.is(status(refer('<tel:not-a-number>')), 400);
  assert.is(status(refer('<sip:1003@acme.example?Replaces=abc%3Bto-tag%3Dt1>')), 400);
});

test('parseReplaces needs a Call-ID, one to-tag and one from-tag', () => {
  assert.equal(parseReplaces('id;to-tag=a;from-tag=b;early-only'), { callId: 'id', toTag: 'a', fromTag: 'b', earlyOnly: true });
  assert.is(parseReplaces(';to-tag=a;from-tag=b'), undefined);
  assert.is(parseReplaces('id;to-tag=a;to-tag=c;from-tag=b'), undefined);
  assert.is(parseReplaces('id;from-tag=b'), undefined);
});

test.run();
