import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerOffer } from './conference-answer.js';

const offer = (dir: string) => Buffer.from(['v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=-', 'c=IN IP4 10.0.0.5', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', `a=${dir}`, ''].join('\r\n'));
const LOCAL = { address: '192.0.2.10', rtpPort: 30000 };

test('the PBX answering an offer itself (room, application) keeps RFC 3264 §6.1: sendonly → recvonly, recvonly → sendonly, inactive → inactive', () => {
  for (const [offered, answered] of [['sendrecv', 'sendrecv'], ['sendonly', 'recvonly'], ['recvonly', 'sendonly'], ['inactive', 'inactive']]) {
    const a = answerOffer(offer(offered!), LOCAL, 'c1', '10.0.0.5');
    assert.ok(a, `${offered} is answered`);
    assert.equal(a!.body.toString().match(/^a=(sendrecv|sendonly|recvonly|inactive)\r$/gm), [`a=${answered}\r`], `${offered} → ${answered}`);
  }
});

test.run();
