import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSdp, SDP_LIMITS } from './parse.js';
import { SdpError, type SdpErrorReason } from './sdp-error.js';
import { serializeSdp } from './serialize.js';

const DIR = new URL('./fixtures/', import.meta.url);
/** Fixtures are stored with CRLF; read them so whatever a checkout does to line ends. */
const fixture = (name: string): string => readFileSync(new URL(`${name}.sdp`, DIR), 'utf8').replace(/\r?\n/g, '\r\n');
const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith('.sdp'))
  .map((f) => f.slice(0, -4))
  .sort();

function throwsSdp(input: string | Buffer, reason: SdpErrorReason, line?: number): void {
  try {
    parseSdp(input);
  } catch (err) {
    assert.instance(err, SdpError);
    assert.is((err as SdpError).reason, reason, (err as Error).message);
    if (line !== undefined) assert.is((err as SdpError).line, line, (err as Error).message);
    return;
  }
  assert.unreachable(`parsed: ${JSON.stringify(String(input)).slice(0, 80)}`);
}

test('every fixture survives parse -> serialize byte for byte', () => {
  assert.ok(NAMES.length >= 7);
  for (const name of NAMES) {
    const text = fixture(name);
    assert.is(serializeSdp(parseSdp(text)), text, name);
    assert.is(serializeSdp(parseSdp(Buffer.from(text))), text, `${name} as a Buffer`);
  }
});

test('LF line ends read like CRLF and come back as CRLF', () => {
  for (const name of NAMES) {
    const crlf = fixture(name);
    const lf = crlf.replace(/\r\n/g, '\n');
    assert.equal(parseSdp(lf), parseSdp(crlf), name);
    assert.is(serializeSdp(parseSdp(lf)), crlf, name);
  }
});

test('a linphone offer: session, origin, ICE and rtcp attributes as data', () => {
  const sd = parseSdp(fixture('linphone-offer'));
  assert.is(sd.version, 0);
  assert.equal(sd.origin, { username: 'alice', sessionId: '2109', sessionVersion: '1582', netType: 'IN', addrType: 'IP4', address: '192.168.1.34' });
  assert.is(sd.sessionName, 'Talk');
  assert.equal(sd.connection, { netType: 'IN', addrType: 'IP4', address: '192.168.1.34' });
  assert.equal(sd.timing, [{ start: 0, stop: 0, repeats: [] }]);
  assert.equal(sd.attributes[0], { name: 'ice-pwd', value: 'c3bfa3b9ac9b7bc0f1c1e0c0' });
  assert.equal(sd.attributes[3], { name: 'record', value: 'off' });
  assert.is(sd.media.length, 1);
  const m = sd.media[0]!;
  assert.is(m.type, 'audio');
  assert.is(m.port, 7078);
  assert.is(m.portCount, undefined);
  assert.is(m.proto, 'RTP/AVP');
  assert.equal(m.formats, ['96', '97', '98', '0', '8', '101', '99', '100']);
  assert.is(m.connection, undefined);
  assert.equal(m.attributes[0], { name: 'rtpmap', value: '96 opus/48000/2' });
  assert.is(m.attributes.filter((a) => a.name === 'candidate').length, 4);
  assert.equal(m.attributes.at(-1), { name: 'rtcp-fb', value: '* ccm tmmbr' });
});

test('IPv6 connection and origin', () => {
  const sd = parseSdp(fixture('ipv6'));
  assert.equal(sd.connection, { netType: 'IN', addrType: 'IP6', address: '2001:db8::2' });
  assert.is(sd.origin.addrType, 'IP6');
  assert.is(sd.origin.address, '2001:db8::2');
  assert.equal(sd.media[0]!.attributes.at(-1), { name: 'sendrecv' });
});

test('several m= sections, bandwidth, a non-RTP format and an unknown line type', () => {
  const sd = parseSdp(fixture('video-phone'));
  assert.equal(
    sd.media.map((m) => [m.type, m.port, m.proto, m.formats]),
    [
      ['audio', 11780, 'RTP/AVP', ['9', '0', '8', '101']],
      ['video', 11782, 'RTP/AVP', ['99', '97']],
      ['application', 5070, 'UDP/BFCP', ['*']],
    ],
  );
  assert.equal(sd.bandwidths, [{ type: 'AS', value: 2048 }]);
  assert.equal(sd.media[1]!.bandwidths, [{ type: 'TIAS', value: 2048000 }]);
  assert.equal(sd.media[2]!.other, [{ type: 'y', value: '0123456789' }]);
});

test('i u e p r z k lines, two t=, a port count and a media-level IPv6 c=', () => {
  const sd = parseSdp(fixture('rfc8866-full'));
  assert.equal(
    sd.other.map((l) => l.type),
    ['i', 'u', 'e', 'p', 'z', 'k'],
  );
  assert.equal(sd.timing, [
    { start: 3724394400, stop: 3724398000, repeats: ['7d 1h 0 25h'] },
    { start: 3724480800, stop: 3724484400, repeats: [] },
  ]);
  assert.equal(sd.media[0]!.other, [{ type: 'i', value: 'main audio' }]);
  assert.is(sd.media[1]!.port, 49180);
  assert.is(sd.media[1]!.portCount, 2);
  assert.equal(sd.media[2]!.connection, { netType: 'IN', addrType: 'IP6', address: '2001:db8::2' });
  assert.equal(sd.media[2]!.other, [{ type: 'k', value: 'prompt' }]);
});

test('attributes keep their exact text: empty value, spaces, colons in the value', () => {
  const text = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\na=msid-semantic: WMS\r\na=x:\r\na=y:a:b:c \r\nm=audio 1000 RTP/AVP 0\r\n';
  const sd = parseSdp(text);
  assert.equal(sd.attributes, [
    { name: 'msid-semantic', value: ' WMS' },
    { name: 'x', value: '' },
    { name: 'y', value: 'a:b:c ' },
  ]);
  assert.is(serializeSdp(sd), text);
});

test('lenient: blank lines, runs of spaces, session lines out of order, no s= and no t=', () => {
  const sd = parseSdp('\r\nv=0\r\n\r\na=sendonly\r\nc=IN  IP4\t192.0.2.1\r\no=-  1 2 IN IP4 192.0.2.1 \r\n  \r\nm=audio  5004 RTP/AVP 0  8 \r\n\r\n');
  assert.is(sd.sessionName, '-');
  assert.equal(sd.timing, []);
  assert.equal(sd.connection, { netType: 'IN', addrType: 'IP4', address: '192.0.2.1' });
  assert.equal(sd.media[0]!.formats, ['0', '8']);
  // Written back in grammar order, with the lines the grammar requires.
  assert.is(serializeSdp(sd), 'v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendonly\r\nm=audio 5004 RTP/AVP 0 8\r\n');
});

test('an m= line with port 0 and no format is read (a rejected stream)', () => {
  const sd = parseSdp('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP\r\n');
  assert.equal(sd.media[0]!.formats, []);
  assert.is(sd.media[0]!.port, 0);
});

test('errors name the reason and the line', () => {
  const head = 'v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n';
  throwsSdp('', 'bad-version');
  throwsSdp('\r\n\r\n', 'bad-version');
  throwsSdp('o=- 1 1 IN IP4 192.0.2.1\nv=0\n', 'bad-version', 1);
  throwsSdp('v=1\no=- 1 1 IN IP4 192.0.2.1\n', 'bad-version', 1);
  throwsSdp('v=0\ns=-\nm=audio 1 RTP/AVP 0\n', 'missing-line');
  throwsSdp(head + 'v=0\n', 'duplicate-line', 5);
  throwsSdp(head + 'o=- 1 1 IN IP4 192.0.2.1\n', 'duplicate-line', 5);
  throwsSdp(head + 's=again\n', 'duplicate-line', 5);
  throwsSdp(head + 'c=IN IP4 192.0.2.1\nc=IN IP4 192.0.2.2\n', 'duplicate-line', 6);
  throwsSdp(head + 'm=audio 1 RTP/AVP 0\nc=IN IP4 192.0.2.1\nc=IN IP4 192.0.2.2\n', 'duplicate-line', 7);
  throwsSdp(head + 'm=audio 1 RTP/AVP 0\nt=0 0\n', 'bad-line', 6);
  throwsSdp('v=0\no=- 1 1 IN IP4\n', 'bad-origin', 2);
  throwsSdp(head + 'c=IN IP4\n', 'bad-connection', 5);
  throwsSdp(head + 'b=AS\n', 'bad-bandwidth', 5);
  throwsSdp(head + 'b=AS:-5\n', 'bad-bandwidth', 5);
  throwsSdp(head + 't=now later\n', 'bad-timing', 5);
  throwsSdp('v=0\no=- 1 1 IN IP4 192.0.2.1\nr=7d 1h 0\n', 'bad-timing', 3);
  throwsSdp(head + 'a=\n', 'bad-attribute', 5);
  throwsSdp(head + 'a=:x\n', 'bad-attribute', 5);
  throwsSdp(head + 'hello\n', 'bad-line', 5);
  throwsSdp(head + 'A=b\n', 'bad-line', 5);
  throwsSdp(head + 'a = b\n', 'bad-line', 5);
  throwsSdp(head + 'a=x\0y\n', 'bad-line', 5);
  throwsSdp(head + 'a=x\ry\r\n', 'bad-line', 5);
});

test('m= lines: bad ports, counts and missing fields', () => {
  const head = 'v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n';
  for (const m of ['m=audio 65536 RTP/AVP 0', 'm=audio -1 RTP/AVP 0', 'm=audio x RTP/AVP 0', 'm=audio 1e3 RTP/AVP 0', 'm=audio 99999999999999999999 RTP/AVP 0', 'm=audio 5004/0 RTP/AVP 0', 'm=audio 5004/2/3 RTP/AVP 0', 'm=audio 5004/ RTP/AVP 0', 'm=audio 5004', 'm=']) {
    throwsSdp(head + m + '\n', 'bad-media', 5);
  }
  assert.is(parseSdp(head + 'm=audio 65535 RTP/AVP 0\n').media[0]!.port, 65535);
});

test('bounds: size, lines, line length, media sections, attributes, formats', () => {
  const head = 'v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n';
  throwsSdp(head + 'a=x:' + 'y'.repeat(SDP_LIMITS.maxBytes) + '\n', 'too-large');
  throwsSdp(Buffer.alloc(SDP_LIMITS.maxBytes + 1, 0x61), 'too-large');
  throwsSdp(head + '\n'.repeat(SDP_LIMITS.maxLines), 'too-large');
  throwsSdp(head + 'a=x:' + 'y'.repeat(SDP_LIMITS.maxLineLength) + '\n', 'too-large', 5);
  throwsSdp(head + 'm=audio 1 RTP/AVP 0\n'.repeat(SDP_LIMITS.maxMedia + 1), 'too-large', 5 + SDP_LIMITS.maxMedia);
  throwsSdp(head + 'a=x\n'.repeat(SDP_LIMITS.maxAttributes + 1), 'too-large', 5 + SDP_LIMITS.maxAttributes);
  throwsSdp(head + 'm=audio 1 RTP/AVP 0\n' + 'a=x\n'.repeat(SDP_LIMITS.maxAttributes + 1), 'too-large');
  throwsSdp(head + 'm=audio 1 RTP/AVP' + ' 0'.repeat(SDP_LIMITS.maxFormats + 1) + '\n', 'too-large', 5);
  // Right at the limits it still reads.
  assert.is(parseSdp(head + 'm=audio 1 RTP/AVP 0\n'.repeat(SDP_LIMITS.maxMedia)).media.length, SDP_LIMITS.maxMedia);
  assert.is(parseSdp(head + 'm=audio 1 RTP/AVP' + ' 0'.repeat(SDP_LIMITS.maxFormats) + '\n').media[0]!.formats.length, SDP_LIMITS.maxFormats);
});

test('not text at all', () => {
  throwsSdp(undefined as unknown as string, 'not-text');
  throwsSdp(42 as unknown as string, 'not-text');
  throwsSdp({ length: 3 } as unknown as string, 'not-text');
});

test.run();
