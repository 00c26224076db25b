// Destinations of every kind, forwards, DND and feature codes in a tenant file: decoded,
// and refused with file:line:col when they name nothing of this tenant, loop, or clash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigErrors } from '../util/errors.js';
import { parseTenantConfig } from './tenant-config.js';
import { tenantYamlText } from './tenant-yaml.js';

const FILE = '/etc/pbx/tenants/acme.yaml';
const HEAD = [
  'id: acme',
  'domains: [ acme.example ]',
  'countryCode: "49"',
  'dids: [ "+4930123450", "+4930123451", "+4930123452", "+4930123453", "+4930123454", "+4930123455", "+4930123456", "+4930123457" ]',
  'conferences: [ { number: "800" } ]',
].join('\n');

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

const EXTS = ['extensions:', '  - { ext: "1001", password: "a-long-secret-1" }', '  - { ext: "1002", password: "a-long-secret-2" }'].join('\n');

test('every kind of destination decodes from its YAML form and writes back the same way', () => {
  const text = [
    HEAD,
    EXTS,
    'ringGroups:',
    '  - { name: sales, strategy: simultaneous, members: [ "1001" ], ringSeconds: 20, fallback: { voicemail: 1001 } }',
    'inboundRoutes:',
    '  - { did: "+4930123450", destination: hangup }',
    '  - { did: "+4930123451", destination: { extension: 1002 } }',
    '  - { did: "+4930123452", destination: { ringGroup: sales } }',
    '  - { did: "+4930123453", destination: { voicemail: "1002" } }',
    '  - { did: "+4930123454", destination: { conference: 800 } }',
    '  - { did: "+4930123455", destination: { number: +4930999999 } }',
    '  - { did: "+4930123456", destination: { play: closed } }',
  ].join('\n');
  const t = parseTenantConfig(text, FILE, {});
  assert.equal(t.ringGroups[0]!.fallback, { type: 'voicemail', box: '1001' });
  assert.equal(
    t.inboundRoutes.map((r) => r.destination),
    [
      { type: 'hangup' },
      { type: 'extension', ext: '1002' },
      { type: 'ringGroup', name: 'sales' },
      { type: 'voicemail', box: '1002' },
      { type: 'conference', room: '800' },
      { type: 'number', number: '+4930999999' },
      { type: 'play', prompt: 'closed' },
    ],
  );
  const again = parseTenantConfig(tenantYamlText(t), FILE, {});
  assert.equal(again.inboundRoutes, t.inboundRoutes);
  assert.equal(again.ringGroups, t.ringGroups);
});

test('a destination that names nothing of this tenant: file:line:col, with a hint', () => {
  const errs = problems(
    [
      HEAD,
      EXTS,
      'inboundRoutes:',
      '  - { did: "+4930123450", destination: { voicemail: "2001" } }',
      '  - { did: "+4930123451", destination: { ivr: main } }',
      '  - { did: "+4930123452", destination: { timeCondition: office-hours } }',
      '  - { did: "+4930123453", destination: { conference: "801" } }',
    ].join('\n'),
  );
  assert.equal(errs.length, 4, errs.join('\n'));
  assert.match(errs[0]!, /^\/etc\/pbx\/tenants\/acme\.yaml:10:\d+: inboundRoutes\[0\]\.destination\.voicemail: no voicemail box '2001' in this tenant/);
  assert.match(errs[1]!, /:11:\d+: inboundRoutes\[1\]\.destination\.ivr: no IVR menu 'main' in this tenant/);
  assert.match(errs[2]!, /:12:\d+: inboundRoutes\[2\]\.destination\.timeCondition: no time condition 'office-hours' in this tenant/);
  assert.match(errs[3]!, /:13:\d+: inboundRoutes\[3\]\.destination\.conference: no conference room '801' in this tenant \(did you mean '800'\?\)/);
});

test('a destination with two keys, a bad target or an unknown kind: file:line:col', () => {
  const errs = problems(
    [
      HEAD,
      EXTS,
      'inboundRoutes:',
      '  - { did: "+4930123454", destination: { extension: "1001", voicemail: "1001" } }',
      '  - { did: "+4930123455", destination: { number: "call me" } }',
      '  - { did: "+4930123456", destination: { play: "../etc/passwd" } }',
      '  - { did: "+4930123457", destination: { parking: "70" } }',
      '  - { did: "+4930123450", destination: voicemail }',
    ].join('\n'),
  );
  assert.match(errs[0]!, /:10:\d+: inboundRoutes\[0\]\.destination: give one destination, not extension and voicemail/);
  assert.match(errs[1]!, /:11:\d+: inboundRoutes\[1\]\.destination\.number: must be a phone number/);
  assert.match(errs[2]!, /:12:\d+: inboundRoutes\[2\]\.destination\.play: must be a prompt name/);
  assert.ok(errs.some((e) => /:13:\d+: inboundRoutes\[3\]\.destination\.parking: unknown key/.test(e)), errs.join('\n'));
  assert.match(errs[errs.length - 1]!, /:14:\d+: inboundRoutes\[4\]\.destination: expected hangup or a map with one of extension, ringGroup, voicemail, ivr, timeCondition, conference, number, play, queue, got 'voicemail'/);
});

test("a voicemail box's operator destination must exist in this tenant too", () => {
  const errs = problems([HEAD, 'extensions:', '  - { ext: "1001", password: "a-long-secret-1", voicemail: { operator: { ringGroup: support } } }'].join('\n'));
  assert.equal(errs.length, 1, errs.join('\n'));
  assert.match(errs[0]!, /:7:\d+: extensions\[0\]\.voicemail\.operator\.ringGroup: no ring group 'support' in this tenant/);
});

test('forwards and DND decode; noAnswer.after defaults to 20; exported and read back unchanged', () => {
  const text = [
    HEAD,
    'extensions:',
    '  - ext: "1001"',
    '    password: "a-long-secret-1"',
    '    dnd: true',
    '    forward: { always: { number: "+4930555" }, busy: { voicemail: "1001" }, noAnswer: { to: { extension: "1002" } }, unavailable: { ringGroup: sales } }',
    '  - { ext: "1002", password: "a-long-secret-2", forward: { noAnswer: { to: hangup, after: 45 } } }',
    'ringGroups: [ { name: sales, strategy: sequential, members: [ "1002" ], ringSeconds: 10 } ]',
  ].join('\n');
  const t = parseTenantConfig(text, FILE, {});
  assert.is(t.extensions[0]!.dnd, true);
  assert.equal(t.extensions[0]!.forward, {
    always: { type: 'number', number: '+4930555' },
    busy: { type: 'voicemail', box: '1001' },
    noAnswer: { to: { type: 'extension', ext: '1002' }, after: 20 },
    unavailable: { type: 'ringGroup', name: 'sales' },
  });
  assert.equal(t.extensions[1]!.forward, { noAnswer: { to: { type: 'hangup' }, after: 45 } });
  const again = parseTenantConfig(tenantYamlText(t), FILE, {});
  assert.equal(again.extensions, t.extensions);
});

test('forwards: a bad after is a decoding error at its line', () => {
  const errs = problems([HEAD, EXTS.replace('"a-long-secret-2" }', '"a-long-secret-2", forward: { noAnswer: { to: hangup, after: 2 } } }')].join('\n'));
  assert.equal(errs.length, 1, errs.join('\n'));
  assert.match(errs[0]!, /:8:\d+: extensions\[1\]\.forward\.noAnswer\.after: must be between 5 and 300, got 2/);
});

test('forwards: to itself, to an unknown extension, and a loop through a ring group and a forward, with the path', () => {
  const errs = problems(
    [
      HEAD,
      'extensions:',
      '  - { ext: "1001", password: "a-long-secret-1", forward: { busy: { extension: "1001" } } }',
      '  - { ext: "1002", password: "a-long-secret-2", forward: { always: { extension: "1009" } } }',
      '  - { ext: "1003", password: "a-long-secret-3", forward: { unavailable: { ringGroup: sales } } }',
      'ringGroups: [ { name: sales, strategy: sequential, members: [ "1003" ], ringSeconds: 10, fallback: { extension: "1003" } } ]',
    ].join('\n'),
  );
  assert.equal(errs.length, 3, errs.join('\n'));
  assert.match(errs[0]!, /:7:\d+: extensions\[0\]\.forward\.busy: 1001 cannot forward to itself/);
  assert.match(errs[1]!, /:8:\d+: extensions\[1\]\.forward\.always\.extension: no extension '1009' in this tenant/);
  assert.match(errs[2]!, /:10:\d+: ringGroups\[0\]\.fallback: the destinations loop: ringGroup:sales -> ext:1003 -> ringGroup:sales/);
});

test('feature codes: renamed, disabled, listed back; two ids on one code or a prefix refused at the id with line:col', () => {
  const t = parseTenantConfig([HEAD, 'featureCodes: { forwardOn: "*21", dndOn: false, recordToggle: "*5" }'].join('\n'), FILE, {});
  assert.equal(t.featureCodes, { forwardOn: '*21', dndOn: false, recordToggle: '*5' });
  assert.equal(parseTenantConfig(tenantYamlText(t), FILE, {}).featureCodes, t.featureCodes);
  assert.match(problems([HEAD, 'featureCodes: { vm: "*5" }'].join('\n'))[0]!, /acme\.yaml:6:\d+: featureCodes\.vm: unknown key/);
  assert.match(problems([HEAD, 'featureCodes: { recordToggle: false }'].join('\n'))[0]!, /acme\.yaml:6:\d+: featureCodes\.recordToggle: recordToggle cannot be disabled/);
  const clash = problems([HEAD, 'featureCodes:', '  voicemail: "*78"', '  forwardOff: "*9"'].join('\n'));
  assert.equal(clash.length, 6, clash.join('\n'));
  assert.match(clash[0]!, /acme\.yaml:7:\d+: featureCodes\.voicemail: \*78 is the code of both voicemail and dndOn/);
  assert.match(clash[1]!, /acme\.yaml:8:\d+: featureCodes\.forwardOff: \*9 \(forwardOff\) is the beginning of \*98 \(voicemailAny\): \*98 could never be dialled/);
});

test.run();
