import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClassOfService, OutboundRoute, RoutingPlan } from '../model/routing-plan.js';
import { CLASSES_OF_SERVICE } from '../model/routing-plan.js';
import { cleanDialled, routeOutbound, type OutboundDecision } from './outbound-router.js';

function plan(countryCode: string, nationalPrefix: string, outboundRoutes: OutboundRoute[]): RoutingPlan {
  return { countryCode, nationalPrefix, dids: [], trunks: [], ringGroups: [], inboundRoutes: [], outboundRoutes };
}

const route = (name: string, patterns: string[], trunks: string[], strip = 0, prepend = ''): OutboundRoute => ({ name, patterns, strip, prepend, trunks });

const EXTENSIONS = new Set(['1001', '1002', '100']);

/** A NANP tenant dialling 9 for an outside line, plus direct E.164. */
const US = plan('1', '1', [
  route('emergency', ['911', '9911'], ['carrier-a'], 0, ''),
  route('us-local', ['9NXXXXXX'], ['carrier-a', 'carrier-b'], 1, '1415'),
  route('us-national', ['91NXXNXXXXXX', '9NXXNXXXXXX'], ['carrier-a', 'carrier-b'], 1),
  route('us-intl', ['9011.'], ['carrier-b'], 1),
  route('e164', ['+.'], ['carrier-b', 'carrier-a']),
]);

/** A UK tenant dialling numbers as they are. */
const UK = plan('44', '0', [
  route('uk', ['0[1-9].', '00.', '1XX', '+.'], ['bt', 'backup']),
]);

function dial(p: RoutingPlan, dialled: string, classOfService: ClassOfService, emergencyNumbers: readonly string[] = ['911', '112']): OutboundDecision {
  return routeOutbound({ plan: p, emergencyNumbers, isExtension: (d) => EXTENSIONS.has(d), dialled, classOfService });
}

function routed(d: OutboundDecision): Extract<OutboundDecision, { kind: 'route' }> {
  if (d.kind !== 'route') assert.unreachable(`expected a route, got ${JSON.stringify(d)}`);
  return d as Extract<OutboundDecision, { kind: 'route' }>;
}

function refused(d: OutboundDecision, status: number, reason?: RegExp | string) {
  assert.is(d.kind, 'refused', JSON.stringify(d));
  const r = d as Extract<OutboundDecision, { kind: 'refused' }>;
  assert.is(r.status, status, JSON.stringify(d));
  if (typeof reason === 'string') assert.is(r.reason, reason);
  else if (reason) assert.match(r.reason, reason);
}

test('an extension is internal, whatever the class of service', () => {
  for (const cos of CLASSES_OF_SERVICE) assert.equal(dial(US, '1001', cos), { kind: 'internal' });
  assert.equal(dial(US, '10-01', 'internal'), { kind: 'internal' });
});

test('an extension that is not a dial string is still internal', () => {
  const d = routeOutbound({ plan: US, emergencyNumbers: [], isExtension: (x) => x === 'alice', dialled: 'alice', classOfService: 'internal' });
  assert.equal(d, { kind: 'internal' });
});

test('NANP: local, national and international routes with strip and prepend', () => {
  let r = routed(dial(US, '95550100', 'national'));
  assert.equal(r, { kind: 'route', route: 'us-local', trunks: ['carrier-a', 'carrier-b'], number: '14155550100', e164: '+14155550100', emergency: false, numberClass: 'national' } as never);
  // 95550100 itself is local, but the prepend makes it national: local CoS may not.
  refused(dial(US, '95550100', 'local'), 403, 'class of service local does not allow national numbers');

  r = routed(dial(US, '9 1 (212) 555-0100', 'national'));
  assert.is(r.route, 'us-national');
  assert.is(r.number, '12125550100');
  assert.is(r.e164, '+12125550100');
  assert.is(r.numberClass, 'national');

  r = routed(dial(US, '9011442079460000', 'international'));
  assert.is(r.route, 'us-intl');
  assert.is(r.number, '011442079460000');
  assert.is(r.e164, '+442079460000');
  assert.is(r.numberClass, 'international');
  assert.equal(r.trunks, ['carrier-b']);

  r = routed(dial(US, '+442079460000', 'international'));
  assert.is(r.route, 'e164');
  assert.is(r.number, '+442079460000');
  assert.equal(r.trunks, ['carrier-b', 'carrier-a']);
});

test('NANP: class of service refuses dearer numbers with a clear reason', () => {
  refused(dial(US, '9011442079460000', 'national'), 403, 'class of service national does not allow international numbers');
  refused(dial(US, '+442079460000', 'national'), 403, 'class of service national does not allow international numbers');
  refused(dial(US, '912125550100', 'local'), 403, 'class of service local does not allow national numbers');
  refused(dial(US, '919005550100', 'international'), 403, 'class of service international does not allow premium numbers');
  assert.is(routed(dial(US, '919005550100', 'premium')).numberClass, 'premium');
  refused(dial(US, '918765550100', 'national'), 403, /does not allow international/); // Jamaica
  refused(dial(US, '9011881612345678', 'international'), 403, /premium/); // satellite
});

test('European tenants: 00, + and national prefix', () => {
  let r = routed(dial(UK, '02079460000', 'national'));
  assert.equal(r, { kind: 'route', route: 'uk', trunks: ['bt', 'backup'], number: '02079460000', e164: '+442079460000', emergency: false, numberClass: 'national' } as never);
  refused(dial(UK, '02079460000', 'local'), 403, 'class of service local does not allow national numbers');
  r = routed(dial(UK, '101', 'local'));
  assert.is(r.numberClass, 'local');
  assert.is(r.e164, undefined);
  refused(dial(UK, '0014155550100', 'national'), 403, 'class of service national does not allow international numbers');
  assert.is(routed(dial(UK, '0014155550100', 'international')).e164, '+14155550100');
  assert.is(routed(dial(UK, '+442079460000', 'national')).numberClass, 'national');
  refused(dial(UK, '+4930123456', 'national'), 403, /international/);
  refused(dial(UK, '09098790000', 'international'), 403, 'class of service international does not allow premium numbers');
  assert.is(routed(dial(UK, '09098790000', 'premium')).e164, '+449098790000');

  const DE = plan('49', '0', [route('de', ['0.'], ['telekom'])]);
  assert.is(routed(dial(DE, '030123456', 'national')).e164, '+4930123456');
  refused(dial(DE, '00442079460000', 'national'), 403, /international/);
  refused(dial(DE, '09001234567', 'international'), 403, /premium/);
  refused(dial(DE, '+4930123456', 'premium'), 404, 'No route');
});

test('a prepend cannot hide an international call', () => {
  // The route turns "8 + digits" into 011 + digits: the dialled string looks local.
  const p = plan('1', '1', [route('sneaky', ['8.'], ['carrier'], 1, '011')]);
  refused(dial(p, '8442079460000', 'national'), 403, 'class of service national does not allow international numbers');
  refused(dial(p, '8442079460000', 'local'), 403, /international/);
  const r = routed(dial(p, '8442079460000', 'international'));
  assert.is(r.number, '011442079460000');
  assert.is(r.e164, '+442079460000');
  assert.is(r.numberClass, 'international');
  // Nor premium behind a '+' prepend.
  const q = plan('44', '0', [route('plus', ['7.'], ['carrier'], 1, '+')]);
  refused(dial(q, '7881612345678', 'international'), 403, /premium/);
});

test('the dialled number counts too: a strip cannot hide it either', () => {
  // The dialled number is international; the route strips the 00 and sends a short number.
  const p = plan('44', '0', [route('strip', ['00.'], ['carrier'], 4)]);
  refused(dial(p, '00442079460000', 'local'), 403, /national/);
  refused(dial(p, '0014155550100', 'national'), 403, /international/);
});

test('emergency: routed ahead of a catch-all route, even with class of service internal', () => {
  const p = plan('1', '1', [route('everything', ['.'], ['carrier-a', 'carrier-b']), route('emergency', ['911'], ['e911'])]);
  const r = routed(dial(p, '911', 'internal'));
  assert.equal(r, { kind: 'route', route: 'everything', trunks: ['carrier-a', 'carrier-b'], number: '911', emergency: true, numberClass: 'emergency' } as never);
  refused(dial(p, '4155550100', 'internal'), 403, 'class of service internal allows no outside calls');
});

test('emergency: the first matching route, its strip and prepend', () => {
  const r = routed(dial(US, '911', 'internal'));
  assert.is(r.route, 'emergency');
  assert.equal(r.trunks, ['carrier-a']);
  assert.is(r.emergency, true);
  assert.is(r.numberClass, 'emergency');
  const p = plan('44', '0', [route('em', ['999', '112'], ['bt'], 0, '+44')]);
  const e = routed(dial(p, '999', 'internal', ['999', '112']));
  assert.is(e.number, '+44999');
  assert.is(e.emergency, true);
});

test('emergency: no matching route sends to every trunk of every route, in order, once', () => {
  const p = plan('44', '0', [route('a', ['0[1-9].'], ['t1', 't2']), route('b', ['00.'], ['t2', 't3']), route('c', ['+.'], ['t1', 't4'])]);
  const r = routed(dial(p, '112', 'internal'));
  assert.equal(r.trunks, ['t1', 't2', 't3', 't4']);
  assert.is(r.number, '112');
  assert.is(r.route, '');
  assert.is(r.emergency, true);
});

test('emergency: a matching route without trunks falls back to every trunk', () => {
  const p = plan('1', '1', [route('em', ['911'], []), route('rest', ['N.'], ['carrier'])]);
  const r = routed(dial(p, '911', 'internal'));
  assert.equal(r.trunks, ['carrier']);
  assert.is(r.route, 'em');
});

test('emergency: no trunk at all is 503', () => {
  refused(dial(plan('1', '1', []), '911', 'premium'), 503);
  refused(dial(plan('1', '1', [route('empty', ['911'], [])]), '911', 'internal'), 503);
});

test('emergency: a route that turns the dialled number into an emergency number (9 + 911)', () => {
  const p = plan('1', '1', [route('outside', ['9.'], ['carrier'], 1)]);
  const r = routed(dial(p, '9911', 'internal'));
  assert.is(r.number, '911');
  assert.is(r.emergency, true);
  // Not an emergency number otherwise: refused for internal.
  refused(dial(p, '9912', 'internal'), 403);
});

test('emergency: the dialled string with visual separators', () => {
  assert.is(routed(dial(US, '9-1-1', 'internal')).emergency, true);
});

test('no matching route is 404 No route', () => {
  refused(dial(US, '5550100', 'premium'), 404, 'No route');
  refused(dial(plan('1', '1', []), '4155550100', 'premium'), 404, 'No route');
});

test('a route without trunks is 503, one that leaves nothing to send is 404', () => {
  refused(dial(plan('44', '0', [route('r', ['0.'], [])]), '02079460000', 'national'), 503);
  refused(dial(plan('44', '0', [route('r', ['0.'], ['t'], 20)]), '02079460000', 'national'), 404);
});

test('routes are tried in declared order, and duplicate trunks are named once', () => {
  const p = plan('44', '0', [route('first', ['020.'], ['a', 'a', 'b']), route('second', ['0.'], ['c'])]);
  const r = routed(dial(p, '02079460000', 'national'));
  assert.is(r.route, 'first');
  assert.equal(r.trunks, ['a', 'b']);
  assert.is(routed(dial(p, '01134960000', 'national')).route, 'second');
});

test('a bad pattern in a route is skipped, not fatal', () => {
  const p = plan('44', '0', [route('broken', ['0..', 'abc', '0[.'], ['a']), route('good', ['0.'], ['b'])]);
  assert.is(routed(dial(p, '02079460000', 'national')).route, 'good');
});

test('patterns are compiled once per route object: the route is read again only when replaced', () => {
  const r = route('r', ['0.'], ['a']);
  const p = plan('44', '0', [r]);
  assert.is(routed(dial(p, '02079460000', 'national')).route, 'r');
  r.patterns = ['9.']; // a mutated route object keeps its compiled patterns
  assert.is(routed(dial(p, '02079460000', 'national')).route, 'r');
  p.outboundRoutes = [route('r', ['9.'], ['a'])];
  refused(dial(p, '02079460000', 'national'), 404, 'No route');
});

test('an unknown class of service is treated as internal', () => {
  refused(dial(UK, '02079460000', 'gold' as ClassOfService), 403, /internal/);
  assert.is(routed(dial(UK, '112', 'gold' as ClassOfService)).emergency, true);
});

test('star codes before a number do not lower its class', () => {
  const p = plan('1', '1', [route('any', ['*.', 'N.', '1.', '0.'], ['carrier'])]);
  refused(dial(p, '*67011442079460000', 'national'), 403, /international/);
  refused(dial(p, '*6719005550100', 'international'), 403, /premium/);
  assert.is(routed(dial(p, '*674155550100', 'national')).numberClass, 'national');
});

test('hostile dialled strings are refused 404 and never throw', () => {
  const catchAll = plan('1', '1', [route('all', ['.', '+.'], ['carrier'])]);
  const hostile: unknown[] = ['', ' ', '+', '++1', '1+1', 'abc', '911abc', 'sip:911@x', '0'.repeat(33), '+' + '1'.repeat(32), '9'.repeat(1e6), '\u0000', '١٢٣', '1;phone-context=x', '%39%31%31', undefined, null, 42, {}];
  for (const h of hostile) {
    for (const cos of [...CLASSES_OF_SERVICE, 'x' as ClassOfService]) {
      const d = routeOutbound({ plan: catchAll, emergencyNumbers: ['911'], isExtension: (x) => x === '1001', dialled: h as string, classOfService: cos });
      refused(d, 404, 'Not Found');
    }
  }
  // 32 characters is the limit; separators do not count.
  assert.is(routed(dial(catchAll, '1'.repeat(32), 'premium')).number, '1'.repeat(32));
  assert.is(routed(dial(catchAll, '+1 (415) 555-0100', 'national')).number, '+14155550100');
  assert.is(cleanDialled('1-2.3 (4)'), '1234');
  assert.is(cleanDialled('1'.repeat(33)), undefined);
  assert.is(cleanDialled('-'.repeat(200)), undefined);
  assert.is(cleanDialled('()'), undefined);
});

test('a broken plan or emergency list does not throw', () => {
  const broken = { countryCode: undefined, nationalPrefix: null, outboundRoutes: [{ name: 'x', patterns: null, strip: -3, prepend: 7, trunks: null }] } as unknown as RoutingPlan;
  refused(routeOutbound({ plan: broken, emergencyNumbers: null as never, isExtension: () => false, dialled: '911', classOfService: 'premium' }), 404);
  refused(routeOutbound({ plan: {} as RoutingPlan, emergencyNumbers: ['911'], isExtension: () => false, dialled: '911', classOfService: 'premium' }), 503);
  const withNull = { ...plan('1', '1', []), outboundRoutes: [null, route('r', ['911'], ['t'])] } as unknown as RoutingPlan;
  assert.is(routed(routeOutbound({ plan: withNull, emergencyNumbers: ['911'], isExtension: () => false, dialled: '911', classOfService: 'internal' })).route, 'r');
});

test.run();
