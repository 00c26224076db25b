import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import {
  buildTelephoneEvent,
  digitToEvent,
  eventToDigit,
  MAX_PLANNED_DIGIT_MS,
  MAX_SEGMENT_DURATION,
  newRedBlocks,
  parseRed,
  parseTelephoneEvent,
  planDigit,
  teDuration,
  teEnd,
  teEvent,
  teVolume,
  TelephoneEventReceiver,
  type DigitPacket,
  type TelephoneEventReport,
} from './telephone-event.js';

function setup(opts: { clockRate?: number; timeoutMs?: number; maxEventMs?: number } = {}) {
  const clock = new FakeClock();
  const reports: TelephoneEventReport[] = [];
  const rx = new TelephoneEventReceiver({ clock, onEvent: (r) => reports.push(r), ...opts });
  const send = (event: number, end: boolean, duration: number, ts: number, ssrc = 42, volume = 10) => {
    const b = buildTelephoneEvent(event, end, volume, duration);
    rx.receive(b, 0, b.length, ts, ssrc);
  };
  /** Feeds a planned digit, advancing the clock to each packet's time. */
  const play = (packets: DigitPacket[], ssrc = 42) => {
    let t = 0;
    for (const p of packets) {
      clock.advance(p.atMs - t);
      t = p.atMs;
      rx.receive(p.payload, 0, p.payload.length, p.timestamp, ssrc);
    }
  };
  return { clock, reports, rx, send, play };
}

const kinds = (rs: TelephoneEventReport[]) => rs.map((r) => `${r.kind}:${r.digit}${r.reason ? ':' + r.reason : ''}`);

test('payload fields round-trip, read in place from a larger packet buffer', () => {
  const pkt = Buffer.alloc(16, 0xee);
  const payload = buildTelephoneEvent(11, true, 37, 0x1234);
  payload.copy(pkt, 12);
  assert.is(teEvent(pkt, 12), 11);
  assert.ok(teEnd(pkt, 12));
  assert.is(teVolume(pkt, 12), 37);
  assert.is(teDuration(pkt, 12), 0x1234);
  assert.equal(parseTelephoneEvent(pkt, 12, 4), { event: 11, end: true, reserved: false, volume: 37, duration: 0x1234 });
  assert.is(parseTelephoneEvent(pkt, 12, 3), undefined);
  assert.is(parseTelephoneEvent(pkt, 14, 4), undefined, 'runs past the buffer');
  // R bit set by a peer is read but otherwise ignored (RFC 4733 §2.3.3)
  pkt[13] |= 0x40;
  assert.is(parseTelephoneEvent(pkt, 12)?.reserved, true);
  assert.is(teVolume(pkt, 12), 37);
});

test('builder refuses out-of-range fields', () => {
  assert.throws(() => buildTelephoneEvent(256, false, 10, 0), /0-255/);
  assert.throws(() => buildTelephoneEvent(1, false, 64, 0), /0-63/);
  assert.throws(() => buildTelephoneEvent(1, false, 10, 0x10000), /0-65535/);
});

test('digits map to events 0-15 and flash to 16', () => {
  assert.is([...'0123456789*#ABCD'].map(digitToEvent).join(','), '0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15');
  assert.is(digitToEvent('b'), 13);
  assert.is(digitToEvent('flash'), 16);
  assert.is(digitToEvent('E'), undefined);
  assert.is(digitToEvent('12'), undefined);
  assert.is(eventToDigit(16), 'flash');
  assert.is(eventToDigit(17), undefined);
  assert.is(eventToDigit(11), '#');
});

test('planned digit: marker on the first, one timestamp, growing durations, three end packets', () => {
  const pk = planDigit({ event: 5, durationMs: 100, clockRate: 8000, timestamp: 1000 });
  assert.is(pk.length, 4 + 3);
  assert.equal(pk.map((p) => p.marker), [true, false, false, false, false, false, false]);
  assert.ok(pk.every((p) => p.timestamp === 1000));
  assert.equal(pk.map((p) => teDuration(p.payload, 0)), [160, 320, 480, 640, 800, 800, 800]);
  assert.equal(pk.map((p) => p.end), [false, false, false, false, true, true, true]);
  assert.equal(pk.map((p) => p.atMs), [0, 20, 40, 60, 80, 100, 120]);
  assert.ok(pk.every((p) => teEvent(p.payload, 0) === 5 && teVolume(p.payload, 0) === 10));
});

test('planned digit at the 48 kHz wideband clock counts in 48 kHz units', () => {
  const pk = planDigit({ event: 1, durationMs: 60, clockRate: 48000, timestamp: 7, packetMs: 20 });
  assert.equal(pk.map((p) => teDuration(p.payload, 0)), [960, 1920, 2880, 2880, 2880]);
  const wb = planDigit({ event: 1, durationMs: 60, clockRate: 16000, timestamp: 7 });
  assert.is(teDuration(wb[wb.length - 1].payload, 0), 960);
});

test('planned digit: absurd durations are capped, tiny ones never report zero, bad plans refused', () => {
  const long = planDigit({ event: 1, durationMs: 1e12, clockRate: 8000, timestamp: 0 });
  const last = long[long.length - 1];
  // each packet reports the duration up to the end of its 20 ms interval: the first end goes at 9980 ms
  assert.is(last.atMs, MAX_PLANNED_DIGIT_MS + 20, 'ten seconds, then two more end packets');
  assert.is(teDuration(last.payload, 0), (80000 - 65535));
  const tiny = planDigit({ event: 1, durationMs: 0.01, clockRate: 8000, timestamp: 0 });
  assert.equal(tiny.map((p) => [p.marker, p.end, teDuration(p.payload, 0)]), [[true, true, 1], [false, true, 1], [false, true, 1]]);
  assert.throws(() => planDigit({ event: 1, durationMs: 100, clockRate: 8000, timestamp: 0, packetMs: 0 }), RangeError);
  assert.throws(() => planDigit({ event: 1, durationMs: -5, clockRate: 8000, timestamp: 0 }), RangeError);
  assert.throws(() => planDigit({ event: 300, durationMs: 100, clockRate: 8000, timestamp: 0 }), RangeError);
});

test('receiver: one start and one end per digit; the three end packets are absorbed', () => {
  const s = setup();
  s.play(planDigit({ event: 7, durationMs: 120, clockRate: 8000, timestamp: 5000 }));
  assert.equal(kinds(s.reports), ['start:7', 'end:7:end-bit']);
  assert.is(s.reports[1].durationUnits, 960);
  assert.is(s.reports[1].durationMs, 120);
  assert.is(s.reports[1].timestamp, 5000);
  assert.is(s.rx.counters.absorbed, 2);
  assert.is(s.rx.inEvent, false);
});

test('receiver: a digit sequence, including a repeated digit, is reported in order', () => {
  const s = setup();
  let ts = 0;
  for (const d of '1123#') {
    s.play(planDigit({ event: digitToEvent(d)!, durationMs: 80, clockRate: 8000, timestamp: ts }));
    ts += 8000; // a second later
  }
  assert.equal(s.reports.filter((r) => r.kind === 'end').map((r) => r.digit).join(''), '1123#');
  assert.is(s.rx.counters.started, 5);
  assert.is(s.rx.counters.ended, 5);
});

test('receiver: only the end packets arrive (start lost): start and end together', () => {
  const s = setup();
  s.send(3, true, 800, 100);
  s.send(3, true, 800, 100);
  assert.equal(kinds(s.reports), ['start:3', 'end:3:end-bit']);
  assert.is(s.reports[1].durationUnits, 800);
});

test('receiver: lost end packets are ended by the timeout of the injected clock, exactly once', () => {
  const s = setup({ timeoutMs: 500 });
  s.send(9, false, 160, 100);
  s.clock.advance(20);
  s.send(9, false, 320, 100);
  s.clock.advance(400);
  s.rx.tick();
  assert.equal(kinds(s.reports), ['start:9']);
  s.clock.advance(100);
  s.rx.tick();
  s.rx.tick();
  assert.equal(kinds(s.reports), ['start:9', 'end:9:timeout']);
  assert.is(s.reports[1].durationUnits, 320);
  // the late end packet of the same event is absorbed, not a second digit
  s.send(9, true, 480, 100);
  assert.is(s.reports.length, 2);
  assert.is(s.rx.counters.absorbed, 1);
});

test('receiver: a new event while one is active ends the old one', () => {
  const s = setup();
  s.send(1, false, 160, 100);
  s.clock.advance(20);
  s.send(2, false, 160, 1000);
  assert.equal(kinds(s.reports), ['start:1', 'end:1:superseded', 'start:2']);
  // a straggler of the old event is older than the new one: stale
  s.send(1, true, 320, 100);
  assert.is(s.reports.length, 3);
  assert.is(s.rx.counters.stale, 1);
});

test('receiver: reordered updates do not shrink the duration', () => {
  const s = setup();
  s.send(4, false, 160, 100);
  s.clock.advance(40);
  s.send(4, false, 480, 100);
  s.send(4, false, 320, 100);
  assert.is(s.rx.activeEvent, 4);
  assert.is(s.rx.activeDurationUnits, 480, 'duration updates are tracked while the key is down');
  s.send(4, true, 640, 100);
  assert.is(s.rx.activeEvent, -1);
  assert.is(s.rx.activeDurationUnits, 0);
  assert.is(s.reports[1].durationUnits, 640);
  assert.is(s.rx.counters.stale, 1);
});

test('receiver: long events continue across RFC 4733 §2.5.1.3 segments as one digit', () => {
  // 48 kHz: the 16-bit field holds only 1.365 s, so a 3 s key press takes three segments.
  const s = setup({ clockRate: 48000 });
  const pk = planDigit({ event: 0, durationMs: 3000, clockRate: 48000, timestamp: 0xffff_0000 });
  const stamps = [...new Set(pk.map((p) => p.timestamp))];
  assert.equal(stamps, [0xffff_0000, (0xffff_0000 + MAX_SEGMENT_DURATION) >>> 0, (0xffff_0000 + 2 * MAX_SEGMENT_DURATION) >>> 0], 'timestamps wrap modulo 2^32');
  assert.ok(pk.some((p) => teDuration(p.payload, 0) === MAX_SEGMENT_DURATION && !p.end));
  assert.is(pk.filter((p) => p.marker).length, 1);
  s.play(pk);
  assert.equal(kinds(s.reports), ['start:0', 'end:0:end-bit']);
  assert.is(s.reports[1].durationUnits, 3 * 48000);
  assert.is(s.reports[1].durationMs, 3000);
});

test('receiver: same digit again at a timestamp that is not a segment boundary is a new digit', () => {
  const s = setup();
  s.send(1, false, 160, 0); // end lost
  s.clock.advance(300);
  s.send(1, false, 160, 1600);
  assert.equal(kinds(s.reports), ['start:1', 'end:1:superseded', 'start:1']);
});

test('receiver: a key held past maxEventMs is cut, and its later segments are not new digits', () => {
  const s = setup({ maxEventMs: 1000, timeoutMs: 500 });
  let d = 0;
  for (let t = 0; t <= 1200; t += 100) {
    s.send(5, false, d, 0);
    s.clock.advance(100);
    d += 800;
    s.rx.tick();
  }
  assert.equal(kinds(s.reports), ['start:5', 'end:5:too-long']);
  s.send(5, false, 100, MAX_SEGMENT_DURATION);
  s.send(5, true, 200, MAX_SEGMENT_DURATION);
  assert.is(s.reports.length, 2);
});

test('hostile input: wrong length, unsupported events, absurd durations are counted, never thrown', () => {
  const s = setup();
  const b = Buffer.from([1, 0, 0, 160, 0]);
  s.rx.receive(b, 0, 5, 1, 42);
  s.rx.receive(b, 0, 3, 1, 42);
  s.rx.receive(b, 3, 4, 1, 42); // runs past the buffer
  s.rx.receive(Buffer.alloc(0), 0, 0, 1, 42);
  assert.is(s.rx.counters.badLength, 4);
  s.send(200, false, 160, 5); // not a DTMF event (0-16)
  s.send(255, true, 160, 5);
  assert.is(s.rx.counters.unsupported, 2);
  // 8 s of duration 20 ms after the start: runs ahead of the clock
  s.send(2, false, 160, 100);
  s.clock.advance(20);
  s.send(2, false, 64000, 100);
  assert.is(s.rx.counters.absurd, 1);
  // a different event on the same timestamp
  s.send(3, false, 320, 100);
  assert.is(s.rx.counters.absurd, 2);
  s.send(2, true, 480, 100);
  assert.equal(kinds(s.reports), ['start:2', 'end:2:end-bit']);
  assert.is(s.reports[1].durationUnits, 480);
  assert.is(s.rx.counters.packets, 10);
});

test('a new SSRC ends the event in progress and starts afresh', () => {
  const s = setup();
  s.send(6, false, 160, 5000, 1);
  s.send(6, false, 160, 10, 2); // older timestamp, but a new source
  assert.equal(kinds(s.reports), ['start:6', 'end:6:source-change', 'start:6']);
});

function redPacket(blocks: Array<{ pt: number; tsOffset: number; data: Buffer }>, primary: { pt: number; data: Buffer }): Buffer {
  const parts: Buffer[] = [];
  for (const b of blocks) {
    const h = Buffer.alloc(4);
    h[0] = 0x80 | b.pt;
    h[1] = b.tsOffset >> 6;
    h[2] = ((b.tsOffset & 0x3f) << 2) | (b.data.length >> 8);
    h[3] = b.data.length & 0xff;
    parts.push(h);
  }
  parts.push(Buffer.from([primary.pt]));
  for (const b of blocks) parts.push(b.data);
  parts.push(primary.data);
  return Buffer.concat(parts);
}

test('RFC 2198 red: header blocks parsed in place', () => {
  const pkt = redPacket([{ pt: 101, tsOffset: 16383, data: Buffer.from([1, 2, 3, 4]) }], { pt: 101, data: Buffer.from([5, 6, 7, 8]) });
  const out = newRedBlocks();
  assert.ok(parseRed(pkt, 0, pkt.length, out));
  assert.is(out.count, 2);
  assert.equal([out.pt[0], out.tsOffset[0], out.offset[0], out.length[0]], [101, 16383, 5, 4]);
  assert.equal([out.pt[1], out.tsOffset[1], out.offset[1], out.length[1]], [101, 0, 9, 4]);
  // a block length that exceeds the packet, a truncated header, empty payload
  assert.not.ok(parseRed(pkt, 0, 8, out));
  assert.not.ok(parseRed(pkt, 0, 3, out));
  assert.not.ok(parseRed(pkt, 0, 0, out));
  assert.not.ok(parseRed(Buffer.alloc(100, 0xff), 0, 100, out), 'more than MAX_RED_BLOCKS headers');
});

test('RFC 2198 red: a redundant end ends the event whose end was lost; copies are absorbed', () => {
  const s = setup();
  const te = (ev: number, end: boolean, dur: number) => buildTelephoneEvent(ev, end, 10, dur);
  const rxRed = (pkt: Buffer, ts: number) => s.rx.receiveRed(pkt, 0, pkt.length, ts, 42, 101);
  // digit 1 at ts 1000; its end packets are lost; the next packet (digit 2 at ts 2000) carries it as redundancy
  rxRed(redPacket([], { pt: 101, data: te(1, false, 160) }), 1000);
  s.clock.advance(100);
  rxRed(redPacket([{ pt: 101, tsOffset: 1000, data: te(1, true, 800) }], { pt: 101, data: te(2, false, 160) }), 2000);
  assert.equal(kinds(s.reports), ['start:1', 'end:1:end-bit', 'start:2']);
  assert.is(s.reports[1].durationUnits, 800);
  // the same redundancy again: nothing new
  rxRed(redPacket([{ pt: 101, tsOffset: 1000, data: te(1, true, 800) }], { pt: 101, data: te(2, false, 320) }), 2000);
  assert.is(s.reports.length, 3);
  // blocks of other payload types (audio) are skipped; a te block of a wrong length is counted
  rxRed(redPacket([{ pt: 0, tsOffset: 160, data: Buffer.alloc(160) }, { pt: 101, tsOffset: 80, data: Buffer.alloc(3) }], { pt: 101, data: te(2, true, 480) }), 2000);
  assert.equal(kinds(s.reports), ['start:1', 'end:1:end-bit', 'start:2', 'end:2:end-bit']);
  assert.is(s.rx.counters.badLength, 1);
  rxRed(Buffer.from([0x80 | 101, 0, 0]), 3000);
  assert.is(s.rx.counters.badLength, 2);
});

test.run();
