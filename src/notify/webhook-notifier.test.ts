import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../util/clock.js';
import { memoryLogger } from '../util/logger.js';
import { OutboundAddressPolicy } from '../util/outbound-address-policy.js';
import type { VoicemailEvent } from './voicemail-event.js';
import { verifyWebhookSignature } from './webhook-signature.js';
import { WebhookNotifier, type Webhook } from './webhook-notifier.js';

const EVENT: VoicemailEvent = { tenant: 'acme', box: '1001', message: { id: 'm1', from: '+4930123456', at: Date.UTC(2026, 0, 2, 3, 4, 5), durationMs: 4200, path: '/data/tenants/acme/voicemail/1001/m1.wav' } };

/** A real HTTP receiver on loopback that answers from a script and verifies every signature. */
async function receiver(secret: string, answers: number[]) {
  const got: Array<{ body: string; verified: boolean; headers: IncomingMessage['headers'] }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ body, headers: req.headers, verified: verifyWebhookSignature(secret, String(req.headers['x-pbx-timestamp']), body, req.headers['x-pbx-signature'] as string | undefined) });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/vm`, got, close: () => new Promise((r) => server.close(r)) };
}

const loopbackAllowed = new OutboundAddressPolicy({ ownAddresses: [], allowedNetworks: ['127.0.0.0/8'] });

function notifier(hooks: Record<string, Webhook[]>, policy: OutboundAddressPolicy, logger = memoryLogger()) {
  return new WebhookNotifier({ clock: systemClock, logger, webhooksOf: (t) => hooks[t] ?? [], refusal: (ip) => policy.refusal(ip), attempts: 4, baseDelayMs: 10, maxDelayMs: 50 });
}

test('POSTs signed JSON; a 503 and a 500 are retried with back-off; the signature verifies', async () => {
  const rx = await receiver('s3cret', [503, 500, 204]);
  const logger = memoryLogger();
  const n = notifier({ acme: [{ url: rx.url, secret: 's3cret', events: ['voicemail.new'] }] }, loopbackAllowed, logger);
  const out = await n.deposit(EVENT);
  await rx.close();
  assert.equal(out, [{ url: rx.url, delivered: true, attempts: 3 }]);
  assert.is(rx.got.length, 3);
  assert.ok(rx.got.every((g) => g.verified), 'every delivery is signed');
  const body = JSON.parse(rx.got[2]!.body);
  assert.equal(body, { event: 'voicemail.new', tenant: 'acme', box: '1001', message: { id: 'm1', from: '+4930123456', at: '2026-01-02T03:04:05.000Z', durationMs: 4200 } });
  assert.not.ok(rx.got[0]!.body.includes('/data/'), 'the file path stays inside');
  assert.match(String(rx.got[0]!.headers['x-pbx-signature']), /^sha256=[0-9a-f]{64}$/);
  assert.ok(logger.lines.some((l) => l.includes('will retry')));
});

test('a wrong secret does not verify (the receiver can tell a forgery)', () => {
  assert.not.ok(verifyWebhookSignature('other', '1700000000', '{}', 'sha256=' + '0'.repeat(64)));
});

test('bounded: after the last attempt it gives up; a 4xx is not retried', async () => {
  const rx = await receiver('k', [500, 500, 500, 500, 500, 500]);
  const n = notifier({ acme: [{ url: rx.url, secret: 'k', events: ['voicemail.new'] }] }, loopbackAllowed);
  assert.equal(await n.deposit(EVENT), [{ url: rx.url, delivered: false, attempts: 4 }]);
  const rx2 = await receiver('k', [404]);
  const n2 = notifier({ acme: [{ url: rx2.url, secret: 'k', events: ['voicemail.new'] }] }, loopbackAllowed);
  assert.equal(await n2.deposit(EVENT), [{ url: rx2.url, delivered: false, attempts: 1 }]);
  await rx.close();
  await rx2.close();
  assert.is(rx.got.length, 4);
});

test('the outbound address policy: loopback (by IP or by a name that resolves to it) is refused and nothing is sent', async () => {
  const rx = await receiver('k', []);
  const strict = new OutboundAddressPolicy({ ownAddresses: [] });
  const byName = rx.url.replace('127.0.0.1', 'localhost');
  const n = notifier({ acme: [{ url: rx.url, secret: 'k', events: ['voicemail.new'] }, { url: byName, secret: 'k', events: ['voicemail.new'] }] }, strict);
  const out = await n.deposit(EVENT);
  await rx.close();
  assert.equal(out.map((o) => o.delivered), [false, false]);
  assert.equal(out.map((o) => o.attempts), [1, 1]);
  assert.is(rx.got.length, 0);
});

test('only the tenant\'s own webhooks, only for the events they asked for', async () => {
  const rx = await receiver('k', []);
  const n = notifier({ globex: [{ url: rx.url, secret: 'k', events: ['voicemail.new'] }], acme: [{ url: rx.url, secret: 'k', events: ['call.end'] }] }, loopbackAllowed);
  assert.equal(await n.deposit(EVENT), []);
  await rx.close();
  assert.is(rx.got.length, 0);
});

test.run();
