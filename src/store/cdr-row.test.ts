import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreError } from '../util/errors.js';
import { billableSeconds, cdrToParams, crashedCdr, sanitizeMedia, type CdrInput } from './cdr-row.js';

test('billable seconds: whole seconds from answer to end, rounded up; 0 when not answered', () => {
  const t = 1_700_000_000_000;
  assert.is(billableSeconds(undefined, t + 90_000), 0);
  assert.is(billableSeconds(t, t), 0, 'answered and ended in the same ms');
  assert.is(billableSeconds(t, t - 5), 0, 'an end before the answer bills nothing');
  assert.is(billableSeconds(t, t + 1), 1);
  assert.is(billableSeconds(t, t + 200), 1);
  assert.is(billableSeconds(t, t + 1000), 1);
  assert.is(billableSeconds(t, t + 1001), 2);
  assert.is(billableSeconds(t, t + 60_000), 60);
  assert.is(billableSeconds(t, t + 60_001), 61);
});

test('duration and billable seconds are derived, so they cannot disagree with the times', () => {
  const p = cdrToParams({
    callId: 'c1',
    fromUri: 'sip:1001@acme.example',
    toUri: 'sip:1002@acme.example',
    startedAt: 1000,
    answeredAt: 4000,
    endedAt: 10_500,
    disposition: 'answered',
    hangupSide: 'caller',
  });
  assert.is(p[11], 9500, 'duration_ms = end - start');
  assert.is(p[12], 7, 'billable_s = ceil(6.5 s)');
  assert.is(p[7], 'internal', 'direction defaults to internal');
  assert.is(p[17], 10_500, 'created_at defaults to the end');
});

test('bad values are refused with a StoreError, not stored', () => {
  const ok: CdrInput = { callId: 'c', fromUri: 'a', toUri: 'b', startedAt: 1, endedAt: 2, disposition: 'busy', hangupSide: 'callee' };
  const bad: Array<Partial<CdrInput>> = [
    { callId: '' },
    { callId: 'x'.repeat(257) },
    { startedAt: Number.NaN },
    { endedAt: Infinity },
    { answeredAt: 'soon' as unknown as number },
    { disposition: 'hung' as unknown as CdrInput['disposition'] },
    { hangupSide: 'both' as unknown as CdrInput['hangupSide'] },
    { direction: 'sideways' as unknown as CdrInput['direction'] },
  ];
  for (const b of bad) assert.throws(() => cdrToParams({ ...ok, ...b }), (e: unknown) => e instanceof StoreError, JSON.stringify(b));
  assert.is(cdrToParams(ok)[0], 'c');
});

test('media stats keep only known legs and finite numbers', () => {
  assert.equal(sanitizeMedia({ caller: { packets: 10, bytes: 1720, lost: -1, jitterMs: 2.5, extra: 'x' }, third: { packets: 1 } }), {
    caller: { packets: 10, bytes: 1720, lost: -1, jitterMs: 2.5 },
  });
  assert.equal(sanitizeMedia({ callee: { packets: Infinity, bytes: '9', lost: 3 } }), { callee: { packets: 0, bytes: 0, lost: 3, jitterMs: 0 } });
  assert.is(sanitizeMedia(null), undefined);
  assert.is(sanitizeMedia('caller'), undefined);
  assert.is(sanitizeMedia({ caller: 5 }), undefined);
});

test('a crashed call ends at its last sign of life and is recorded now', () => {
  const c = crashedCdr(
    { callId: 'k', fromUri: 'f', toUri: 't', direction: 'internal', startedAt: 1000, answeredAt: 3000, updatedAt: 63_000, fromExt: '1001' },
    900_000,
  );
  assert.equal(c, {
    callId: 'k',
    fromUri: 'f',
    toUri: 't',
    direction: 'internal',
    startedAt: 1000,
    endedAt: 63_000,
    disposition: 'crashed',
    hangupCause: 'PBX stopped with the call up',
    hangupSide: 'system',
    recordedAt: 900_000,
    fromExt: '1001',
    answeredAt: 3000,
  });
});

test.run();
