import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigErrors } from '../util/errors.js';
import { parseTenantConfig } from './tenant-config.js';

const FILE = '/etc/pbx/tenants/acme.yaml';
const HEAD = ['id: acme', 'domains: [ a.example ]', 'extensions:', '  - { ext: "1001", password: "first-secret-1" }', '  - { ext: "1002", password: "second-secret-2" }'];

function problems(lines: string[]): string[] {
  try {
    parseTenantConfig([...HEAD, ...lines].join('\n'), FILE, {});
  } catch (err) {
    assert.instance(err, ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.message);
  }
  assert.unreachable('no ConfigErrors thrown');
  return [];
}

test('queues: read with defaults; an IVR option may lead to one', () => {
  const t = parseTenantConfig(
    [...HEAD, 'queues:', '  - { name: sales, number: 600, strategy: roundrobin, members: [ 1001, { ext: "1002", penalty: 3 } ], overflow: { voicemail: "1001" } }', 'ivrs:', '  - { name: main, greeting: welcome, options: { "1": { queue: sales } } }'].join('\n'),
    FILE,
    {},
  );
  assert.equal(t.queues, [
    {
      name: 'sales',
      number: '600',
      strategy: 'roundrobin',
      members: [
        { ext: '1001', penalty: 0 },
        { ext: '1002', penalty: 3 },
      ],
      agents: [],
      ringSeconds: 15,
      wrapUpSeconds: 0,
      maxWaitSeconds: 0,
      maxLength: 0,
      joinEmpty: true,
      announceSeconds: 0,
      serviceLevelSeconds: 20,
      overflow: { type: 'voicemail', box: '1001' },
    },
  ]);
  assert.equal(t.ivrs?.[0]?.options['1'], { type: 'queue', name: 'sales' });
});

test('queues: every problem at file:line:col', () => {
  assert.equal(
    problems([
      'queues:',
      '  - { name: sales, strategy: loudest, members: [ "1001" ] }',
      '  - { name: help, members: [ "1001", "1001" ], wrapUpSeconds: -1 }',
      '  - { name: other, number: "1002", members: [ "2001" ], agents: [ "1001" ] }',
      '  - { name: other2, members: [ "1001" ], overflow: { queue: nowhere } }',
      '  - { name: bad, colour: red }',
    ]),
    [
      '/etc/pbx/tenants/acme.yaml:7:30: queues[0].strategy: must be one of ringall, roundrobin, leastrecent, fewestcalls, random',
      '/etc/pbx/tenants/acme.yaml:8:38: queues[1].members[1]: extension 1001 is listed twice',
      '/etc/pbx/tenants/acme.yaml:8:63: queues[1].wrapUpSeconds: must be a whole number from 0 to 3600',
      '/etc/pbx/tenants/acme.yaml:9:28: queues[2].number: 1002 is an extension of this tenant',
      "/etc/pbx/tenants/acme.yaml:9:47: queues[2].members[0]: no extension '2001' in this tenant",
      "/etc/pbx/tenants/acme.yaml:10:61: queues[3].overflow.queue: no queue 'nowhere' in this tenant",
      '/etc/pbx/tenants/acme.yaml:11:26: queues[4].colour: unknown key (known keys: name, number, strategy, members, agents, ringSeconds, wrapUpSeconds, maxWaitSeconds, maxLength, joinEmpty, announceSeconds, serviceLevelSeconds, overflow)',
    ],
  );
});

test.run();
