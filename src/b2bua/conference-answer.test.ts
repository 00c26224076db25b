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

const chromium = Buffer.from(['v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=-', 'c=IN IP4 10.0.0.5', 't=0 0', 'm=audio 4000 RTP/AVP 111 63 9 0 8 110 126', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:63 red/48000/2', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:110 telephone-event/48000', 'a=rtpmap:126 telephone-event/8000', ''].join('\r\n'));

test('a room takes Opus when offered first (a browser): opus/48000/2, its fmtp for our encoder, telephone-event at 48 kHz', () => {
  const a = answerOffer(chromium, LOCAL, 'c1', '10.0.0.5', { opus: true })!;
  assert.equal(a.codec, { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', telephoneEvent: 110 });
  const text = a.body.toString();
  assert.match(text, /m=audio 30000 RTP\/AVP 111 110\r\n/);
  assert.match(text, /a=rtpmap:111 opus\/48000\/2\r\n/);
  assert.match(text, /a=rtpmap:110 telephone-event\/48000\r\n/);
  assert.equal(a.remote.payloadClocks, [[111, 48000], [110, 0]]);
});

test('an application leg (no opus option) answers the same offer with the first G.711/G.722 codec and telephone-event/8000', () => {
  const a = answerOffer(chromium, LOCAL, 'c1', '10.0.0.5')!;
  assert.equal(a.codec, { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1, telephoneEvent: 126 });
  assert.match(a.body.toString(), /a=rtpmap:126 telephone-event\/8000\r\n/);
});

test.run();
