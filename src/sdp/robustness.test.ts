/**
 * Hostile input: garbage, huge and broken descriptions, and thousands of deterministic
 * mutations of the fixtures (seeded PRNG) through everything in this folder. Nothing may
 * throw anything but SdpError; whatever parses must serialize, and its text must be a
 * fixed point of parse -> serialize.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { direction, isHold } from './direction.js';
import { mediaEndpoint } from './endpoint.js';
import { checkAnswer, filterOffer } from './offer-answer.js';
import { SdpOrigin } from './origin.js';
import { parseSdp, SDP_LIMITS } from './parse.js';
import { rewriteConnection } from './rewrite.js';
import { SdpError, type SdpErrorReason } from './sdp-error.js';
import { serializeSdp } from './serialize.js';
import type { SessionDescription } from './types.js';

const DIR = new URL('./fixtures/', import.meta.url);
const FIXTURES = readdirSync(DIR)
  .filter((f) => f.endsWith('.sdp'))
  .sort()
  .map((f) => readFileSync(new URL(f, DIR)));
// SDP_FUZZ_MUTATIONS=20000 for a longer run by hand.
const MUTATIONS_PER_FIXTURE = Number(process.env.SDP_FUZZ_MUTATIONS ?? 400);

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = ['\0', '\r', '\n', '=', ':', '/', ' ', '\t', '*', '-', '0', '9', 'm=', 'c=', 'a=', '\r\nm=audio 0 RTP/AVP 0', '\u00ff', '\u2028', '\ud800', '99999999999999999999'];
const LINES = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=', 'c=IN IP4 0.0.0.0', 'c=IN IP6 ::', 'c=IN IP4', 't=0 0', 'r=1', 'b=AS:', 'a=rtcp:0', 'a=rtcp:65535 IN IP6 ::1', 'a=rtpmap:0 opus/48000/2', 'a=rtpmap:96', 'a=fmtp:', 'a=sendonly', 'a=inactive', 'm=audio 65535/2 RTP/AVP 96', 'm=video 0 RTP/AVP', 'm=audio 1 RTP/SAVP 0', 'x=y', ''];

function mutate(src: Buffer, rnd: () => number): Buffer {
  const pick = (n: number): number => Math.floor(rnd() * n);
  let text = src.toString('latin1');
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const pos = pick(text.length + 1);
    const lines = text.split('\r\n');
    const at = pick(lines.length);
    switch (pick(9)) {
      case 0: {
        // flip bits of a byte
        const b = Buffer.from(text, 'latin1');
        if (b.length > 0) b[Math.min(pos, b.length - 1)]! ^= 1 << pick(8);
        text = b.toString('latin1');
        break;
      }
      case 1: // truncate
        text = text.slice(0, pos);
        break;
      case 2: // duplicate a line
        lines.splice(at, 0, lines[at]!);
        text = lines.join('\r\n');
        break;
      case 3: // delete a line
        lines.splice(at, 1);
        text = lines.join('\r\n');
        break;
      case 4: // insert a delimiter, control or odd character
        text = text.slice(0, pos) + INSERTS[pick(INSERTS.length)] + text.slice(pos);
        break;
      case 5: // replace a digit run with something large, negative or empty
        text = text.replace(/\d+/, ['-1', '99999999999999999999', '0', '65536', '128', '', '1e3'][pick(7)]!);
        break;
      case 6: // insert a line of SDP somewhere it may not belong
        lines.splice(at, 0, LINES[pick(LINES.length)]!);
        text = lines.join('\r\n');
        break;
      case 7: // swap two lines
        {
          const other = pick(lines.length);
          const tmp = lines[at]!;
          lines[at] = lines[other]!;
          lines[other] = tmp;
          text = lines.join('\r\n');
        }
        break;
      default: // delete a range
        text = text.slice(0, pos) + text.slice(pos + 1 + pick(20));
    }
  }
  return Buffer.from(text, rnd() < 0.5 ? 'latin1' : 'utf8');
}

/** Everything the B2BUA and the media controller would do with a description. */
function exercise(sd: SessionDescription): void {
  const text = serializeSdp(sd);
  assert.is(serializeSdp(parseSdp(text)), text, 'serialized text is a fixed point');
  isHold(sd);
  direction(sd);
  for (let i = 0; i < sd.media.length; i++) {
    direction(sd, i);
    expectSdpErrorOrValue(() => mediaEndpoint(sd, i));
  }
  const filtered = filterOffer(sd);
  checkAnswer(sd, sd);
  if (filtered) {
    const checked = checkAnswer(sd, filtered);
    // A filtered offer is always a valid answer to the offer it came from: same lines, offered codecs only.
    assert.ok(checked.ok, checked.ok ? '' : checked.error.message);
    const relayed = rewriteConnection(filtered, { address: '203.0.113.10', ports: sd.media.map((_m, i) => 30000 + 2 * i) });
    const o = new SdpOrigin({ address: '203.0.113.10', sessionId: '1' });
    const wire = o.serialize(relayed);
    assert.equal(parseSdp(wire).media.length, sd.media.length);
  }
}

function expectSdpErrorOrValue(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof SdpError)) throw err;
  }
}

test('mutated fixtures: parse and everything after it throw nothing but SdpError', () => {
  const rnd = prng(0x5d9);
  let parsed = 0;
  let refused = 0;
  const reasons = new Set<SdpErrorReason>();
  for (const src of FIXTURES) {
    for (let i = 0; i < MUTATIONS_PER_FIXTURE; i++) {
      const input = mutate(src, rnd);
      let sd: SessionDescription;
      try {
        sd = parseSdp(rnd() < 0.5 ? input : input.toString('latin1'));
      } catch (err) {
        if (!(err instanceof SdpError)) throw new Error(`parse threw ${String(err)} on ${JSON.stringify(input.toString('latin1'))}`);
        reasons.add(err.reason);
        refused++;
        continue;
      }
      parsed++;
      try {
        exercise(sd);
      } catch (err) {
        // Once parsed, nothing here may fail, SdpError included (mediaEndpoint aside, see exercise).
        throw new Error(`${String(err)} after parsing ${JSON.stringify(input.toString('latin1'))}`);
      }
    }
  }
  // The mutations reach both sides of the parser, and many of its refusals.
  assert.ok(parsed > FIXTURES.length * 50, `${parsed} parsed`);
  assert.ok(refused > FIXTURES.length * 50, `${refused} refused`);
  assert.ok(reasons.size >= 6, [...reasons].join(' '));
  if (process.env.SDP_FUZZ_STATS) console.log({ parsed, refused, reasons: [...reasons] });
});

test('random bytes are refused with an SdpError', () => {
  const rnd = prng(7);
  for (let i = 0; i < 500; i++) {
    const b = Buffer.alloc(Math.floor(rnd() * 300));
    for (let k = 0; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
    if (i % 2 === 0) b.write('v=0\n', 0, 'latin1');
    try {
      parseSdp(b);
    } catch (err) {
      assert.instance(err, SdpError);
    }
  }
});

test('huge input is refused before it is read', () => {
  const huge = 'v=0\r\n' + 'a=x\r\n'.repeat(1_000_000);
  for (const input of [huge, Buffer.from(huge), 'v=0\r\n' + 'x'.repeat(10_000_000)]) {
    try {
      parseSdp(input);
      assert.unreachable('parsed');
    } catch (err) {
      assert.instance(err, SdpError);
      assert.is((err as SdpError).reason, 'too-large');
    }
  }
  // Many lines, each short, under the byte limit.
  try {
    parseSdp('v=0\n' + 'o=- 1 1 IN IP4 192.0.2.1\n' + 'e=x\n'.repeat(SDP_LIMITS.maxLines));
    assert.unreachable('parsed');
  } catch (err) {
    assert.is((err as SdpError).reason, 'too-large');
  }
});

test('the classic broken descriptions', () => {
  const cases: Array<[string, SdpErrorReason]> = [
    ['hello world', 'bad-line'],
    ['<html><body>sdp</body></html>', 'bad-line'],
    ['o=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n', 'bad-version'],
    ['\ufeffv=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n', 'bad-line'],
    ['v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n', 'bad-media'],
    ['v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio RTP/AVP 0\r\n', 'bad-media'],
    ['v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 5004\r\n', 'bad-media'],
    ['v=0\r\ns=-\r\nt=0 0\r\n', 'missing-line'],
    ['v=0\r\no=\r\n', 'bad-origin'],
    ['{"v":0}', 'bad-line'],
    ['s=-\r\nv=0\r\n', 'bad-version'],
  ];
  for (const [input, reason] of cases) {
    try {
      parseSdp(input);
      assert.unreachable(input);
    } catch (err) {
      assert.instance(err, SdpError);
      assert.is((err as SdpError).reason, reason, input);
    }
  }
});

test.run();
