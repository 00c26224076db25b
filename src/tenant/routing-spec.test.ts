import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateRoutingSpec, type RoutingSpec } from './routing-spec.js';
import type { SpecProblem } from '../model/tenant-errors.js';

const EXTS = new Set(['1001', '1002', '1003']);

function check(spec: RoutingSpec) {
  const problems: SpecProblem[] = [];
  const plan = validateRoutingSpec(spec, EXTS, (path, message) => problems.push({ path, message }));
  return { plan, paths: problems.map((p) => p.path), problems };
}

test('an empty spec gets the defaults', () => {
  const { plan, paths } = check({});
  assert.equal(paths, []);
  assert.equal(plan, { countryCode: '', nationalPrefix: '0', dids: [], trunks: [], ringGroups: [], inboundRoutes: [], outboundRoutes: [] });
});

test('defaults are filled in: trunk port and transport, allowed sources of a register trunk, strip and prepend', () => {
  const { plan, paths } = check({
    countryCode: '44',
    trunks: [
      { name: 'reg', kind: 'register', host: 'sip.example', username: 'u', password: 'p' },
      { name: 'tls', kind: 'ip', host: '192.0.2.1', transport: 'tls', allowedSources: ['192.0.2.0/24'] },
    ],
    outboundRoutes: [{ name: 'all', patterns: ['0.'], trunks: ['reg'] }],
  });
  assert.equal(paths, []);
  assert.equal(plan.trunks[0], { name: 'reg', kind: 'register', host: 'sip.example', port: 5060, transport: 'udp', registerExpires: 3600, allowedSources: ['sip.example'], username: 'u', password: 'p' });
  assert.is(plan.trunks[1]!.port, 5061);
  assert.equal(plan.outboundRoutes[0], { name: 'all', patterns: ['0.'], strip: 0, prepend: '', trunks: ['reg'] });
});

test('DIDs: E.164 only, no repeats; inbound routes only for own DIDs or *, once each', () => {
  const { paths, plan } = check({
    dids: ['+14155550100', '4155550100', '+14155550100', '+14155550101'],
    inboundRoutes: [
      { did: '+14155550100', destination: { type: 'extension', ext: '1001' } },
      { did: '+14155550100', destination: { type: 'hangup' } },
      { did: '+19995550100', destination: { type: 'hangup' } },
      { did: '*', destination: { type: 'extension', ext: '9999' } },
    ],
  });
  assert.equal(paths, ['dids[1]', 'dids[2]', 'inboundRoutes[1].did', 'inboundRoutes[2].did', 'inboundRoutes[3].destination.ext']);
  assert.equal(plan.dids, ['+14155550100', '+14155550101']);
});

test('a long DID list is validated in linear time', () => {
  const dids = Array.from({ length: 100_000 }, (_, i) => `+1415${String(i).padStart(7, '0')}`);
  const { paths, plan } = check({ dids, inboundRoutes: dids.map((did) => ({ did, destination: { type: 'hangup' } as const })) });
  assert.equal(paths, []);
  assert.is(plan.dids.length, 100_000);
  assert.is(plan.inboundRoutes.length, 100_000);
});

test('ring groups: members are extensions, once each; repeated names, repeated patterns and fallback loops are reported', () => {
  const { paths } = check({
    ringGroups: [
      { name: 'a', strategy: 'simultaneous', members: ['1001', '1001', '4444'], ringSeconds: 10 },
      { name: 'b', strategy: 'sequential', members: ['1002'], ringSeconds: 10, fallback: { type: 'ringGroup', name: 'c' } },
      { name: 'c', strategy: 'sequential', members: ['1003'], ringSeconds: 10, fallback: { type: 'ringGroup', name: 'b' } },
      { name: 'b', strategy: 'sequential', members: ['1003'], ringSeconds: 10 },
    ],
    outboundRoutes: [{ name: 'r', patterns: ['NXX', 'nxx'], trunks: ['t', 't'] }],
  });
  assert.equal(paths, [
    'ringGroups[0].members[1]',
    'ringGroups[0].members[2]',
    'ringGroups[3].name',
    'ringGroups[1].fallback',
    'ringGroups[2].fallback',
    'outboundRoutes[0].patterns[1]',
    'outboundRoutes[0].trunks[1]',
  ]);
});

test.run();
