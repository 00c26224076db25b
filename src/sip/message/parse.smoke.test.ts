import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from './parse.js';
test('parses a REGISTER', () => {
  const r = parseMessage(Buffer.from('REGISTER sip:acme.example SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\nFrom: <sip:1001@acme.example>;tag=1\r\nTo: <sip:1001@acme.example>\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n'));
  assert.ok(r.ok);
});
test.run();
