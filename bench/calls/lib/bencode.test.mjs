import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bdecode, bencode } from './bencode.mjs';

test('encodes an ng offer with sorted keys and decodes it back', () => {
  const dict = { sdp: 'v=0\r\n', command: 'offer', flags: ['trust-address'], 'call-id': 'c1', 'from-tag': 't1', n: 3 };
  const b = bencode(dict);
  assert.is(b.toString(), 'd7:call-id2:c17:command5:offer5:flagsl13:trust-addresse8:from-tag2:t11:ni3e3:sdp5:v=0\r\ne');
  assert.equal(bdecode(b), dict);
});

test('decodes a pong, and refuses truncated or lying input instead of looping', () => {
  assert.equal(bdecode(Buffer.from('d6:result4:ponge')), { result: 'pong' });
  for (const bad of ['d6:result4:pon', '999:abc', 'i12', 'l', 'd3:keye', 'x', 'i1ei2e']) assert.throws(() => bdecode(Buffer.from(bad)), /bdecode/);
  // nesting is bounded
  assert.throws(() => bdecode(Buffer.from('l'.repeat(100) + 'e'.repeat(100))), /too deep/);
});

test.run();
