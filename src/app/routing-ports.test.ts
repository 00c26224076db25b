import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RoutingPlan } from '../model/routing-plan.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { TrunkResolver } from '../trunk/trunk-target.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { routingPorts } from './routing-ports.js';
import { TrunkBook } from '../trunk/trunk-book.js';

const plan: RoutingPlan = {
  countryCode: '1',
  nationalPrefix: '1',
  callerId: '+14155550100',
  dids: ['+14155550100'],
  trunks: [],
  ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1001'], ringSeconds: 10 }],
  inboundRoutes: [
    { did: '+14155550100', destination: { type: 'ringGroup', name: 'sales' } },
    { did: '*', destination: { type: 'extension', ext: '1001' } },
  ],
  outboundRoutes: [{ name: 'all', patterns: ['011.', 'NXXNXXXXXX'], strip: 0, prepend: '', trunks: ['carrier'] }],
};

function tenant(features?: { international?: boolean }): TenantContext {
  const exts: Record<string, { ext: string; callerId?: string }> = { '1001': { ext: '1001', callerId: '+14155550111' }, '1002': { ext: '1002' } };
  return { id: 'acme', features, store: { getRoutingPlan: () => plan, getExtension: (e: string) => exts[e] } } as unknown as TenantContext;
}

const book = new TrunkBook({ resolver: new TrunkResolver({ clock: new FakeClock(), resolve: async () => [] }), logger: silentLogger });
const ports = routingPorts({ trunks: book, emergencyNumbers: () => ['911'] });

test('an international extension dials abroad unless the provider switched international off for the tenant', () => {
  assert.is(ports.routeOutbound(tenant(), '01144207946000', 'international').kind, 'route');
  assert.is(ports.routeOutbound(tenant({ international: true }), '01144207946000', 'international').kind, 'route');
  const off = ports.routeOutbound(tenant({ international: false }), '01144207946000', 'international');
  assert.equal([off.kind, off.kind === 'refused' ? off.status : 0], ['refused', 403]);
  assert.is(ports.routeOutbound(tenant({ international: false }), '4155550199', 'international').kind, 'route', 'national still goes');
  assert.is(ports.routeOutbound(tenant({ international: false }), '911', 'internal').kind, 'route', 'emergency always goes');
});

test('an unknown class of service is treated as internal (fail closed)', () => {
  assert.is(ports.routeOutbound(tenant(), '4155550199', 'gold').kind, 'refused');
});

test('inbound: the route of the DID, else the catch-all; caller ID of the extension, else the tenant', () => {
  assert.equal(ports.inboundDestination(tenant(), '+14155550100'), { type: 'ringGroup', name: 'sales' });
  assert.equal(ports.inboundDestination(tenant(), '+14155550999'), { type: 'extension', ext: '1001' });
  assert.is(ports.ringGroup(tenant(), 'sales')?.members[0], '1001');
  assert.is(ports.callerIdOf(tenant(), '1001'), '+14155550111');
  assert.is(ports.callerIdOf(tenant(), '1002'), '+14155550100');
});

test.run();
