import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bandwidthFor, OPUS_DEFAULT_BITRATE, opusEncoderConfigFor } from './opus-encoder-config.js';
import { formatOpusFmtp, OPUS_FMTP_DEFAULTS, parseOpusFmtp } from './opus-fmtp.js';
import { opusPacketInfo } from './opus-toc.js';

const defaults = () => ({ ...OPUS_FMTP_DEFAULTS, ignored: [] as string[] });

test('empty and absent fmtp give the RFC 7587 §6.1 defaults', () => {
  assert.equal(parseOpusFmtp(''), defaults());
  assert.equal(parseOpusFmtp(undefined), defaults());
  assert.equal(parseOpusFmtp(null), defaults());
  assert.equal(parseOpusFmtp(42), defaults());
  assert.is(OPUS_FMTP_DEFAULTS.stereo, false);
  assert.is(OPUS_FMTP_DEFAULTS.maxplaybackrate, 48000);
});

test('what real phones send', () => {
  const linphone = parseOpusFmtp('useinbandfec=1');
  assert.is(linphone.useinbandfec, true);
  assert.equal(linphone.ignored, []);
  const chrome = parseOpusFmtp('minptime=10;useinbandfec=1');
  assert.is(chrome.minptime, 10);
  assert.is(chrome.useinbandfec, true);
  const full = parseOpusFmtp('maxplaybackrate=16000; sprop-maxcapturerate=16000; maxaveragebitrate=20000; stereo=1; sprop-stereo=0; cbr=1; useinbandfec=0; usedtx=1');
  assert.equal(full, {
    maxplaybackrate: 16000,
    spropMaxcapturerate: 16000,
    maxaveragebitrate: 20000,
    stereo: true,
    spropStereo: false,
    cbr: true,
    useinbandfec: false,
    usedtx: true,
    minptime: undefined,
    ignored: [],
  });
  assert.is(parseOpusFmtp('USEINBANDFEC=1;Stereo=0').useinbandfec, true, 'names are case-insensitive');
});

test('out of range values keep the defaults and are named', () => {
  const p = parseOpusFmtp('maxplaybackrate=96000;maxaveragebitrate=5999;sprop-maxcapturerate=7999;minptime=0');
  assert.is(p.maxplaybackrate, 48000);
  assert.is(p.maxaveragebitrate, undefined, 'RFC 7587: values outside 6000..510000 SHOULD be ignored');
  assert.is(p.spropMaxcapturerate, 48000);
  assert.is(p.minptime, undefined);
  assert.equal(p.ignored, ['maxplaybackrate=96000', 'maxaveragebitrate=5999', 'sprop-maxcapturerate=7999', 'minptime=0']);
  assert.is(parseOpusFmtp('maxaveragebitrate=510001').maxaveragebitrate, undefined);
  assert.is(parseOpusFmtp('maxaveragebitrate=510000').maxaveragebitrate, 510000);
  assert.is(parseOpusFmtp('maxaveragebitrate=6000').maxaveragebitrate, 6000);
});

test('garbage never throws: malformed numbers, flags, names, repeats, control bytes, huge input', () => {
  const hostile = [
    'maxaveragebitrate=-20000',
    'maxaveragebitrate=2e4',
    'maxaveragebitrate=20000.5',
    'maxaveragebitrate=0x5000',
    'maxaveragebitrate=99999999999999999999',
    'maxaveragebitrate=',
    'maxaveragebitrate',
    'useinbandfec=yes',
    'useinbandfec=2',
    'useinbandfec=',
    'stereo=true',
    '=1',
    ';;;;',
    '\u0000\u0001useinbandfec=1\u00ff',
    '__proto__=1;constructor=1;toString=1',
    'useinbandfec=1'.repeat(10000),
    'a=b;'.repeat(5000),
  ];
  for (const text of hostile) {
    const p = parseOpusFmtp(text);
    assert.is(p.useinbandfec, false, text.slice(0, 40));
    assert.is(p.maxaveragebitrate, undefined, text.slice(0, 40));
    assert.is(p.stereo, false);
    assert.ok(p.ignored.length <= 34, 'the ignored list is bounded (32 parameters and two notes)');
    for (const s of p.ignored) assert.ok(s.length <= 65 && /^[\x20-\x7e…]*$/.test(s), `printable: ${JSON.stringify(s)}`);
    assert.is(Object.getPrototypeOf(p), Object.prototype);
  }
});

test('a repeated parameter keeps its first value', () => {
  const p = parseOpusFmtp('useinbandfec=1;useinbandfec=0');
  assert.is(p.useinbandfec, true);
  assert.equal(p.ignored, ['useinbandfec=0']);
});

test('the encoder follows the peer: bitrate cap, bandwidth, FEC, CBR; mono always', () => {
  const plain = opusEncoderConfigFor(parseOpusFmtp(''));
  assert.equal(plain, { bitrate: OPUS_DEFAULT_BITRATE, maxBandwidth: 'fb', inbandFec: false, packetLossPercent: 0, cbr: false, frameMs: 20 });
  const peer = opusEncoderConfigFor(parseOpusFmtp('maxaveragebitrate=16000;maxplaybackrate=16000;useinbandfec=1;cbr=1;stereo=1'));
  assert.is(peer.bitrate, 16000);
  assert.is(peer.maxBandwidth, 'wb');
  assert.is(peer.inbandFec, true);
  assert.ok(peer.packetLossPercent > 0, 'FEC needs an expected loss to be used');
  assert.is(peer.cbr, true);
  assert.not.ok('channels' in peer && (peer as { channels?: number }).channels !== 1);
  assert.is(opusEncoderConfigFor(parseOpusFmtp('maxaveragebitrate=510000')).bitrate, OPUS_DEFAULT_BITRATE, 'a cap above our target does not raise it');
  assert.is(bandwidthFor(8000), 'nb');
  assert.is(bandwidthFor(12000), 'mb');
  assert.is(bandwidthFor(24000), 'swb');
  assert.is(bandwidthFor(44100), 'swb');
  assert.is(bandwidthFor(48000), 'fb');
});

test('ptime / maxptime / minptime choose the frame duration; absurd values fall back to 20 ms', () => {
  const f = (sdp: { ptime?: number; maxptime?: number }, fmtp = '') => opusEncoderConfigFor(parseOpusFmtp(fmtp), sdp).frameMs;
  assert.is(f({}), 20);
  assert.is(f({ ptime: 20 }), 20);
  assert.is(f({ ptime: 40 }), 40);
  assert.is(f({ ptime: 30 }), 20, 'the largest supported duration not above ptime');
  assert.is(f({ ptime: 60, maxptime: 40 }), 40);
  assert.is(f({ ptime: 5 }, 'minptime=10'), 10);
  assert.is(f({ ptime: 10 }), 10);
  for (const bad of [0, -20, NaN, Infinity, 1e9]) assert.is(f({ ptime: bad }), 20, String(bad));
  assert.is(f({ maxptime: 5 }, 'minptime=60'), 20, 'contradictory limits: 20 ms');
});

test('formatOpusFmtp writes what we receive', () => {
  assert.is(formatOpusFmtp({}), 'stereo=0');
  assert.is(formatOpusFmtp({ minptime: 10, useinbandfec: true, maxaveragebitrate: 40000 }), 'minptime=10;useinbandfec=1;maxaveragebitrate=40000;stereo=0');
  assert.equal(parseOpusFmtp(formatOpusFmtp({ useinbandfec: true, maxaveragebitrate: 40000 })).ignored, []);
});

test('the TOC byte (RFC 6716 §3.1-3.2): mode, bandwidth, duration, frame count; impossible framing refused', () => {
  assert.equal(opusPacketInfo(Uint8Array.of(0xf8)), { mode: 'celt', bandwidth: 'fb', frameSamples: 960, frames: 1, stereo: false });
  assert.equal(opusPacketInfo(Uint8Array.of(0x08, 0)), { mode: 'silk', bandwidth: 'nb', frameSamples: 960, frames: 1, stereo: false });
  assert.equal(opusPacketInfo(Uint8Array.of(0x7c | 1)), { mode: 'hybrid', bandwidth: 'fb', frameSamples: 960, frames: 2, stereo: true });
  assert.equal(opusPacketInfo(Uint8Array.of(0x4b, 0x03)), { mode: 'silk', bandwidth: 'wb', frameSamples: 960, frames: 3, stereo: false });
  assert.is(opusPacketInfo(new Uint8Array(0)), undefined, 'empty');
  assert.is(opusPacketInfo(Uint8Array.of(0x03)), undefined, 'code 3 without its count byte');
  assert.is(opusPacketInfo(Uint8Array.of(0x03, 0x00)), undefined, 'zero frames');
  assert.is(opusPacketInfo(Uint8Array.of(0x1b, 0x03)), undefined, '3 × 60 ms is over 120 ms');
  assert.equal(opusPacketInfo(Uint8Array.of(0x1b, 0x02))?.frames, 2, '2 × 60 ms = 120 ms is allowed');
});

test.run();
