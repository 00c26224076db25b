import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_IVR_DEPTH, parseCallFlows, type CallFlowsInput } from './call-flows.js';

const targets = { extensions: new Set(['1001', '1002']), ringGroups: new Set(['sales']), conferences: new Set(['800']) };

function problems(raw: CallFlowsInput): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  parseCallFlows(raw, targets, (p, m) => out.push([p, m]));
  return out;
}

const good: CallFlowsInput = {
  timezone: 'Europe/Berlin',
  schedules: [{ name: 'office', weekly: [{ days: 'mon-fri', from: '08:30', to: '17:00' }, { days: ['sat'], from: '10:00', to: '12:00' }], holidays: [{ date: '2026-12-25' }, { from: '2026-12-31', to: '2027-01-01' }] }],
  timeConditions: [{ name: 'office-hours', schedule: 'office', open: { ivr: 'main' }, closed: { voicemail: '1001' } }],
  ivrs: [
    { name: 'main', greeting: 'welcome', options: { '1': { ringGroup: 'sales' }, '2': { ivr: 'support' }, '#': 'hangup', '*': { play: 'goodbye' }, '0': { extension: 1001 } }, directDial: '1XXX', timeout: { extension: '1002' }, invalid: 'hangup' },
    { name: 'support', greeting: 'main-menu', options: { '1': { conference: 800 }, '9': { number: '+4930123456' } } },
  ],
};

test('a full document reads back normalized with defaults', () => {
  const out: string[] = [];
  const f = parseCallFlows(good, targets, (p, m) => out.push(`${p}: ${m}`));
  assert.equal(out, []);
  assert.is(f.timezone, 'Europe/Berlin');
  assert.equal(f.schedules[0]!.weekly[0]!.days, ['mon', 'tue', 'wed', 'thu', 'fri']);
  assert.equal(f.ivrs[0]!.options['0'], { type: 'extension', ext: '1001' });
  assert.equal(f.ivrs[0]!.options['#'], { type: 'hangup' });
  assert.is(f.ivrs[0]!.directDial, '1XXX');
  assert.is(f.ivrs[1]!.retries, 2);
  assert.is(f.ivrs[1]!.invalidPrompt, 'invalid-option');
  assert.equal(f.timeConditions[0]!.open, { type: 'ivr', name: 'main' });
});

test('a menu that points to itself is refused with the circle', () => {
  const p = problems({ ivrs: [{ name: 'main', greeting: 'welcome', options: { '9': { ivr: 'main' } } }] });
  assert.equal(p, [['ivrs[0].options.9', 'leads back in a circle: ivr main -> ivr main']]);
});

test('a circle through a submenu and a time condition is refused at the edge that closes it', () => {
  const p = problems({
    schedules: [{ name: 's', weekly: [] }],
    timeConditions: [{ name: 'tc', schedule: 's', open: { ivr: 'main' }, closed: 'hangup' }],
    ivrs: [
      { name: 'main', greeting: 'welcome', options: { '1': { ivr: 'sub' } } },
      { name: 'sub', greeting: 'welcome', options: {}, timeout: { timeCondition: 'tc' } },
    ],
  });
  assert.is(p.length, 1);
  assert.match(p[0]![1], /circle: ivr main -> ivr sub -> timeCondition tc -> ivr main/);
});

test(`menus nested deeper than ${MAX_IVR_DEPTH} are refused; ${MAX_IVR_DEPTH} are fine`, () => {
  const chain = (n: number) => ({ ivrs: Array.from({ length: n }, (_, i) => ({ name: `m${i}`, greeting: 'welcome', options: i + 1 < n ? { '1': { ivr: `m${i + 1}` } } : {} })) });
  assert.equal(problems(chain(MAX_IVR_DEPTH)), []);
  const p = problems(chain(MAX_IVR_DEPTH + 1));
  assert.is(p.length, 1);
  assert.is(p[0]![0], 'ivrs[0].options.1');
  assert.match(p[0]![1], /nest 9 deep/);
});

test('names of things the tenant does not have are refused (another tenant\'s names are simply unknown here)', () => {
  const p = problems({
    ivrs: [{ name: 'main', greeting: 'welcome', options: { '1': { extension: '2001' }, '2': { ringGroup: 'globex-sales' }, '3': { ivr: 'nope' }, '4': { conference: '900' }, '5': { voicemail: '3003' }, '6': { timeCondition: 'x' } } }],
    timeConditions: [{ name: 'tc', schedule: 'missing', open: 'hangup', closed: 'hangup' }],
  });
  assert.equal(p.map((x) => x[0]).sort(), ['ivrs[0].options.1.extension', 'ivrs[0].options.2.ringGroup', 'ivrs[0].options.3.ivr', 'ivrs[0].options.4.conference', 'ivrs[0].options.5.voicemail', 'ivrs[0].options.6.timeCondition', 'timeConditions[0].schedule'].sort());
});

test('bad input: a zone that does not exist, an end before its start, impossible dates, bad keys, letters for numbers', () => {
  const p = problems({
    timezone: 'Europe/Berln',
    schedules: [
      { name: 'a', weekly: [{ days: 'mon-fri', from: '17:00', to: '08:30' }, { days: ['mon', 'funday'], from: '25:00', to: '26:00' }], holidays: [{ from: '2026-12-26', to: '2026-12-24' }, { date: '2026-02-30' }] },
    ],
    ivrs: [{ name: 'Main Menu', greeting: '../../etc/passwd', options: { '12345': 'hangup', a: 'hangup', '1': { extension: 'abc' }, '2': { extension: '1001', ivr: 'x' } }, retries: -1, timeoutSeconds: 'ten', directDial: 'abc', bogus: 1 }],
  });
  const at = Object.fromEntries(p);
  assert.match(at['timezone']!, /'Europe\/Berln' is not an IANA time zone/);
  assert.match(at['schedules[0].weekly[0].to']!, /not after its start/);
  assert.match(at['schedules[0].weekly[1].days[1]']!, /not a weekday/);
  assert.ok(at['schedules[0].weekly[1].from']);
  assert.match(at['schedules[0].holidays[0].to']!, /before its start/);
  assert.match(at['schedules[0].holidays[1].date']!, /exists/);
  assert.ok(at['ivrs[0].name']);
  assert.match(at['ivrs[0].greeting']!, /prompt name/);
  assert.ok(at['ivrs[0].options.12345']);
  assert.ok(at['ivrs[0].options.a']);
  assert.match(at['ivrs[0].options.1.extension']!, /digits/);
  assert.match(at['ivrs[0].options.2']!, /one destination/);
  assert.ok(at['ivrs[0].retries']);
  assert.ok(at['ivrs[0].timeoutSeconds']);
  assert.ok(at['ivrs[0].directDial']);
  assert.match(at['ivrs[0].bogus']!, /unknown key/);
});

test('an option key that a direct-dial pattern also matches is refused', () => {
  const p = problems({ ivrs: [{ name: 'main', greeting: 'welcome', options: { '1001': 'hangup' }, directDial: '1XXX' }] });
  assert.match(p[0]![1], /also a direct-dial number/);
});

test('time zones: IANA names and aliases pass, offsets and garbage do not', () => {
  for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Etc/GMT+1']) assert.equal(problems({ timezone: tz }), [], tz);
  for (const tz of ['+01:00', 'Mars/Olympus', '', 'Europe/Berlin\u0000', 42]) assert.is(problems({ timezone: tz }).length, 1, String(tz));
});

test('times: H:MM is read as HH:MM, 24:00 ends the day, 24:30 and 7.30 are not times', () => {
  const out: string[] = [];
  const f = parseCallFlows({ schedules: [{ name: 's', weekly: [{ days: 'sat-sun', from: '8:05', to: '24:00' }] }] }, targets, (p, m) => out.push(`${p}: ${m}`));
  assert.equal(out, []);
  assert.equal(f.schedules[0]!.weekly[0], { days: ['sat', 'sun'], from: '08:05', to: '24:00' });
  const p = problems({ schedules: [{ name: 's', weekly: [{ days: 'mon', from: '7.30', to: '24:30' }] }] });
  assert.equal(p.map((x) => x[0]), ['schedules[0].weekly[0].from', 'schedules[0].weekly[0].to']);
});

test.run();
