import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flowsTenantYaml, IVR_DID, VM_BOX, VM_DID } from './flows-config.mjs';

test('the bench tenant routes its DIDs to the box and the menu, and its trunk is known by its own address', () => {
  const y = flowsTenantYaml({ trunkHost: '127.0.0.2', trunkPort: 5099 });
  assert.ok(y.includes(`{ did: "${VM_DID}", destination: { voicemail: "${VM_BOX}" } }`));
  assert.ok(y.includes(`{ did: "${IVR_DID}", destination: { ivr: main } }`));
  assert.ok(y.includes('allowedSources: [ "127.0.0.2/32" ]'));
  // within the validation limits (voicemail-spec.ts, field-rules.ts): maxMessages ≤ 10000, maxSeconds ≤ 3600, callsPerSecond ≤ 10000
  assert.match(y, /box: "2000".*maxMessages: 10000, maxSeconds: 120/);
  assert.match(y, /callsPerSecond: 10000, storageMB: 10000/);
});



test('the project parses the bench tenant file without a problem (a refused file would leave the server without the tenant)', async () => {
  const { parseTenantConfig } = await import('../../../src/config/tenant-config.ts');
  const y = flowsTenantYaml({ trunkHost: '127.0.0.2', trunkPort: 5099 });
  const t = parseTenantConfig(y, '/tmp/tenants/t000.yaml', {});
  assert.is(t.id, 't000');
  assert.throws(() => parseTenantConfig(y.replace('callsPerSecond: 10000', 'callsPerSecond: 100000'), '/tmp/tenants/t000.yaml', {}), /t000\.yaml:\d+:\d+: limits\.callsPerSecond/);
});
test.run();
