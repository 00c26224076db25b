// The edit forms' and usage charts' page-side logic, run under Node: the API's problem
// pointers re-rooted under the element a form edits, the destination picker's values, the
// schedule form's texts, and the concurrency and minutes-by-direction series.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { destinationOf, pickerValue } from '../../web/console/destination-value.js';
import { escapeToken, formProblems, messageAt, numberOrText, problemsUnder, splitList, unescapeToken, unplaced } from '../../web/console/field-problems.js';
import { daysValue, holidayLine, holidaysText, holidaysValue } from '../../web/console/schedule-text.js';
import { concurrencySeries, minutesPerHour } from '../../web/console/usage-series.js';

const P = [
  { path: '/ringGroups/2/members/0', message: 'no extension 9999 in this tenant' },
  { path: '/ringGroups/2', message: 'whole group' },
  { path: '/ringGroups/20/name', message: 'another group' },
  { path: '/outboundRoutes/0/trunks/0', message: 'no trunk x' },
];

test('problems under an element are re-rooted; /ringGroups/20 is not under /ringGroups/2', () => {
  assert.equal(problemsUnder(P, '/ringGroups/2'), [
    { path: '/members/0', message: 'no extension 9999 in this tenant' },
    { path: '', message: 'whole group' },
  ]);
  assert.equal(problemsUnder(P, ''), P);
});

test('a form keeps every problem: its own re-rooted first, the rest as they were', () => {
  const f = formProblems(P, '/ringGroups/2');
  assert.is(f.length, 4);
  assert.is(messageAt(f, '/members'), 'no extension 9999 in this tenant');
  assert.equal(unplaced(f, ['/members', '/name']).map((p) => p.path), ['', '/ringGroups/20/name', '/outboundRoutes/0/trunks/0']);
  // Body-level problems (ajv on PUT .../trunks/{name}) stay where they are.
  assert.is(messageAt(formProblems([{ path: '/host', message: 'bad host' }], '/trunks/0'), '/host'), 'bad host');
});

test('pointer tokens: ~ and / escaped as RFC 6901 says; an IVR key * or # needs none', () => {
  assert.is(escapeToken('a/b~c'), 'a~1b~0c');
  assert.is(unescapeToken('a~1b~0c'), 'a/b~c');
  assert.is(escapeToken('*1#'), '*1#');
});

test('lists and numbers as typed', () => {
  assert.equal(splitList(' 1001, 1002  1003,,'), ['1001', '1002', '1003']);
  assert.is(numberOrText(' 30 '), 30);
  assert.is(numberOrText(''), undefined);
  assert.is(numberOrText('many'), 'many', 'sent as typed: the API names the problem');
});

test('destination picker: typed and YAML forms in, the typed form out', () => {
  assert.equal(pickerValue({ type: 'extension', ext: '1001' }), { kind: 'extension', target: '1001' });
  assert.equal(pickerValue({ ivr: 'main' }), { kind: 'ivr', target: 'main' });
  assert.equal(pickerValue('hangup'), { kind: 'hangup', target: '' });
  assert.equal(pickerValue(undefined), { kind: '', target: '' });
  assert.equal(pickerValue({ bogus: 1 }), { kind: '', target: '' });
  assert.equal(destinationOf('queue', ' support '), { type: 'queue', name: 'support' });
  assert.equal(destinationOf('voicemail', '1001'), { type: 'voicemail', box: '1001' });
  assert.equal(destinationOf('hangup', 'x'), { type: 'hangup' });
  assert.is(destinationOf('', 'x'), undefined);
});

test('schedule texts: days, holidays one a line, the line of a holiday problem', () => {
  assert.is(daysValue('mon-fri'), 'mon-fri');
  assert.equal(daysValue('sat, sun'), ['sat', 'sun']);
  assert.equal(holidaysValue('2026-12-25\n\n2026-12-24..2026-12-26\n2027-01-01 to 2027-01-02'), [{ date: '2026-12-25' }, { from: '2026-12-24', to: '2026-12-26' }, { from: '2027-01-01', to: '2027-01-02' }]);
  assert.is(holidaysText([{ date: '2026-12-25' }, { from: '2026-12-24', to: '2026-12-26' }]), '2026-12-25\n2026-12-24..2026-12-26');
  assert.is(holidayLine('/holidays/1/to'), 2);
  assert.is(holidayLine('/holidays'), undefined);
});

const H = 3600_000;
const at = (ms: number) => new Date(ms).toISOString();

test('concurrency: a step series; a call ending as another starts is not up with it; calls over the edges are clipped', () => {
  const from = 10 * H;
  const to = 20 * H;
  const s = concurrencySeries(
    [
      { startedAt: at(9 * H), endedAt: at(11 * H) }, // up at `from`
      { startedAt: at(11 * H), endedAt: at(12 * H) }, // starts as the first ends
      { startedAt: at(11.5 * H), endedAt: at(21 * H) }, // over the end
      { startedAt: at(25 * H), endedAt: at(26 * H) }, // outside
      { startedAt: 'garbage', endedAt: at(12 * H) },
    ],
    from,
    to,
  );
  assert.equal(s.times, [10, 11, 11.5, 12, 20].map((h) => (h * H) / 1000));
  assert.equal(s.up, [1, 1, 2, 1, 1]);
});

test('minutes per hour by direction: billable seconds of calls started in each hour', () => {
  const now = 100 * H + 1000; // the last bucket ends at 101 h
  const m = minutesPerHour(
    [
      { startedAt: at(100 * H + 5), direction: 'inbound', billableS: 90 },
      { startedAt: at(100 * H + 6), direction: 'inbound', billableS: 30 },
      { startedAt: at(99 * H), direction: 'outbound', billableS: 61 },
      { startedAt: at(78 * H), direction: 'internal', billableS: 60 },
      { startedAt: at(76 * H), direction: 'internal', billableS: 60 }, // before the 24 hours
      { startedAt: at(100 * H), direction: 'sideways', billableS: 60 },
    ],
    now,
  );
  assert.is(m.hours.length, 24);
  assert.is(m.hours[23], (100 * H) / 1000);
  assert.is(m.minutes.inbound[23], 2);
  assert.is(m.minutes.outbound[22], 1.02);
  assert.is(m.minutes.internal[1], 1);
  assert.is(m.minutes.internal.reduce((a, b) => a + b, 0), 1);
});

test.run();
