import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Schedule } from '../../model/schedule.js';
import { FakeClock } from '../../util/fake-clock.js';
import { isOpen } from './is-open.js';
import { localTime } from './local-time.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const MIN = 60_000;

const office: Schedule = {
  name: 'office',
  weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:30', to: '17:00' }],
  holidays: [{ date: '2026-12-25' }, { from: '2026-12-31', to: '2027-01-01' }],
};

/** Open minutes of `s` while an injected clock walks from `fromIso` (UTC) for `minutes`. */
function openMinutes(s: Schedule, zone: string, fromIso: string, minutes: number): { open: number; first?: number; last?: number } {
  const clock = new FakeClock(utc(fromIso));
  let open = 0;
  let first: number | undefined;
  let last: number | undefined;
  for (let i = 0; i < minutes; i++) {
    if (isOpen(s, 'auto', clock.now(), zone)) {
      open++;
      first ??= clock.now();
      last = clock.now();
    }
    clock.advance(MIN);
  }
  return { open, ...(first !== undefined ? { first } : {}), ...(last !== undefined ? { last } : {}) };
}

const sundayNight = (day: 'sun'): Schedule => ({ name: 'night', weekly: [{ days: [day], from: '01:30', to: '03:30' }], holidays: [] });

test('local time follows the zone database (CET, CEST, EST, EDT)', () => {
  assert.equal(localTime(utc('2026-01-15T12:00:00'), 'Europe/Berlin'), { date: '2026-01-15', weekday: 3, minute: 13 * 60 });
  assert.equal(localTime(utc('2026-07-15T12:00:00'), 'Europe/Berlin'), { date: '2026-07-15', weekday: 2, minute: 14 * 60 });
  // Friday 21:00 in New York is already Saturday in UTC.
  assert.equal(localTime(utc('2026-01-17T02:00:00'), 'America/New_York'), { date: '2026-01-16', weekday: 4, minute: 21 * 60 });
  assert.equal(localTime(utc('2026-07-17T01:00:00'), 'America/New_York'), { date: '2026-07-16', weekday: 3, minute: 21 * 60 });
});

test('Europe/Berlin spring forward (2026-03-29): a 01:30-03:30 window is open one real hour, across the jump', () => {
  const s = sundayNight('sun');
  assert.not.ok(isOpen(s, 'auto', utc('2026-03-29T00:29:00'), 'Europe/Berlin'), '01:29 CET');
  assert.ok(isOpen(s, 'auto', utc('2026-03-29T00:30:00'), 'Europe/Berlin'), '01:30 CET');
  assert.ok(isOpen(s, 'auto', utc('2026-03-29T00:59:00'), 'Europe/Berlin'), '01:59 CET');
  assert.ok(isOpen(s, 'auto', utc('2026-03-29T01:00:00'), 'Europe/Berlin'), '03:00 CEST, right after the jump');
  assert.ok(isOpen(s, 'auto', utc('2026-03-29T01:29:00'), 'Europe/Berlin'), '03:29 CEST');
  assert.not.ok(isOpen(s, 'auto', utc('2026-03-29T01:30:00'), 'Europe/Berlin'), '03:30 CEST');
  const r = openMinutes(s, 'Europe/Berlin', '2026-03-28T22:00:00', 6 * 60);
  assert.is(r.open, 60);
  assert.is(r.first, utc('2026-03-29T00:30:00'));
  assert.is(r.last, utc('2026-03-29T01:29:00'));
});

test('Europe/Berlin fall back (2026-10-25): the same window is open three real hours (02:xx happens twice)', () => {
  const r = openMinutes(sundayNight('sun'), 'Europe/Berlin', '2026-10-24T21:00:00', 8 * 60);
  assert.is(r.open, 180);
  assert.is(r.first, utc('2026-10-24T23:30:00'), '01:30 CEST');
  assert.is(r.last, utc('2026-10-25T02:29:00'), '03:29 CET');
});

test('America/New_York spring forward (2026-03-08) and fall back (2026-11-01)', () => {
  const spring = openMinutes(sundayNight('sun'), 'America/New_York', '2026-03-08T04:00:00', 6 * 60);
  assert.is(spring.open, 60);
  assert.is(spring.first, utc('2026-03-08T06:30:00'), '01:30 EST');
  assert.is(spring.last, utc('2026-03-08T07:29:00'), '03:29 EDT');
  const fall = openMinutes(sundayNight('sun'), 'America/New_York', '2026-11-01T03:00:00', 8 * 60);
  // 02:00 EDT -> 01:00 EST: 01:30-01:59 happens twice, 01:00-01:29 EST is outside: 30 + 120 minutes.
  assert.is(fall.open, 150);
  assert.is(fall.first, utc('2026-11-01T05:30:00'), '01:30 EDT');
  assert.not.ok(isOpen(sundayNight('sun'), 'auto', utc('2026-11-01T06:10:00'), 'America/New_York'), '01:10 EST');
  assert.ok(isOpen(sundayNight('sun'), 'auto', utc('2026-11-01T06:30:00'), 'America/New_York'), '01:30 EST, the second time');
  assert.is(fall.last, utc('2026-11-01T08:29:00'), '03:29 EST');
});

test('office hours move with DST: Monday 08:30 Berlin is 07:30 UTC in winter, 06:30 UTC in summer', () => {
  assert.not.ok(isOpen(office, 'auto', utc('2026-03-23T07:29:00'), 'Europe/Berlin'));
  assert.ok(isOpen(office, 'auto', utc('2026-03-23T07:30:00'), 'Europe/Berlin'));
  assert.not.ok(isOpen(office, 'auto', utc('2026-03-30T06:29:00'), 'Europe/Berlin'));
  assert.ok(isOpen(office, 'auto', utc('2026-03-30T06:30:00'), 'Europe/Berlin'));
  // 17:00 is closed (the end is not part of the window).
  assert.ok(isOpen(office, 'auto', utc('2026-03-30T14:59:00'), 'Europe/Berlin'));
  assert.not.ok(isOpen(office, 'auto', utc('2026-03-30T15:00:00'), 'Europe/Berlin'));
});

test('weekdays are the zone\'s: Friday evening in New York is Saturday in UTC, still Friday here', () => {
  const late: Schedule = { name: 'late', weekly: [{ days: ['fri'], from: '20:00', to: '24:00' }], holidays: [] };
  assert.ok(isOpen(late, 'auto', utc('2026-01-17T03:00:00'), 'America/New_York'), 'Fri 22:00 EST');
  assert.not.ok(isOpen(late, 'auto', utc('2026-01-17T03:00:00'), 'UTC'), 'Sat 03:00 UTC');
  assert.ok(isOpen(late, 'auto', utc('2026-01-17T04:59:00'), 'America/New_York'), 'Fri 23:59 EST: 24:00 ends the day');
  assert.not.ok(isOpen(late, 'auto', utc('2026-01-17T05:00:00'), 'America/New_York'), 'Sat 00:00 EST');
});

test('holidays close whole local days, single dates and ranges with both ends included', () => {
  // 2026-12-25 is a Friday.
  assert.ok(isOpen(office, 'auto', utc('2026-12-24T10:00:00'), 'Europe/Berlin'));
  assert.not.ok(isOpen(office, 'auto', utc('2026-12-25T10:00:00'), 'Europe/Berlin'));
  assert.ok(isOpen(office, 'auto', utc('2026-12-30T10:00:00'), 'Europe/Berlin'));
  assert.not.ok(isOpen(office, 'auto', utc('2026-12-31T10:00:00'), 'Europe/Berlin'));
  assert.not.ok(isOpen(office, 'auto', utc('2027-01-01T10:00:00'), 'Europe/Berlin'));
  // The holiday is the local date: 2026-12-25 09:00 in Tokyo is still 2026-12-24 in UTC... and closed.
  assert.not.ok(isOpen(office, 'auto', utc('2026-12-25T00:30:00'), 'Asia/Tokyo'));
  assert.ok(isOpen(office, 'auto', utc('2026-12-25T00:30:00'), 'UTC') === false, 'Thursday 00:30 UTC is before 08:30');
});

test('the override wins over the schedule both ways; auto follows it', () => {
  const openTime = utc('2026-03-30T10:00:00');
  const closedTime = utc('2026-03-29T10:00:00'); // a Sunday
  assert.ok(isOpen(office, 'auto', openTime, 'Europe/Berlin'));
  assert.not.ok(isOpen(office, 'closed', openTime, 'Europe/Berlin'));
  assert.not.ok(isOpen(office, 'auto', closedTime, 'Europe/Berlin'));
  assert.ok(isOpen(office, 'open', closedTime, 'Europe/Berlin'));
  assert.ok(isOpen(office, 'open', utc('2026-12-25T10:00:00'), 'Europe/Berlin'), 'forced open on a holiday');
});

test.run();
