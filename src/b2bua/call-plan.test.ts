import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dialledNumber, failoverStatus, trunkIdentityHeaders, wantsPrivacy } from './call-plan.js';

test('failover to the next trunk only on server errors and timeouts', () => {
  assert.ok(failoverStatus([{ status: 503 }]));
  assert.ok(failoverStatus([{ status: 408 }]));
  assert.ok(failoverStatus([{ status: 500 }, { status: 504 }]));
  assert.not.ok(failoverStatus([{ status: 486 }]), 'busy is an answer, not a trunk failure');
  assert.not.ok(failoverStatus([{ status: 404 }]));
  assert.not.ok(failoverStatus([{ status: 503 }, { status: 403 }]));
});

test('caller ID goes in From and P-Asserted-Identity at the trunk domain', () => {
  assert.equal(trunkIdentityHeaders('+14155550100', 'carrier.test'), {
    fromValue: '<sip:+14155550100@carrier.test>',
    headers: [['P-Asserted-Identity', '<sip:+14155550100@carrier.test>']],
  });
  assert.equal(trunkIdentityHeaders(undefined, 'carrier.test'), { headers: [] });
});

test('a caller asking for privacy gets an anonymous From, its identity only in PAI with Privacy: id', () => {
  assert.equal(trunkIdentityHeaders('+14155550100', 'carrier.test', true), {
    fromValue: '"Anonymous" <sip:anonymous@anonymous.invalid>',
    headers: [
      ['P-Asserted-Identity', '<sip:+14155550100@carrier.test>'],
      ['Privacy', 'id'],
    ],
  });
  assert.ok(wantsPrivacy('id', undefined));
  assert.ok(wantsPrivacy('header; critical', undefined));
  assert.ok(wantsPrivacy(undefined, '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1'));
  assert.not.ok(wantsPrivacy('none', '<sip:1001@acme.example>;tag=1'));
  assert.not.ok(wantsPrivacy(undefined, undefined));
});

test('visual separators are not part of a dialled number', () => {
  assert.is(dialledNumber('+1 (415) 555-0100'), '+14155550100');
  assert.is(dialledNumber('1001'), '1001');
});

test.run();
