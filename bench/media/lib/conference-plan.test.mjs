import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { confPasses, perCore, perParticipant, roomPlan, TALKER_HZ } from './conference-plan.mjs';

test('a room of 10: 3 talkers with distinct tones, then noise and silence alternately; rooms are room-major', () => {
  const p = roomPlan(2, 10, 3);
  assert.is(p.length, 20);
  assert.equal(p.slice(0, 10).map((x) => x.kind), ['tone', 'tone', 'tone', 'noise', 'silence', 'noise', 'silence', 'noise', 'silence', 'noise']);
  assert.equal(p.filter((x) => x.kind === 'tone' && x.room === 1).map((x) => x.tone), [0, 1, 2]);
  assert.equal(p[10], { room: 1, index: 0, kind: 'tone', tone: 0 });
  assert.is(new Set(TALKER_HZ).size, TALKER_HZ.length);
});

test('bad plans are refused', () => {
  assert.throws(() => roomPlan(1, 0), /bad room plan/);
  assert.throws(() => roomPlan(-1, 10), /bad room plan/);
  assert.throws(() => roomPlan(1.5, 10), /bad room plan/);
  assert.is(roomPlan(0, 10).length, 0);
});

test('a step passes under 0.1 % loss and 0.1 % late frames, and fails without a late-frame figure', () => {
  assert.ok(confPasses({ lossPct: 0.05, lateFramesPct: 0.09 }));
  assert.not.ok(confPasses({ lossPct: 0.1, lateFramesPct: 0 }));
  assert.not.ok(confPasses({ lossPct: 0, lateFramesPct: 0.1 }));
  assert.not.ok(confPasses({ lossPct: 0, lateFramesPct: undefined }));
});

test('per core and per participant', () => {
  assert.is(perCore(200, 50), 400);
  assert.is(perCore(200, 0), undefined);
  assert.is(perCore(200, NaN), undefined);
  assert.is(perParticipant(1000, 3048, 2), 1024);
  assert.is(perParticipant(1000, 3048, 0), undefined);
});

test.run();
