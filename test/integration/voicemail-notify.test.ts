// Voicemail notifications from the real server: a deposit reported by the voicemail
// service is mailed through pbx.yaml's smtp: relay (a real SMTP server on loopback) with
// the WAV attached, and POSTed, signed, to the webhook of the tenant's YAML (a real HTTP
// receiver on 127.0.0.2, which pbx.yaml allows); another tenant's webhook hears nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyWebhookSignature } from '../../src/notify/webhook-signature.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { smtpSink, type SmtpSink } from '../support/smtp-sink.js';

const SECRET_ACME = 'acme-webhook-secret-0123';
const SECRET_GLOBEX = 'globex-webhook-secret-0123';

interface Hit {
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
}

const logger = memoryLogger('info');
let pbx: InProcessPbx;
let sink: SmtpSink;
let hits: Hit[] = [];
let http: ReturnType<typeof createServer>;
let loopbackHits: Hit[] = [];
let loopbackHttp: ReturnType<typeof createServer>;

function receiver(list: Hit[]) {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      list.push({ path: req.url ?? '', body, headers: req.headers });
      res.statusCode = 204;
      res.end();
    });
  });
}

test.before(async () => {
  sink = await smtpSink({ user: 'relay', password: 'relay-pw' });
  http = receiver(hits);
  await new Promise<void>((r) => http.listen(0, '127.0.0.2', () => r()));
  loopbackHttp = receiver(loopbackHits);
  await new Promise<void>((r) => loopbackHttp.listen(0, '127.0.0.1', () => r()));
  const port = (http.address() as AddressInfo).port;
  const loopPort = (loopbackHttp.address() as AddressInfo).port;
  const hook = (path: string, secret: string, host = '127.0.0.2', p = port) => `webhooks:\n  - { url: "http://${host}:${p}${path}", secret: "${secret}", events: [ voicemail.new ] }`;
  pbx = await InProcessPbx.start({
    name: 'vm-notify',
    logger,
    security: 'tenantTrunkAllowedNetworks: [ "127.0.0.2/32" ]',
    extraYaml: `smtp: { host: 127.0.0.1, port: ${sink.port}, user: relay, password: "\${SMTP_PASSWORD}", from: "PBX <voicemail@pbx.example>" }`,
    env: { SMTP_PASSWORD: 'relay-pw' },
    tenants: [
      { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret', extraKeys: 'voicemail: { email: "alice@acme.example" }' }], extraYaml: hook('/acme', SECRET_ACME) },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }], extraYaml: hook('/globex', SECRET_GLOBEX) },
      // 127.0.0.1 is the PBX's own address: refused whatever pbx.yaml allows (checked again at delivery).
      { id: 'initech', domains: ['initech.example'], extensions: [{ ext: '1001', password: 'initech-1001-secret' }], extraYaml: hook('/initech', 'initech-webhook-secret-01', 'localhost', loopPort) },
    ],
  });
});

test.after(async () => {
  await pbx.stop();
  await sink.close();
  await new Promise((r) => http.close(r));
  await new Promise((r) => loopbackHttp.close(r));
});

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a deposit in acme: the mail with the WAV arrives at the relay, the signed webhook at acme\'s URL only', async () => {
  const dir = join(pbx.dir, 'data', 'tenants', 'acme', 'voicemail', '1001');
  mkdirSync(dir, { recursive: true });
  const wav = Buffer.concat([Buffer.from('RIFF....WAVE', 'latin1'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7) % 256))]);
  const path = join(dir, 'msg-1.wav');
  writeFileSync(path, wav);
  pbx.server.notifications.deposits.emit({ tenant: 'acme', box: '1001', message: { id: 'msg-1', from: '+4930123456', at: Date.UTC(2026, 11, 7, 9, 0, 0), durationMs: 5000, path } });

  const mail = await sink.next(0);
  assert.is(sink.authed(), 'relay');
  assert.is((mail.to as { text: string }).text, 'alice@acme.example');
  assert.is(mail.subject, 'New voicemail from +4930123456 in box 1001');
  assert.match(mail.text ?? '', 'Date:     2026-12-07 09:00:00 UTC');
  assert.ok(mail.attachments[0]!.content.equals(wav), 'the attachment is the file, byte for byte');

  await until(() => hits.length > 0, 'the webhook');
  const h = hits[0]!;
  assert.is(h.path, '/acme');
  assert.ok(verifyWebhookSignature(SECRET_ACME, String(h.headers['x-pbx-timestamp']), h.body, h.headers['x-pbx-signature'] as string), 'signature verifies with acme\'s secret');
  assert.not.ok(verifyWebhookSignature(SECRET_GLOBEX, String(h.headers['x-pbx-timestamp']), h.body, h.headers['x-pbx-signature'] as string));
  assert.equal(JSON.parse(h.body), { event: 'voicemail.new', tenant: 'acme', box: '1001', message: { id: 'msg-1', from: '+4930123456', at: '2026-12-07T09:00:00.000Z', durationMs: 5000 } });
  await new Promise((r) => setTimeout(r, 300));
  assert.is(hits.length, 1, 'globex\'s webhook heard nothing of acme');
});

test('a webhook at the PBX\'s own loopback (by name) is refused at delivery; nothing is sent', async () => {
  pbx.server.notifications.deposits.emit({ tenant: 'initech', box: '1001', message: { id: 'm', from: '1001', at: Date.now(), durationMs: 1000, path: '/nonexistent' } });
  await until(() => logger.lines.some((l) => l.includes('webhook not delivered; given up') && l.includes('initech')), 'the refusal in the log');
  const line = logger.lines.find((l) => l.includes('webhook not delivered; given up') && l.includes('initech'))!;
  assert.match(line, /loopback|own addresses/);
  assert.is(loopbackHits.length, 0);
});

test.run();
