import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSdp } from './parse.js';
import { SdpError } from './sdp-error.js';
import { serializeSdp } from './serialize.js';
import type { SessionDescription } from './types.js';

function minimal(): SessionDescription {
  return {
    version: 0,
    origin: { username: '-', sessionId: '1', sessionVersion: '1', netType: 'IN', addrType: 'IP4', address: '192.0.2.1' },
    sessionName: '-',
    connection: { netType: 'IN', addrType: 'IP4', address: '192.0.2.1' },
    bandwidths: [],
    timing: [],
    attributes: [],
    media: [{ type: 'audio', port: 5004, proto: 'RTP/AVP', formats: ['0'], bandwidths: [], attributes: [{ name: 'rtpmap', value: '0 PCMU/8000' }], other: [] }],
    other: [],
  };
}

function throwsBadArgument(sd: SessionDescription): void {
  try {
    serializeSdp(sd);
  } catch (err) {
    assert.instance(err, SdpError);
    assert.is((err as SdpError).reason, 'bad-argument');
    return;
  }
  assert.unreachable('serialized');
}

test('built from data: grammar order, t=0 0 when there is no timing, CRLF after every line', () => {
  assert.is(serializeSdp(minimal()), 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n');
});

test('kept lines go to their place in the grammar whatever order they were added in', () => {
  const sd = minimal();
  sd.other = [
    { type: 'x', value: 'unknown' },
    { type: 'k', value: 'prompt' },
    { type: 'e', value: 'a@example.com' },
    { type: 'i', value: 'info' },
  ];
  sd.attributes = [{ name: 'recvonly' }];
  sd.media[0]!.other = [
    { type: 'y', value: '1' },
    { type: 'k', value: 'clear:x' },
    { type: 'i', value: 'voice' },
  ];
  sd.media[0]!.bandwidths = [{ type: 'AS', value: 64 }];
  const lines = serializeSdp(sd).split('\r\n');
  assert.equal(lines, [
    'v=0',
    'o=- 1 1 IN IP4 192.0.2.1',
    's=-',
    'e=a@example.com',
    'i=info',
    'c=IN IP4 192.0.2.1',
    't=0 0',
    'k=prompt',
    'a=recvonly',
    'x=unknown',
    'm=audio 5004 RTP/AVP 0',
    'i=voice',
    'b=AS:64',
    'k=clear:x',
    'a=rtpmap:0 PCMU/8000',
    'y=1',
    '',
  ]);
  // and that text reads back to the same lines in the same places
  assert.is(serializeSdp(parseSdp(lines.join('\r\n'))), lines.join('\r\n'));
});

test('nothing from a field can start a new line', () => {
  const cases: Array<(sd: SessionDescription) => void> = [
    (sd) => (sd.sessionName = 'x\r\na=injected'),
    (sd) => (sd.origin.username = 'x\ny'),
    (sd) => (sd.connection!.address = '192.0.2.1\r\nm=video 1 RTP/AVP 0'),
    (sd) => (sd.media[0]!.attributes[0]!.value = '0 PCMU/8000\r\na=x'),
    (sd) => (sd.media[0]!.attributes[0]!.name = 'rtp\nmap'),
    (sd) => (sd.media[0]!.formats.push('8\n')),
    (sd) => (sd.media[0]!.proto = 'RTP/AVP\0'),
    (sd) => sd.other.push({ type: 'i', value: 'a\rb' }),
    (sd) => sd.other.push({ type: 'ab', value: 'x' }),
    (sd) => sd.other.push({ type: '\n', value: 'x' }),
  ];
  for (const change of cases) {
    const sd = minimal();
    change(sd);
    throwsBadArgument(sd);
  }
});

test('numbers out of range are refused', () => {
  const cases: Array<(sd: SessionDescription) => void> = [
    (sd) => (sd.media[0]!.port = 65536),
    (sd) => (sd.media[0]!.port = -1),
    (sd) => (sd.media[0]!.port = 1.5),
    (sd) => (sd.media[0]!.portCount = Number.NaN),
    (sd) => (sd.bandwidths = [{ type: 'AS', value: -1 }]),
    (sd) => (sd.timing = [{ start: Infinity, stop: 0, repeats: [] }]),
  ];
  for (const change of cases) {
    const sd = minimal();
    change(sd);
    throwsBadArgument(sd);
  }
});

test.run();
