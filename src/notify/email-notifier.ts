import { basename } from 'node:path';
import { createTransport } from 'nodemailer';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { retryDelayMs } from './retry-schedule.js';
import type { VoicemailEvent } from './voicemail-event.js';

/** pbx.yaml `smtp:`: the operator's relay. */
export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  attempts: number;
}

/** A mail as handed to the relay. */
export interface VoicemailMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  attachments: Array<{ filename: string; path: string; contentType: string }>;
}

/** What sends one mail (nodemailer's SMTP transport by default). */
export type MailSender = (mail: VoicemailMail) => Promise<void>;

export interface EmailNotifierOptions {
  clock: Clock;
  logger: Logger;
  smtp: () => SmtpSettings | undefined;
  /** The e-mail address of a box of a tenant; undefined: the box wants no mail. */
  addressOf: (tenant: string, box: string) => string | undefined;
  /** The tenant's IANA time zone (tenant YAML `timezone:`); undefined: UTC. */
  timeZoneOf: (tenant: string) => string | undefined;
  /** Replaces nodemailer (tests of the retry schedule); default: SMTP to smtp(). */
  send?: MailSender;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * E-mail on voicemail deposit: the WAV attached, subject and body with caller, box and
 * date in the tenant's time zone, sent to the operator's relay. A failing relay is retried
 * with exponential back-off (smtp.attempts in all) and logged; deposit() resolves when
 * the mail is sent or given up and never throws, so a call is never held up by mail.
 */
export class EmailNotifier {
  private readonly log: Logger;

  constructor(private readonly o: EmailNotifierOptions) {
    this.log = o.logger.child('email');
  }

  async deposit(e: VoicemailEvent): Promise<{ sent: boolean; attempts: number } | undefined> {
    const smtp = this.o.smtp();
    const to = this.o.addressOf(e.tenant, e.box);
    if (!smtp || !to) return undefined;
    const mail = voicemailMail(e, { from: smtp.from, to, timeZone: this.o.timeZoneOf(e.tenant) ?? 'UTC' });
    const send = this.o.send ?? smtpSender(smtp);
    const schedule = { attempts: smtp.attempts, baseMs: this.o.baseDelayMs ?? 30_000, maxMs: this.o.maxDelayMs ?? 1_800_000 };
    for (let attempt = 1; ; attempt++) {
      try {
        await send(mail);
        this.log.info('voicemail e-mail sent', { tenant: e.tenant, box: e.box, message: e.message.id, attempt });
        return { sent: true, attempts: attempt };
      } catch (err) {
        const wait = retryDelayMs(attempt + 1, schedule);
        this.log.warn(wait === undefined ? 'voicemail e-mail not sent; given up' : 'voicemail e-mail not sent; will retry', { tenant: e.tenant, box: e.box, message: e.message.id, attempt, error: (err as Error).message, ...(wait !== undefined ? { retryInMs: wait } : {}) });
        if (wait === undefined) return { sent: false, attempts: attempt };
        await new Promise<void>((r) => this.o.clock.setTimeout(r, wait));
      }
    }
  }
}

/** The mail for a deposit. The caller ID comes from the network: control characters are removed and it is cut short. */
export function voicemailMail(e: VoicemailEvent, o: { from: string; to: string; timeZone: string }): VoicemailMail {
  const caller = clean(e.message.from) || 'unknown caller';
  const box = clean(e.box);
  const when = formatInZone(e.message.at, o.timeZone);
  const seconds = Math.round(e.message.durationMs / 1000);
  return {
    from: o.from,
    to: o.to,
    subject: `New voicemail from ${caller} in box ${box}`,
    text: [`You have a new voicemail message.`, ``, `From:     ${caller}`, `Box:      ${box}`, `Date:     ${when}`, `Length:   ${seconds} s`, ``, `The message is attached.`].join('\n') + '\n',
    attachments: [{ filename: `voicemail-${clean(e.message.id)}.wav`.replace(/[^A-Za-z0-9._-]/g, '_') || basename(e.message.path), path: e.message.path, contentType: 'audio/wav' }],
  };
}

/** e.g. "2026-01-02 04:04:05 CET" in the tenant's zone (Intl, the time-zone database). */
export function formatInZone(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).formatToParts(ms);
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${p('timeZoneName')}`;
}

function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 80);
}

function smtpSender(s: SmtpSettings): MailSender {
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    ...(s.user !== undefined ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return async (mail) => {
    await transport.sendMail(mail);
  };
}
