import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSdp } from '../sdp/parse.js';
import { serializeSdp } from '../sdp/serialize.js';
import { SipError } from '../util/errors.js';
import type { MediaWebrtc } from './ports.js';
import { checkSrtpOffer } from './srtp-legs.js';
import { browserPlain, undressed, WebrtcLegs, WebrtcRefusal } from './webrtc-legs.js';

const FP = 'sha-256 ' + Array.from({ length: 32 }, (_, i) => (i + 16).toString(16).toUpperCase()).join(':');
const ID = { certPem: 'CERT', keyPem: 'KEY', fingerprint: 'sha-256 ' + 'AA:'.repeat(31) + 'AA' };

/** Shaped like Chromium's offer (SIP.js, non-trickle): BUNDLE, mid, ICE, DTLS, extmaps, ssrc, a TCP and an mDNS candidate. */
function chromeOffer(o: { setup?: string; candidates?: string[] } = {}): string {
  const cands = o.candidates ?? [
    'candidate:1 1 udp 2122260223 192.0.2.2 50123 typ host generation 0 network-id 1',
    'candidate:2 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active generation 0',
    'candidate:3 1 udp 2122194687 4f1e6c2a-0000-4000-8000-000000000000.local 50999 typ host generation 0',
  ];
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS stream',
    'm=audio 50123 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 192.0.2.2',
    'a=rtcp:9 IN IP4 0.0.0.0',
    ...cands.map((c) => `a=${c}`),
    'a=ice-ufrag:Brws',
    'a=ice-pwd:browser-ice-password-123456',
    'a=ice-options:trickle',
    `a=fingerprint:${FP}`,
    `a=setup:${o.setup ?? 'actpass'}`,
    'a=mid:0',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=sendrecv',
    'a=msid:stream track',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:126 telephone-event/8000',
    'a=ssrc:1234 cname:x',
    '',
  ].join('\r\n');
}

test("a browser's offer becomes plain RTP/AVP at its UDP candidate; TCP and mDNS candidates are ignored", () => {
  const legs = new WebrtcLegs(ID);
  const plain = legs.takeIn('a', parseSdp(Buffer.from(chromeOffer())));
  const text = serializeSdp(plain);
  assert.match(text, /m=audio 50123 RTP\/AVP 111 63 9 0 8 13 110 126/);
  assert.match(text, /c=IN IP4 192\.0\.2\.2/);
  for (const gone of ['ice-', 'fingerprint', 'setup', 'candidate', 'rtcp-mux', 'a=mid', 'extmap', 'ssrc', 'rtcp:', 'group:BUNDLE', 'rtcp-fb']) assert.not.ok(text.includes(gone), `${gone} is the browser hop's only`);
  assert.match(text, /a=rtpmap:0 PCMU\/8000/);
  let told: MediaWebrtc | null | undefined;
  legs.apply({ setWebrtc: async (_leg: string, w: MediaWebrtc | null) => void (told = w) } as never);
  assert.equal(told!.candidates, ['192.0.2.2'], 'only the UDP IP candidates may check');
  assert.is(told!.remoteUfrag, 'Brws');
  assert.is(told!.remoteFingerprint, FP);
  assert.ok(legs.isBrowser('a'));
});

test('our answer to a browser: ICE-lite, our credentials and fingerprint, setup passive, rtcp-mux, its mid, our one host candidate', () => {
  const legs = new WebrtcLegs(ID);
  const plain = legs.takeIn('a', parseSdp(Buffer.from(chromeOffer())));
  plain.media[0]!.formats = ['0', '126'];
  const text = serializeSdp(legs.decorate('a', plain, 'answer', '127.0.0.1', 20_000));
  assert.match(text, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 126/);
  assert.match(text, /\r\na=ice-lite\r\n/);
  assert.match(text, /a=group:BUNDLE 0/);
  assert.match(text, /a=mid:0/);
  assert.match(text, /a=setup:passive/);
  assert.match(text, /a=rtcp-mux/);
  assert.match(text, new RegExp(`a=fingerprint:${ID.fingerprint}`));
  assert.match(text, /a=candidate:1 1 udp 2130706431 127\.0\.0\.1 20000 typ host/);
  const ufrag = /a=ice-ufrag:(\S+)/.exec(text)![1]!;
  const pwd = /a=ice-pwd:(\S+)/.exec(text)![1]!;
  assert.ok(ufrag.length >= 4 && pwd.length >= 22, 'RFC 8839 §5.4 lengths');
  assert.not.match(text, /Brws/, "the browser's own credentials are not echoed");
});

test('a plain party takes a browser leg (attended transfer): forget stops the dressing and tells the worker; undo restores; our dressed description undressed is plain RTP/AVP', () => {
  const legs = new WebrtcLegs(ID);
  const plain = legs.takeIn('a', parseSdp(Buffer.from(chromeOffer())));
  plain.media[0]!.formats = ['0', '126'];
  const sent: Array<[string, MediaWebrtc | null]> = [];
  const media = { setWebrtc: async (leg: string, w: MediaWebrtc | null) => void sent.push([leg, w]) } as unknown as Parameters<WebrtcLegs['apply']>[0];
  legs.apply(media);
  assert.is(sent.length, 1, 'the browser leg was set up');
  const dressed = legs.decorate('a', plain, 'answer', '127.0.0.1', 20_000);
  const undo = legs.forget('a');
  assert.not.ok(legs.isBrowser('a'));
  assert.is(legs.decorate('a', plain, 'offer', '127.0.0.1', 20_000), plain, 'no longer dressed');
  undo();
  assert.ok(legs.isBrowser('a'), 'undone: still the browser');
  legs.apply(media);
  assert.is(sent.length, 1, 'nothing to tell the worker after an undo');
  legs.forget('a');
  legs.apply(media);
  assert.equal(sent[1], ['a', null], 'the worker drops ICE/DTLS-SRTP on the leg');
  const text = serializeSdp(undressed(dressed));
  assert.match(text, /m=audio \d+ RTP\/AVP 0 126/);
  for (const gone of ['ice-', 'fingerprint', 'setup', 'candidate', 'rtcp-mux', 'group:BUNDLE', 'mid:']) assert.not.match(text, `a=${gone}`);
  const plainPhone = parseSdp(Buffer.from('v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:4001\r\n'));
  assert.is(undressed(plainPhone), plainPhone, 'a plain description is left as it is');
});

test('a description that is not a browser one passes untouched', () => {
  const legs = new WebrtcLegs(ID);
  const sd = parseSdp(Buffer.from('v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'));
  assert.is(legs.takeIn('b', sd), sd);
  assert.is(legs.decorate('b', sd, 'answer', '127.0.0.1', 1), sd);
  assert.not.ok(legs.isBrowser('b'));
});

test('refused: no usable candidate, no fingerprint, a setup that is no DTLS role', () => {
  const legs = new WebrtcLegs(ID);
  assert.throws(() => legs.takeIn('a', parseSdp(Buffer.from(chromeOffer({ candidates: ['candidate:2 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active'] })))), /no UDP candidate/);
  assert.throws(() => legs.takeIn('a', parseSdp(Buffer.from(chromeOffer().replace(/a=fingerprint:[^\r]*\r\n/, '')))), /fingerprint/);
  assert.throws(() => legs.takeIn('a', parseSdp(Buffer.from(chromeOffer({ setup: 'holdconn' })))), (e: unknown) => e instanceof WebrtcRefusal);
  assert.throws(() => browserPlain(parseSdp(Buffer.from(chromeOffer({ setup: 'holdconn' })))), (e: unknown) => e instanceof SipError && e.status === 488);
});

test('RFC 5763 §5: an offer with a=setup:passive is answered active and the worker leg is the DTLS client; actpass and active leave us the server', () => {
  const told: Array<MediaWebrtc | null> = [];
  const media = { setWebrtc: async (_leg: string, w: MediaWebrtc | null) => void told.push(w) } as never;
  const legs = new WebrtcLegs(ID);
  const plain = legs.takeIn('a', parseSdp(Buffer.from(chromeOffer({ setup: 'passive' }))));
  legs.apply(media);
  assert.is(told.at(-1)!.dtlsRole, 'client');
  assert.match(serializeSdp(legs.decorate('a', plain, 'answer', '127.0.0.1', 20_000)), /a=setup:active\r\n/);
  // A re-offer from us while we are the client keeps the role (RFC 8842 §5.5), not actpass.
  assert.match(serializeSdp(legs.decorate('a', plain, 'offer', '127.0.0.1', 20_000)), /a=setup:active\r\n/);
  for (const setup of ['actpass', 'active']) {
    const other = new WebrtcLegs(ID);
    const p = other.takeIn('a', parseSdp(Buffer.from(chromeOffer({ setup }))));
    other.apply(media);
    assert.is(told.at(-1)!.dtlsRole, undefined, `${setup}: we are the server`);
    assert.match(serializeSdp(other.decorate('a', p, 'answer', '127.0.0.1', 20_000)), /a=setup:passive\r\n/);
    assert.match(serializeSdp(other.decorate('a', p, 'offer', '127.0.0.1', 20_000)), /a=setup:actpass\r\n/);
  }
  // A browser answering our actpass offer with passive makes us the client too: the worker is told.
  const answerer = new WebrtcLegs(ID);
  answerer.takeIn('b', parseSdp(Buffer.from(chromeOffer({ setup: 'passive' }))));
  answerer.apply(media);
  assert.is(told.at(-1)!.dtlsRole, 'client');
});

test('forTarget: an offer to a fork over a WebSocket is dressed for a browser (actpass); over UDP it is left alone', () => {
  const legs = new WebrtcLegs(ID);
  const offer = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20002 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n');
  assert.is(legs.forTarget(offer, 'udp'), offer);
  const ws = legs.forTarget(offer, 'ws').toString();
  assert.match(ws, /m=audio 20002 UDP\/TLS\/RTP\/SAVPF 0 8/);
  assert.match(ws, /a=setup:actpass/);
  assert.match(ws, /a=candidate:1 1 udp 2130706431 127\.0\.0\.1 20002 typ host/);
});

test('an SDES policy of required does not refuse a browser: DTLS-SRTP is always encrypted', () => {
  checkSrtpOffer(Buffer.from(chromeOffer()), 'required', 'ws');
  assert.throws(() => checkSrtpOffer(Buffer.from('v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n'), 'required', 'ws'), /488|SRTP|Not Acceptable/);
});

test.run();
