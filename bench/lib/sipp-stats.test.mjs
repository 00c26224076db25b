import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { combine, parseStatCsv, summarise } from './sipp-stats.mjs';

// A real -trace_stat file: 4000/s offered for 3 s (12,000 calls) against Kamailio.
const fixture = readFileSync(new URL('./fixtures/sipp-stat-4000.csv', import.meta.url), 'utf8');

test('parses the header and every row of a SIPp statistics file', () => {
  const rows = parseStatCsv(fixture);
  assert.is(rows.length, 7);
  assert.is(rows[1]['OutgoingCall(C)'], '4000');
  assert.is(rows[6]['SuccessfulCall(C)'], '12000');
});

test('achieved rate comes from whole periods, not from the tail after the last call', () => {
  const s = summarise(parseStatCsv(fixture));
  assert.is(s.created, 12000);
  assert.is(s.successful, 12000);
  assert.is(s.failed, 0);
  // 11,993 calls in the first 3.014 s; the seven left over must not stretch it to 4 s.
  assert.ok(s.achievedRate > 3950 && s.achievedRate < 4010, String(s.achievedRate));
  assert.ok(Math.abs(s.sendSeconds - 12000 / s.achievedRate) < 1e-9);
  assert.ok(s.retransmissions > 0);
  assert.ok(s.callLengthMs > 10, String(s.callLengthMs));
});

test('failures are broken down by kind', () => {
  const header = 'StartTime;CurrentTime;OutgoingCall(C);SuccessfulCall(C);FailedCall(C);FailedTimeoutOnRecv(C);FailedUnexpectedMessage(C);CurrentCall;CallLength(C)';
  const row = (t, out, ok, f, tr, ue) => `d\t0\t100.0;d\t0\t${t};${out};${ok};${f};${tr};${ue};0;00:00:00:003000`;
  const s = summarise(parseStatCsv([header, row(101, 500, 490, 0, 0, 0), row(102, 1000, 980, 20, 15, 5)].join('\n')));
  assert.equal(s.failureKinds, { TimeoutOnRecv: 15, UnexpectedMessage: 5 });
  assert.is(s.achievedRate, 500);
  assert.is(s.callLengthMs, 3);
});

test('an empty or header-only file gives no summary', () => {
  assert.is(summarise(parseStatCsv('')), undefined);
  assert.is(summarise(parseStatCsv('StartTime;CurrentTime\n')), undefined);
});

test('combine adds side-by-side SIPp processes', () => {
  const a = summarise(parseStatCsv(fixture));
  const c = combine([a, a, undefined]);
  assert.is(c.created, 24000);
  assert.is(c.achievedRate, 2 * a.achievedRate);
  assert.is(c.callLengthMs, a.callLengthMs);
});

test.run();
