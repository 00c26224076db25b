import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RouteTable, templateParams } from './route-table.js';

function table() {
  const t = new RouteTable<string>();
  t.add('GET', '/tenants', 'list');
  t.add('POST', '/tenants', 'create');
  t.add('GET', '/tenants/{tenantId}', 'get');
  t.add('DELETE', '/tenants/{tenantId}', 'delete');
  t.add('GET', '/tenants/{tenantId}/dids/{number}', 'did');
  t.add('GET', '/tenants/special', 'special');
  return t;
}

test('literal and parameter segments, decoded after the split', () => {
  const t = table();
  assert.equal(t.match('GET', '/tenants'), { kind: 'found', value: 'list', params: {}, template: '/tenants' });
  assert.equal(t.match('GET', '/tenants/acme'), { kind: 'found', value: 'get', params: { tenantId: 'acme' }, template: '/tenants/{tenantId}' });
  assert.equal(t.match('GET', '/tenants/a%2Fb'), { kind: 'found', value: 'get', params: { tenantId: 'a/b' }, template: '/tenants/{tenantId}' });
  const did = t.match('GET', '/tenants/acme/dids/%2B14155550100');
  assert.equal(did.kind === 'found' ? did.params : undefined, { tenantId: 'acme', number: '+14155550100' });
  const plus = t.match('GET', '/tenants/acme/dids/+14155550100');
  assert.equal(plus.kind === 'found' ? plus.params['number'] : undefined, '+14155550100');
});

test('a literal wins over a parameter', () => {
  const t = table();
  assert.is((t.match('GET', '/tenants/special') as { value: string }).value, 'special');
  const d = t.match('DELETE', '/tenants/special');
  assert.equal(d.kind === 'found' ? [d.value, d.params] : d, ['delete', { tenantId: 'special' }], 'falls back to the parameter for a method only it has');
});

test('405 with the allowed methods for a known path', () => {
  const t = table();
  assert.equal(t.match('PUT', '/tenants'), { kind: 'method-not-allowed', allow: ['GET', 'POST'] });
  assert.equal(t.match('POST', '/tenants/acme'), { kind: 'method-not-allowed', allow: ['DELETE', 'GET'] });
});

test('unknown, empty segments, bad escapes and trailing slashes are not found', () => {
  const t = table();
  for (const p of ['/nope', '/tenants/', '//tenants', '/tenants/acme/dids', '/tenants/%E0%A4%A', 'tenants', '/tenants/acme/x/y/z', '/' + 'a/'.repeat(40)]) {
    assert.equal(t.match('GET', p), { kind: 'not-found' }, p);
  }
});

test('templates are checked when added', () => {
  const t = new RouteTable<string>();
  t.add('GET', '/a/{x}', '1');
  assert.throws(() => t.add('GET', '/a/{x}', '2'), /duplicate/);
  assert.throws(() => t.add('GET', '/a/{y}/b', '3'), /conflicts/);
  assert.throws(() => t.add('GET', '/a/b{x}', '4'), /whole segment/);
  assert.throws(() => t.add('GET', '/a//b', '5'), /empty segment/);
  assert.throws(() => t.add('GET', '/a/{x}/{x}', '6'), /twice/);
  assert.equal(templateParams('/tenants/{tenantId}/extensions/{ext}'), ['tenantId', 'ext']);
});

test.run();
