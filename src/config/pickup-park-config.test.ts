// pickupGroups: and park: in a tenant file: decoded, written back, and refused with
// file:line:col when malformed or naming nothing of the tenant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigErrors } from '../util/errors.js';
import { parseTenantConfig } from './tenant-config.js';
import { tenantYamlText } from './tenant-yaml.js';

const FILE = '/etc/pbx/tenants/acme.yaml';
const HEAD = ['id: acme', 'domains: [ acme.example ]', 'extensions:', '  - { ext: "1001", password: "a-long-secret-1" }', '  - { ext: "1002", password: "a-long-secret-2" }', '  - { ext: "702", password: "a-long-secret-3" }', 'ringGroups:', '  - { name: sales, strategy: simultaneous, members: [ "1001" ] }'].join('\n');

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

test('pickupGroups and park decode to their typed forms and write back the same way', () => {
  const text = [HEAD, 'pickupGroups:', '  desk: [ "1001", "1002" ]', '  all: [ 1001 ]', 'park: { slots: "801-820", timeoutSeconds: 60, fallback: { ringGroup: sales } }'].join('\n');
  const t = parseTenantConfig(text, FILE, {});
  assert.equal(t.pickupGroups, { desk: ['1001', '1002'], all: ['1001'] });
  assert.equal(t.park, { first: '801', last: '820', timeoutSeconds: 60, fallback: { type: 'ringGroup', name: 'sales' } });
  const again = parseTenantConfig(tenantYamlText(t), FILE, {});
  assert.equal(again.pickupGroups, t.pickupGroups);
  assert.equal(again.park, t.park);
  const bare = parseTenantConfig([HEAD, 'park: { slots: "801-802" }'].join('\n'), FILE, {});
  assert.equal(bare.park, { first: '801', last: '802', timeoutSeconds: 120 }, 'timeoutSeconds defaults to 120, no fallback');
});

test('bad pickup groups: a member that is no extension, a member twice, a bad name, not a mapping', () => {
  assert.equal(problems([HEAD, 'pickupGroups:', '  desk: [ "1001", "1009" ]'].join('\n')), [`${FILE}:10:19: pickupGroups.desk[1]: 1009 is not an extension of this tenant`]);
  const twice = problems([HEAD, 'pickupGroups:', '  desk: [ "1001", "1001" ]'].join('\n'));
  assert.is(twice.length, 1);
  assert.match(twice[0]!, /^\/etc\/pbx\/tenants\/acme\.yaml:10:\d+: pickupGroups\.desk\[1\]: .*member/);
  assert.match(problems([HEAD, 'pickupGroups:', '  "front desk": [ "1001" ]'].join('\n'))[0]!, /acme\.yaml:10:3: pickupGroups\.front desk: a pickup group name is/);
  assert.match(problems([HEAD, 'pickupGroups: [ "1001" ]'].join('\n'))[0]!, /acme\.yaml:9:15: pickupGroups: expected a mapping of group names/);
});

test('bad park: a malformed range, too many slots, a slot that is an extension, a timeout out of bounds, a fallback of another kind or naming nothing', () => {
  assert.match(problems([HEAD, 'park: { slots: "701" }'].join('\n'))[0]!, /acme\.yaml:9:16: park\.slots: must be a range of slot numbers such as "701-720"/);
  assert.match(problems([HEAD, 'park: { slots: "701-99" }'].join('\n'))[0]!, /park\.slots: both ends of the range have the same number of digits/);
  assert.match(problems([HEAD, 'park: { slots: "100-300" }'].join('\n'))[0]!, /park\.slots: at most 100 slots/);
  assert.match(problems([HEAD, 'park: { slots: "720-701" }'].join('\n'))[0]!, /park\.slots: the first slot comes before the last/);
  assert.match(problems([HEAD, 'park: { slots: "701-710" }'].join('\n'))[0]!, /acme\.yaml:9:\d+: park\.slots: slot 702 is an extension of this tenant/);
  assert.match(problems([HEAD, 'park: { slots: "801-810", timeoutSeconds: 2 }'].join('\n'))[0]!, /park\.timeoutSeconds: must be between 5 and 3600, got 2/);
  assert.match(problems([HEAD, 'park: { slots: "801-810", fallback: { voicemail: "1001" } }'].join('\n'))[0]!, /park\.fallback: a parked call falls back to an extension, a ring group or hangup/);
  assert.match(problems([HEAD, 'park: { slots: "801-810", fallback: { extension: "1009" } }'].join('\n'))[0]!, /park\.fallback: 1009 is not an extension of this tenant/);
  assert.match(problems([HEAD, 'park: { slots: "801-810", fallback: { ringGroup: support } }'].join('\n'))[0]!, /park\.fallback: support is not a ring group of this tenant/);
});

test.run();
