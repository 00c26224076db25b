import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PbxConfig } from '../config/types.js';
import { unusableRouteTrunks } from './route-trunk-check.js';

const t = (name: string) => ({ name, kind: 'ip' as const, host: '192.0.2.1', port: 5060, transport: 'udp' as const, registerExpires: 3600, allowedSources: ['192.0.2.1/32'] });
const provider: PbxConfig['trunks'] = [
  { ...t('shared'), tenants: ['*'] },
  { ...t('premium-carrier'), tenants: ['globex'] },
];
const route = (trunks: string[]) => ({ name: 'out', patterns: ['X.'], strip: 0, prepend: '', trunks });

test('own trunks and provider trunks open to the tenant are usable', () => {
  assert.equal(unusableRouteTrunks({ id: 'acme', trunks: [t('mine')], outboundRoutes: [route(['mine', 'shared'])] }, provider), []);
  assert.equal(unusableRouteTrunks({ id: 'globex', trunks: [], outboundRoutes: [route(['premium-carrier'])] }, provider), []);
});

test("a provider trunk open to another tenant, or a name nobody has, is reported at its path", () => {
  const problems = unusableRouteTrunks({ id: 'acme', trunks: [], outboundRoutes: [route(['shared']), route(['premium-carrier', 'nope'])] }, provider);
  assert.equal(problems, [
    'outboundRoutes[1].trunks[0]: provider trunk premium-carrier is not open to tenant acme (its tenants: list in pbx.yaml)',
    "outboundRoutes[1].trunks[1]: no trunk nope: neither this tenant's own nor a provider trunk of pbx.yaml",
  ]);
});

test.run();
