// A minimal SIP-over-WebSocket client (RFC 7118) for tests: what a browser's SIP library
// does on the wire (subprotocol "sip", one message per text frame, a Via of transport WS
// with an .invalid host, a Contact reachable only through this connection), built on the
// Node `ws` client. It registers with digest and answers INVITEs.
import WebSocket from 'ws';
import { buildAuthorization, pickChallenge } from '../../src/sip/auth/client-digest.js';
import { getHeader, getHeaderValues } from '../../src/sip/message/headers.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { createResponse } from '../../src/sip/message/response.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { newBranch, newCallId, newTag } from '../../src/util/ids.js';

export interface WsUaOptions {
  url: string;
  user: string;
  domain: string;
  password: string;
  /** Subprotocols to offer; ['sip'] by default. */
  protocols?: string[];
  /** For wss with the test certificate. */
  rejectUnauthorized?: boolean;
}

/** The made-up host of the Via and Contact, as SIP.js writes it (RFC 7118 §5.2 lets it be anything). */
const HOST = 'df7jal23ls0d.invalid';

export class WsUa {
  readonly received: SipMessage[] = [];
  private waiters: Array<{ match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }> = [];
  private cseq = 1;
  /** The answer this UA sends to an INVITE (its SDP); undefined answers 486. */
  answerSdp: Buffer | undefined;

  private constructor(
    readonly o: WsUaOptions,
    readonly socket: WebSocket,
  ) {
    socket.on('message', (data: Buffer) => this.onFrame(data));
  }

  /** Connect; rejects when the server refuses the upgrade (the HTTP status is in the message). */
  static connect(o: WsUaOptions): Promise<WsUa> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(o.url, o.protocols ?? ['sip'], { rejectUnauthorized: o.rejectUnauthorized ?? false, maxPayload: 1 << 20 });
      ws.once('open', () => resolve(new WsUa(o, ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', (err) => reject(err));
    });
  }

  get contact(): string {
    return `sip:${this.o.user}@${HOST};transport=ws`;
  }

  close(): void {
    this.socket.terminate();
  }

  /** Resolves with the close code once the server closes the connection. */
  closed(): Promise<number> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve(1006);
    return new Promise((resolve) => this.socket.once('close', (code: number) => resolve(code)));
  }

  send(msg: SipMessage): void {
    this.socket.send(serializeMessage(msg).toString('utf8'));
  }

  next(match: (m: SipMessage) => boolean, timeoutMs = 5000, from = 0): Promise<SipMessage> {
    const seen = this.received.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (m: SipMessage) => (clearTimeout(t), resolve(m)) };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${this.o.user} (ws): no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** REGISTER with digest over this connection; the final status. */
  async register(expires = 600): Promise<number> {
    const callId = newCallId();
    const tag = newTag();
    const build = (auth?: string): SipRequest => {
      const headers = this.base('REGISTER', `<sip:${this.o.user}@${this.o.domain}>`, callId, tag);
      headers.push({ name: 'contact', value: `<${this.contact}>;expires=${expires}` });
      if (auth) headers.push({ name: 'authorization', value: auth });
      return { kind: 'request', method: 'REGISTER', uri: `sip:${this.o.domain}`, headers, body: Buffer.alloc(0) };
    };
    const first = await this.request(build());
    if (first.status !== 401) return first.status;
    const ch = pickChallenge(getHeaderValues(first, 'www-authenticate'), { algorithms: ['MD5'] })!;
    const auth = buildAuthorization({ challenge: ch, username: this.o.user, password: this.o.password, method: 'REGISTER', uri: `sip:${this.o.domain}` });
    if (!auth.ok) throw new Error(auth.error);
    return (await this.request(build(auth.value))).status;
  }

  private async request(req: SipRequest, timeoutMs = 5000): Promise<SipResponse> {
    const callId = getHeader(req, 'call-id');
    const cseq = getHeader(req, 'cseq');
    const from = this.received.length;
    this.send(req);
    return (await this.next((m) => m.kind === 'response' && m.status >= 200 && getHeader(m, 'call-id') === callId && getHeader(m, 'cseq') === cseq, timeoutMs, from)) as SipResponse;
  }

  private base(method: string, to: string, callId: string, tag: string) {
    return [
      { name: 'via', value: `SIP/2.0/WS ${HOST};branch=${newBranch()}` },
      { name: 'max-forwards', value: '70' },
      { name: 'from', value: `<sip:${this.o.user}@${this.o.domain}>;tag=${tag}` },
      { name: 'to', value: to },
      { name: 'call-id', value: callId },
      { name: 'cseq', value: `${this.cseq++} ${method}` },
    ];
  }

  private onFrame(data: Buffer): void {
    const r = parseMessage(Buffer.from(data));
    if (!r.ok) return;
    const m = r.message;
    this.received.push(m);
    if (m.kind === 'request') this.onRequest(m);
    for (const w of [...this.waiters]) {
      if (w.match(m)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      }
    }
  }

  private onRequest(req: SipRequest): void {
    if (req.method === 'ACK') return;
    if (req.method === 'INVITE') {
      const toTag = newTag();
      this.send(createResponse(req, 180, { toTag }));
      if (!this.answerSdp) {
        this.send(createResponse(req, 486, { toTag }));
        return;
      }
      const headers: Array<[string, string]> = [
        ['contact', `<${this.contact}>`],
        ['content-type', 'application/sdp'],
      ];
      this.send(createResponse(req, 200, { toTag, headers, body: this.answerSdp }));
      return;
    }
    this.send(createResponse(req, 200));
  }
}
