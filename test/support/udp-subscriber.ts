import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { buildAuthorization, pickChallenge } from '../../src/sip/auth/client-digest.js';
import { getHeader, getHeaderValues, tagOf } from '../../src/sip/message/headers.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { createResponse } from '../../src/sip/message/response.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { newBranch, newCallId, newTag } from '../../src/util/ids.js';

/**
 * A raw RFC 6665 subscriber over UDP for tests: SUBSCRIBE with digest (407) answered,
 * refresh and unsubscribe in its dialog, and every NOTIFY it receives kept and answered
 * (200, or `notifyStatus` to play a phone that lost the subscription).
 */
export class UdpSubscriber {
  readonly notifies: SipRequest[] = [];
  notifyStatus = 200;
  private cseq = 1;
  private callId = newCallId('127.0.0.1');
  private fromTag = newTag();
  private remoteTag: string | undefined;
  private remoteTarget: string | undefined;
  private waiters: Array<{ match: (m: SipRequest) => boolean; resolve: (m: SipRequest) => void }> = [];
  private pending = new Map<string, (r: SipResponse) => void>();

  private constructor(
    private readonly sock: Socket,
    readonly port: number,
    readonly o: { user: string; domain: string; password: string; server: { host: string; port: number } },
  ) {
    sock.on('message', (b, r) => this.onMessage(b, r));
  }

  static async open(o: { user: string; domain: string; password: string; server: { host: string; port: number } }): Promise<UdpSubscriber> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    return new UdpSubscriber(sock, (sock.address() as { port: number }).port, o);
  }

  close(): void {
    this.sock.close();
  }

  /** A new subscription (new dialog) to `resource@domain`; returns the final answer after the challenge. */
  async subscribe(resource: string, opts: { expires?: number; event?: string; accept?: string; domain?: string; contact?: string | null; rawExpires?: string } = {}): Promise<SipResponse | undefined> {
    this.callId = newCallId('127.0.0.1');
    this.remoteTag = undefined;
    this.event = opts.event;
    const uri = `sip:${resource}@${opts.domain ?? this.o.domain}`;
    const res = await this.send(uri, `<${uri}>`, opts);
    if (res && res.status === 200) {
      this.remoteTag = tagOf(getHeader(res, 'to'));
      this.remoteTarget = /<([^>]+)>/.exec(getHeader(res, 'contact') ?? '')?.[1];
    }
    return res;
  }

  /**
   * Take over another subscriber's dialog identifiers (Call-ID, tags, target), as an
   * attacker who saw them would, to send refreshes in it with this subscriber's credentials.
   */
  hijack(victim: UdpSubscriber): void {
    this.callId = victim.callId;
    this.fromTag = victim.fromTag;
    this.remoteTag = victim.remoteTag;
    this.remoteTarget = victim.remoteTarget;
    this.lastTo = victim.lastTo;
    this.event = victim.event;
    this.cseq = victim.cseq + 100;
  }

  /** A refresh (or with expires 0, an unsubscribe) in the dialog. */
  async refresh(expires: number): Promise<SipResponse | undefined> {
    if (!this.remoteTag || !this.remoteTarget) throw new Error('no subscription');
    return this.send(this.remoteTarget, `<sip:${this.o.user}@${this.o.domain}>;tag=${this.remoteTag}`, { expires, ...(this.event !== undefined ? { event: this.event } : {}) }, this.lastTo);
  }

  /** The Event of the current subscription (refreshes repeat it, RFC 6665 §4.2.1.2); absent: message-summary. */
  private event: string | undefined;

  private lastTo = '';

  private async send(uri: string, to: string, opts: { expires?: number; event?: string; accept?: string; contact?: string | null; rawExpires?: string }, _prev?: string): Promise<SipResponse | undefined> {
    const toValue = this.remoteTag && _prev !== undefined ? `${this.lastTo};tag=${this.remoteTag}` : to;
    if (!this.remoteTag) this.lastTo = to;
    const build = (auth?: string): SipRequest => {
      const headers = [
        { name: 'via', value: `SIP/2.0/UDP 127.0.0.1:${this.port};rport;branch=${newBranch()}` },
        { name: 'max-forwards', value: '70' },
        { name: 'from', value: `<sip:${this.o.user}@${this.o.domain}>;tag=${this.fromTag}` },
        { name: 'to', value: toValue },
        { name: 'call-id', value: this.callId },
        { name: 'cseq', value: `${this.cseq++} SUBSCRIBE` },
        ...(opts.contact === null ? [] : [{ name: 'contact', value: opts.contact ?? `<sip:${this.o.user}@127.0.0.1:${this.port}>` }]),
        { name: 'event', value: opts.event ?? 'message-summary' },
      ];
      if (opts.expires !== undefined) headers.push({ name: 'expires', value: String(opts.expires) });
      if (opts.rawExpires !== undefined) headers.push({ name: 'expires', value: opts.rawExpires });
      if (opts.accept !== undefined) headers.push({ name: 'accept', value: opts.accept });
      if (auth) headers.push({ name: 'proxy-authorization', value: auth });
      return { kind: 'request', method: 'SUBSCRIBE', uri, headers, body: Buffer.alloc(0) };
    };
    const first = await this.request(build());
    if (!first || first.status !== 407) return first;
    const ch = pickChallenge(getHeaderValues(first, 'proxy-authenticate'), { algorithms: ['MD5'] });
    if (!ch) throw new Error('no usable challenge');
    const auth = buildAuthorization({ challenge: ch, username: this.o.user, password: this.o.password, method: 'SUBSCRIBE', uri });
    if (!auth.ok) throw new Error(auth.error);
    return this.request(build(auth.value));
  }

  /** The next NOTIFY (already received from index `from` on, or to come). */
  nextNotify(from = 0, timeoutMs = 5000, match: (m: SipRequest) => boolean = () => true): Promise<SipRequest> {
    const seen = this.notifies.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (m: SipRequest) => (clearTimeout(t), resolve(m)) };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${this.o.user}: no NOTIFY within ${timeoutMs} ms (got ${this.notifies.length})`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  private request(req: SipRequest, timeoutMs = 3000): Promise<SipResponse | undefined> {
    const key = getHeader(req, 'cseq')!;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.pending.set(key, (r) => {
        clearTimeout(t);
        this.pending.delete(key);
        resolve(r);
      });
      this.sock.send(serializeMessage(req), this.o.server.port, this.o.server.host);
    });
  }

  private onMessage(buf: Buffer, rinfo: RemoteInfo): void {
    const r = parseMessage(buf);
    if (!r.ok) return;
    const m = r.message;
    if (m.kind === 'response') {
      if (m.status >= 200 && getHeader(m, 'call-id') === this.callId) this.pending.get(getHeader(m, 'cseq')!)?.(m);
      return;
    }
    if (m.method !== 'NOTIFY') return;
    this.notifies.push(m);
    this.sock.send(serializeMessage(createResponse(m, this.notifyStatus)), rinfo.port, rinfo.address);
    for (const w of [...this.waiters]) {
      if (w.match(m)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      }
    }
  }
}
