import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigErrors } from '../util/errors.js';
import { parseTenantConfig } from './tenant-config.js';
import { tenantYamlText } from './tenant-yaml.js';

const FILE = '/etc/pbx/tenants/acme.yaml';

const BASE = `id: acme
domains: [ acme.example ]
limits: {}
extensions:
  - { ext: "1001", password: "alice-1001-secret" }
  - { ext: "0100", password: "zero-0100-secret" }
ringGroups:
  - { name: sales, strategy: simultaneous, members: ["1001"] }
`;

const FLOWS = `timezone: Europe/Berlin
schedules:
  - name: office
    weekly:
      - { days: mon-fri, from: "08:30", to: "17:00" }
    holidays:
      - { date: "2026-12-25" }
      - { from: "2026-12-31", to: "2027-01-01" }
timeConditions:
  - { name: office-hours, schedule: office, open: { ivr: main }, closed: { voicemail: 1001 } }
ivrs:
  - name: main
    greeting: welcome
    options:
      1: { ringGroup: sales }
      2: { extension: 0100 }
      "#": hangup
      "*": { ivr: sub }
    directDial: 1XXX
    timeout: { extension: 1001 }
  - { name: sub, greeting: main-menu, options: { 9: { play: goodbye } } }
`;

function problems(text: string): string[] {
  try {
    parseTenantConfig(text, FILE, {});
  } catch (err) {
    assert.instance(err, ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.message);
  }
  assert.unreachable('no ConfigErrors thrown');
  return [];
}

test('call flows read from the tenant file, numbers with a leading zero kept as written', () => {
  const c = parseTenantConfig(BASE + FLOWS, FILE, {});
  assert.is(c.timezone, 'Europe/Berlin');
  assert.is(c.schedules?.[0]?.weekly[0]?.days.length, 5);
  assert.equal(c.timeConditions?.[0]?.closed, { type: 'voicemail', box: '1001' });
  assert.equal(c.ivrs?.[0]?.options['2'], { type: 'extension', ext: '0100' });
  assert.equal(c.ivrs?.[0]?.options['*'], { type: 'ivr', name: 'sub' });
  assert.is(c.ivrs?.[0]?.directDial, '1XXX');
});

test('a file without call flows has none of the keys', () => {
  const c = parseTenantConfig(BASE, FILE, {});
  assert.is(c.ivrs, undefined);
  assert.is(c.timezone, undefined);
});

test('export writes the flows back and they read back the same', () => {
  const c = parseTenantConfig(BASE + FLOWS, FILE, {});
  const again = parseTenantConfig(tenantYamlText(c), FILE, {});
  assert.equal(again.timezone, c.timezone);
  assert.equal(again.schedules, c.schedules);
  assert.equal(again.timeConditions, c.timeConditions);
  assert.equal(again.ivrs, c.ivrs);
});

test('a menu that points to itself is refused at file:line:col', () => {
  const p = problems(BASE + `ivrs:\n  - name: main\n    greeting: welcome\n    options:\n      "9": { ivr: main }\n`);
  assert.equal(p, [`${FILE}:13:12: ivrs[0].options.9: leads back in a circle: ivr main -> ivr main`]);
});

test('a time zone that does not exist is refused at its line', () => {
  const p = problems(BASE + 'timezone: Europe/Berln\n');
  assert.equal(p, [`${FILE}:9:11: timezone: 'Europe/Berln' is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`]);
});

test('a schedule with an end before its start, and a holiday range backwards, are refused at their nodes', () => {
  const p = problems(BASE + `schedules:
  - name: office
    weekly:
      - { days: [mon], from: "17:00", to: "08:30" }
    holidays:
      - { from: "2026-12-26", to: "2026-12-24" }
`);
  assert.is(p.length, 2);
  assert.match(p[0]!, /:12:\d+: schedules\[0\]\.weekly\[0\]\.to: ends at 08:30, not after its start 17:00/);
  assert.match(p[1]!, /:14:.*holidays\[0\]\.to: ends on 2026-12-24, before its start 2026-12-26/);
});

test('an option naming another tenant\'s (or no) extension, ring group or menu is refused with the line', () => {
  const p = problems(BASE + `ivrs:
  - name: main
    greeting: welcome
    options:
      "1": { extension: "2001" }
      "2": { ringGroup: globex-sales }
      "3": { ivr: globex-main }
`);
  assert.equal(p.length, 3);
  assert.match(p[0]!, /:13:\d+: ivrs\[0\]\.options\.1\.extension: no extension '2001' in this tenant/);
  assert.match(p[1]!, /:14:\d+: ivrs\[0\]\.options\.2\.ringGroup: no ring group 'globex-sales'/);
  assert.match(p[2]!, /:15:\d+: ivrs\[0\]\.options\.3\.ivr: no IVR 'globex-main'/);
});

test('letters where digits belong, an unsafe prompt name, an unknown key', () => {
  const p = problems(BASE + `ivrs:
  - name: main
    greeting: ../other-tenant/prompts/secret
    retries: lots
    options:
      "1": { extension: abcd }
    colour: blue
`);
  assert.is(p.length, 4);
  assert.ok(p.some((x) => /:11:\d+: ivrs\[0\]\.greeting: must be a prompt name/.test(x)), p.join('\n'));
  assert.ok(p.some((x) => /:12:\d+: ivrs\[0\]\.retries: must be a whole number/.test(x)), p.join('\n'));
  assert.ok(p.some((x) => /:14:\d+: ivrs\[0\]\.options\.1\.extension: must be an extension number/.test(x)), p.join('\n'));
  assert.ok(p.some((x) => /:15:\d+: ivrs\[0\]\.colour: unknown key/.test(x)), p.join('\n'));
});

test('the commented example of the demo tenant file parses once uncommented', () => {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', 'tenants', 'acme.yaml');
  const text = readFileSync(file, 'utf8');
  const block = text.split('# --- call flows example ---\n')[1]!.split('# --- end of call flows example ---')[0]!;
  const uncommented = block.split('\n').map((l) => l.replace(/^# ?/, '')).join('\n');
  const c = parseTenantConfig(text + uncommented, file, {});
  assert.is(c.ivrs?.[0]?.name, 'main');
  assert.is(c.timeConditions?.[0]?.name, 'office-hours');
  assert.is(c.timezone, 'Europe/Berlin');
});

test.run();
