import { lookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { retryDelayMs } from './retry-schedule.js';
import type { VoicemailEvent } from './voicemail-event.js';
import { webhookSignature } from './webhook-signature.js';

/** One webhook of a tenant (tenant YAML `webhooks:`). */
export interface Webhook {
  url: string;
  secret: string;
  events: readonly string[];
}

export interface WebhookNotifierOptions {
  clock: Clock;
  logger: Logger;
  /** The tenant's webhooks. */
  webhooksOf: (tenant: string) => readonly Webhook[];
  /** Why the PBX may not connect to this IP (the outbound address policy of tenant trunks); undefined: it may. */
  refusal: (ip: string) => string | undefined;
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
}

export const VOICEMAIL_NEW = 'voicemail.new';

/**
 * Signed webhooks for voicemail deposits: POST JSON with X-PBX-Timestamp and
 * X-PBX-Signature (webhook-signature.ts), retried with exponential back-off on a network
 * error, a timeout, 429 or 5xx, a bounded number of times; any other answer ends it. The
 * target must pass the outbound address policy: the address actually connected to is the
 * one checked (the lookup is ours), so a name that resolves to loopback later is refused too.
 * Never throws into the caller; never blocks a call.
 */
export class WebhookNotifier {
  private readonly log: Logger;

  constructor(private readonly o: WebhookNotifierOptions) {
    this.log = o.logger.child('webhook');
  }

  /** Deliver a deposit to every webhook of its tenant that wants voicemail.new. Resolves when all are done (delivered or given up). */
  async deposit(e: VoicemailEvent): Promise<Array<{ url: string; delivered: boolean; attempts: number }>> {
    const body = JSON.stringify({
      event: VOICEMAIL_NEW,
      tenant: e.tenant,
      box: e.box,
      message: { id: e.message.id, from: e.message.from, at: new Date(e.message.at).toISOString(), durationMs: e.message.durationMs },
    });
    const hooks = this.o.webhooksOf(e.tenant).filter((h) => h.events.includes(VOICEMAIL_NEW));
    return Promise.all(hooks.map((h) => this.deliver(e.tenant, h, body)));
  }

  private async deliver(tenant: string, hook: Webhook, body: string): Promise<{ url: string; delivered: boolean; attempts: number }> {
    const schedule = { attempts: this.o.attempts ?? 5, baseMs: this.o.baseDelayMs ?? 2000, maxMs: this.o.maxDelayMs ?? 300_000 };
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.post(hook, body);
      if (outcome.kind === 'ok') return { url: hook.url, delivered: true, attempts: attempt };
      const wait = outcome.kind === 'retry' ? retryDelayMs(attempt + 1, schedule) : undefined;
      this.log.warn(wait === undefined ? 'webhook not delivered; given up' : 'webhook not delivered; will retry', { tenant, url: redact(hook.url), attempt, why: outcome.why, ...(wait !== undefined ? { retryInMs: wait } : {}) });
      if (wait === undefined) return { url: hook.url, delivered: false, attempts: attempt };
      await new Promise<void>((r) => this.o.clock.setTimeout(r, wait));
    }
  }

  private post(hook: Webhook, body: string): Promise<{ kind: 'ok' } | { kind: 'retry' | 'fail'; why: string }> {
    let url: URL;
    try {
      url = new URL(hook.url);
    } catch {
      return Promise.resolve({ kind: 'fail', why: 'not a URL' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.resolve({ kind: 'fail', why: 'only http and https' });
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    if (isIP(host)) {
      const r = this.o.refusal(host);
      if (r) return Promise.resolve({ kind: 'fail', why: r });
    }
    const refusal = this.o.refusal;
    // Our lookup: every address a name resolves to is checked before it is connected to.
    const checkedLookup: LookupFunction = (hostname, options, cb) => {
      lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return cb(err, '', 4);
        const list = addresses as Array<{ address: string; family: number }>;
        const bad = list.map((a) => refusal(a.address)).find((x) => x !== undefined);
        if (bad) return cb(Object.assign(new Error(bad), { code: 'EREFUSEDBYPOLICY' }), '', 4);
        if ((options as { all?: boolean }).all) return (cb as unknown as (e: null, a: typeof list) => void)(null, list);
        cb(null, list[0]!.address, list[0]!.family);
      });
    };
    const timestamp = String(Math.floor(this.o.clock.now() / 1000));
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'pbx-webhook',
      'x-pbx-event': VOICEMAIL_NEW,
      'x-pbx-timestamp': timestamp,
      'x-pbx-signature': webhookSignature(hook.secret, timestamp, body),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = send(url, { method: 'POST', headers, lookup: checkedLookup, timeout: this.o.timeoutMs ?? 10_000 }, (res) => {
        res.resume();
        const s = res.statusCode ?? 0;
        if (s >= 200 && s < 300) resolve({ kind: 'ok' });
        else if (s === 429 || s >= 500 || s === 408) resolve({ kind: 'retry', why: `HTTP ${s}` });
        else resolve({ kind: 'fail', why: `HTTP ${s}` });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: Error & { code?: string }) => resolve({ kind: err.code === 'EREFUSEDBYPOLICY' ? 'fail' : 'retry', why: err.message }));
      req.end(body);
    });
  }
}

/** A URL for the log without user info or query (they may hold tokens). */
function redact(u: string): string {
  try {
    const url = new URL(u);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
