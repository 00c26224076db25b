import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readWebhooks, validateWebhooks, WEBHOOKS_SETTING } from './webhook-spec.js';

test('valid webhooks come back as stored; none is undefined', () => {
  const bad: string[] = [];
  const v = validateWebhooks([{ url: 'https://h.example/x', secret: '0123456789abcdef', events: ['voicemail.new', 'voicemail.new'] }], (p, m) => bad.push(`${p}: ${m}`));
  assert.equal(bad, []);
  assert.equal(v, [{ url: 'https://h.example/x', secret: '0123456789abcdef', events: ['voicemail.new'] }]);
  assert.is(validateWebhooks(undefined, () => {}), undefined);
});

test('the API path: hostile values are refused with a path each', () => {
  const bad: string[] = [];
  validateWebhooks([{ url: 'javascript:alert(1)', secret: 'x', events: ['rm -rf'] }, null, 'x'], (p) => bad.push(p));
  assert.equal(bad, ['webhooks[0].url', 'webhooks[0].secret', 'webhooks[0].events', 'webhooks[1].url', 'webhooks[1].secret', 'webhooks[1].events', 'webhooks[2].url', 'webhooks[2].secret', 'webhooks[2].events']);
  const notList: string[] = [];
  validateWebhooks({ url: 'x' }, (p) => notList.push(p));
  assert.equal(notList, ['webhooks']);
});

test('readWebhooks: absent or unreadable setting is none', () => {
  const rows = new Map<string, string>();
  const store = { getSetting: (k: string) => rows.get(k) };
  assert.equal(readWebhooks(store), []);
  rows.set(WEBHOOKS_SETTING, '{not json');
  assert.equal(readWebhooks(store), []);
  rows.set(WEBHOOKS_SETTING, JSON.stringify([{ url: 'https://a.example', secret: 's'.repeat(16), events: ['voicemail.new'] }]));
  assert.is(readWebhooks(store).length, 1);
});

test.run();
