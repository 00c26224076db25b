import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatOfAttribute, parseRtcpAttribute, parseRtpmap, rtpmapsOf } from './attributes.js';
import { describeFormat, describeFormats, findCodec, G722, isTelephoneEvent, OPUS, PCMA, PCMU, SUPPORTED_CODECS, TELEPHONE_EVENT } from './codecs.js';
import { parseSdp } from './parse.js';

function media(mLine: string, ...attributes: string[]) {
  const sd = parseSdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', mLine, ...attributes.map((a) => 'a=' + a), ''].join('\r\n'));
  return sd.media[0]!;
}

function codecOf(mLine: string, format: string, ...attributes: string[]) {
  const m = media(mLine, ...attributes);
  const d = describeFormat(format, rtpmapsOf(m));
  return d && findCodec(d, SUPPORTED_CODECS);
}

test('static payload types are known without rtpmap', () => {
  assert.is(codecOf('m=audio 1 RTP/AVP 0 8 9', '0'), PCMU);
  assert.is(codecOf('m=audio 1 RTP/AVP 0 8 9', '8'), PCMA);
  assert.is(codecOf('m=audio 1 RTP/AVP 0 8 9', '9'), G722);
  // Known to RFC 3551 but not relayed here.
  assert.equal(describeFormat('18', new Map()), { format: '18', payloadType: 18, name: 'G729', clockRate: 8000, channels: 1 });
  assert.is(codecOf('m=audio 1 RTP/AVP 18', '18'), undefined);
});

test('dynamic payload types by rtpmap name, whatever its case', () => {
  assert.is(codecOf('m=audio 1 RTP/AVP 111', '111', 'rtpmap:111 OPUS/48000/2'), OPUS);
  assert.is(codecOf('m=audio 1 RTP/AVP 101', '101', 'rtpmap:101 Telephone-Event/8000'), TELEPHONE_EVENT);
  assert.is(codecOf('m=audio 1 RTP/AVP 96', '96', 'rtpmap:96 pcmu/8000'), PCMU);
  // A dynamic payload type without rtpmap is nothing.
  assert.is(codecOf('m=audio 1 RTP/AVP 96', '96'), undefined);
});

test('clock rate and channels must match too', () => {
  assert.is(codecOf('m=audio 1 RTP/AVP 96', '96', 'rtpmap:96 opus/48000'), undefined, 'RFC 7587: opus is always /2');
  assert.is(codecOf('m=audio 1 RTP/AVP 96', '96', 'rtpmap:96 opus/16000/2'), undefined);
  assert.is(codecOf('m=audio 1 RTP/AVP 101', '101', 'rtpmap:101 telephone-event/48000'), undefined);
  assert.is(codecOf('m=audio 1 RTP/AVP 96', '96', 'rtpmap:96 PCMU/8000/2'), undefined, 'stereo PCMU is another codec');
  assert.is(codecOf('m=audio 1 RTP/AVP 0', '0', 'rtpmap:0 PCMU/8000/1'), PCMU);
});

test('an rtpmap overrides the static meaning of its payload type', () => {
  assert.is(codecOf('m=audio 1 RTP/AVP 0', '0', 'rtpmap:0 PCMA/8000'), PCMA);
  assert.is(codecOf('m=audio 1 RTP/AVP 8', '8', 'rtpmap:8 speex/8000'), undefined);
});

test('formats that are no payload type', () => {
  const rtpmaps = new Map();
  for (const f of ['*', '128', '-1', '', 'x', '0x1', '1000', '00000000000000000001']) assert.is(describeFormat(f, rtpmaps), undefined, f);
  assert.is(describeFormat('000', rtpmaps)?.name, 'PCMU');
});

test('describeFormats lists what it can name, in m= line order', () => {
  const m = media('m=audio 1 RTP/AVP 96 0 97 101', 'rtpmap:96 opus/48000/2', 'rtpmap:101 telephone-event/8000');
  assert.equal(
    describeFormats(m).map((d) => `${d.payloadType} ${d.name}/${d.clockRate}/${d.channels}`),
    ['96 opus/48000/2', '0 PCMU/8000/1', '101 telephone-event/8000/1'],
  );
  assert.ok(isTelephoneEvent(TELEPHONE_EVENT));
  assert.not.ok(isTelephoneEvent(PCMU));
});

test('rtpmap: lenient on spaces, refuses nonsense; the first rtpmap of a payload type wins', () => {
  assert.equal(parseRtpmap(' 96  opus/48000/2 '), { payloadType: 96, encoding: 'opus', clockRate: 48000, channels: 2 });
  assert.equal(parseRtpmap('0 PCMU/8000'), { payloadType: 0, encoding: 'PCMU', clockRate: 8000 });
  for (const bad of [undefined, '', '96', '96 opus', '96 opus/', '96 opus/0', '128 opus/48000', 'x opus/48000', '96 opus/48000/2/1', '96 /8000']) {
    assert.is(parseRtpmap(bad), undefined, String(bad));
  }
  const m = media('m=audio 1 RTP/AVP 96', 'rtpmap:96 opus/48000/2', 'rtpmap:96 PCMU/8000');
  assert.is(rtpmapsOf(m).get('96')?.encoding, 'opus');
});

test('per-format attributes name their payload type; others belong to the stream', () => {
  assert.is(formatOfAttribute({ name: 'rtpmap', value: '96 opus/48000/2' }), '96');
  assert.is(formatOfAttribute({ name: 'FMTP', value: '101 0-15' }), '101');
  assert.is(formatOfAttribute({ name: 'rtcp-fb', value: '99 nack pli' }), '99');
  assert.is(formatOfAttribute({ name: 'rtcp-fb', value: '* trr-int 1000' }), undefined);
  assert.is(formatOfAttribute({ name: 'ptime', value: '20' }), undefined);
  assert.is(formatOfAttribute({ name: 'fmtp' }), undefined);
  assert.is(formatOfAttribute({ name: 'fmtp', value: '' }), undefined);
});

test('a=rtcp (RFC 3605)', () => {
  assert.equal(parseRtcpAttribute('7079'), { port: 7079 });
  assert.equal(parseRtcpAttribute('53020 IN IP4 126.16.64.4'), { port: 53020, netType: 'IN', addrType: 'IP4', address: '126.16.64.4' });
  for (const bad of [undefined, '', '0', '65536', 'x', '5000 IN IP4', '5000 IN']) assert.is(parseRtcpAttribute(bad), undefined, String(bad));
});

test.run();
