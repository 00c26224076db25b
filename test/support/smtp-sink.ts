import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  port: number;
  mails: ParsedMail[];
  /** The user that authenticated last, if any. */
  authed(): string | undefined;
  /** Resolves with the next mail (or one already received from index `from`). */
  next(from?: number, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback (npm smtp-server) for tests: no STARTTLS, optional AUTH,
 * the first `failFirst` messages refused with 451, every accepted one parsed (mailparser).
 */
export async function smtpSink(o: { failFirst?: number; user?: string; password?: string; host?: string } = {}): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  const waiters: Array<() => void> = [];
  let failures = o.failFirst ?? 0;
  let authed: string | undefined;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: o.user === undefined,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === o.user && auth.password === o.password) {
        authed = auth.username;
        return cb(null, { user: auth.username });
      }
      cb(new Error('bad credentials'));
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        }
        simpleParser(Buffer.concat(chunks)).then((m) => {
          mails.push(m);
          cb();
          for (const w of waiters.splice(0)) w();
        }, cb);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, o.host ?? '127.0.0.1', () => r()));
  const sink: SmtpSink = {
    port: (server.server.address() as AddressInfo).port,
    mails,
    authed: () => authed,
    async next(from = 0, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length <= from) {
        if (Date.now() > deadline) throw new Error(`no mail within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 200);
          waiters.push(() => (clearTimeout(t), r()));
        });
      }
      return mails[from]!;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return sink;
}
