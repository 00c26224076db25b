import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock } from '../util/clock.js';
import { memoryLogger } from '../util/logger.js';
import { EmailNotifier, formatInZone, voicemailMail, type SmtpSettings } from './email-notifier.js';
import type { VoicemailEvent } from './voicemail-event.js';
import { smtpSink } from '../../test/support/smtp-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'vm-mail-'));
// A WAV with every byte value in its data, so any mangling of the attachment shows.
const wav = Buffer.concat([Buffer.from('RIFF\x24\x04\x00\x00WAVEfmt ', 'latin1'), Buffer.from([16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0]), Buffer.from('data\x00\x04\x00\x00', 'latin1'), Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256))]);
const wavPath = join(dir, 'm42.wav');
writeFileSync(wavPath, wav);

// The system clock's timers do not keep a process alive; the test's retry waits must.
const clock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => ({ id: Number(setTimeout(fn, ms)[Symbol.toPrimitive]()) }),
  clearTimeout: (h) => h && clearTimeout(h.id),
};

const EVENT: VoicemailEvent = { tenant: 'acme', box: '1001', message: { id: 'm42', from: '+4930123456', at: Date.UTC(2026, 2, 29, 0, 30, 0), durationMs: 12_400, path: wavPath } };

function notifier(smtp: SmtpSettings, logger = memoryLogger()) {
  return new EmailNotifier({ clock, logger, smtp: () => smtp, addressOf: (t, b) => (t === 'acme' && b === '1001' ? 'alice@acme.example' : undefined), timeZoneOf: () => 'Europe/Berlin', baseDelayMs: 10, maxDelayMs: 50 });
}

test('the mail reaches the SMTP server with the WAV attached byte for byte, caller, box and local date', async () => {
  const sink = await smtpSink({ user: 'relay', password: 'pw' });
  const out = await notifier({ host: '127.0.0.1', port: sink.port, secure: false, user: 'relay', password: 'pw', from: 'PBX <voicemail@pbx.example>', attempts: 3 }).deposit(EVENT);
  await sink.close();
  assert.equal(out, { sent: true, attempts: 1 });
  assert.is(sink.authed(), 'relay');
  assert.is(sink.mails.length, 1);
  const m = sink.mails[0]!;
  assert.is(m.subject, 'New voicemail from +4930123456 in box 1001');
  assert.is((m.to as { text: string }).text, 'alice@acme.example');
  assert.match(m.text ?? '', 'Box:      1001');
  // 00:30 UTC on the day Berlin goes to summer time is 01:30 CET (the change is at 01:00 UTC).
  assert.match(m.text ?? '', 'Date:     2026-03-29 01:30:00 GMT+1');
  assert.is(m.attachments.length, 1);
  assert.is(m.attachments[0]!.contentType, 'audio/wav');
  assert.is(m.attachments[0]!.filename, 'voicemail-m42.wav');
  assert.ok(m.attachments[0]!.content.equals(wav), 'attachment bytes intact');
});

test('a relay that fails (451) is retried with back-off and logged; the mail then arrives once', async () => {
  const sink = await smtpSink({ failFirst: 2 });
  const logger = memoryLogger();
  const out = await notifier({ host: '127.0.0.1', port: sink.port, secure: false, from: 'voicemail@pbx.example', attempts: 5 }, logger).deposit(EVENT);
  await sink.close();
  assert.equal(out, { sent: true, attempts: 3 });
  assert.is(sink.mails.length, 1);
  assert.is(logger.lines.filter((l) => l.includes('will retry')).length, 2);
});

test('a relay that is down: bounded attempts, then given up; deposit() never throws', async () => {
  const sink = await smtpSink();
  const port = sink.port;
  await sink.close();
  const logger = memoryLogger();
  const out = await notifier({ host: '127.0.0.1', port, secure: false, from: 'voicemail@pbx.example', attempts: 2 }, logger).deposit(EVENT);
  assert.equal(out, { sent: false, attempts: 2 });
  assert.ok(logger.lines.some((l) => l.includes('given up')));
});

test('no smtp: in pbx.yaml or no address for the box: nothing is sent', async () => {
  const n = new EmailNotifier({ clock, logger: memoryLogger(), smtp: () => undefined, addressOf: () => 'x@y.example', timeZoneOf: () => undefined });
  assert.is(await n.deposit(EVENT), undefined);
  const n2 = notifier({ host: '127.0.0.1', port: 1, secure: false, from: 'a@b.example', attempts: 1 });
  assert.is(await n2.deposit({ ...EVENT, box: '1002' }), undefined);
});

test('a hostile caller ID cannot add headers; the time zone decides the date', () => {
  const m = voicemailMail({ ...EVENT, message: { ...EVENT.message, from: 'evil\r\nBcc: victim@example.com' } }, { from: 'a@b.example', to: 'c@d.example', timeZone: 'UTC' });
  assert.not.ok(/[\r\n]/.test(m.subject));
  assert.is(formatInZone(Date.UTC(2026, 6, 1, 12, 0, 0), 'Europe/Berlin'), '2026-07-01 14:00:00 GMT+2');
  assert.is(formatInZone(Date.UTC(2026, 6, 1, 12, 0, 0), 'America/New_York'), '2026-07-01 08:00:00 EDT');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
