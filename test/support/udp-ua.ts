import { createSocket, type Socket } from 'node:dgram';
import { buildAuthorization, pickChallenge } from '../../src/sip/auth/client-digest.js';
import { getHeader, getHeaderValues } from '../../src/sip/message/headers.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { newBranch, newCallId, newTag } from '../../src/util/ids.js';

/**
 * A minimal SIP user agent over UDP for tests that need to look closely at answers
 * (SIPp covers the flows). It speaks through the real network to the real server.
 */
export class UdpUa {
  private constructor(
    private readonly sock: Socket,
    readonly port: number,
    private readonly server: { host: string; port: number },
  ) {}

  static async open(server: { host: string; port: number }, localAddress = '127.0.0.1'): Promise<UdpUa> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, localAddress, () => r()));
    return new UdpUa(sock, (sock.address() as { port: number }).port, server);
  }

  close(): void {
    this.sock.close();
  }

  /** Send a request and resolve with the final response (or undefined after timeoutMs). */
  async request(req: SipRequest, timeoutMs = 2000): Promise<SipResponse | undefined> {
    const callId = getHeader(req, 'call-id');
    const cseq = getHeader(req, 'cseq');
    return new Promise((resolve) => {
      const onMsg = (buf: Buffer) => {
        const r = parseMessage(buf);
        if (!r.ok || r.message.kind !== 'response') return;
        const res = r.message;
        if (getHeader(res, 'call-id') !== callId || getHeader(res, 'cseq') !== cseq || res.status < 200) return;
        cleanup();
        resolve(res);
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(undefined);
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.sock.off('message', onMsg);
      };
      this.sock.on('message', onMsg);
      this.sock.send(serializeMessage(req), this.server.port, this.server.host);
    });
  }

  register(o: { user: string; domain: string; cseq: number; callId: string; authorization?: string; expires?: number; contact?: string }): SipRequest {
    const headers = [
      { name: 'via', value: `SIP/2.0/UDP 127.0.0.1:${this.port};rport;branch=${newBranch()}` },
      { name: 'max-forwards', value: '70' },
      { name: 'from', value: `<sip:${o.user}@${o.domain}>;tag=${newTag()}` },
      { name: 'to', value: `<sip:${o.user}@${o.domain}>` },
      { name: 'call-id', value: o.callId },
      { name: 'cseq', value: `${o.cseq} REGISTER` },
      { name: 'contact', value: o.contact ?? `<sip:${o.user}@127.0.0.1:${this.port}>` },
      { name: 'expires', value: String(o.expires ?? 600) },
    ];
    if (o.authorization) headers.push({ name: 'authorization', value: o.authorization });
    return { kind: 'request', method: 'REGISTER', uri: `sip:${o.domain}`, headers, body: Buffer.alloc(0) };
  }

  /** REGISTER, answer the challenge with the given password, return the final answer. */
  async registerWithAuth(o: { user: string; domain: string; password: string; algorithm?: 'MD5' | 'SHA-256'; expires?: number }): Promise<{ challenge?: SipResponse; final?: SipResponse }> {
    const callId = newCallId('127.0.0.1');
    const challenge = await this.request(this.register({ ...o, cseq: 1, callId }));
    if (!challenge || challenge.status !== 401) return { ...(challenge ? { challenge } : {}) };
    const ch = pickChallenge(getHeaderValues(challenge, 'www-authenticate'), o.algorithm ? { algorithms: [o.algorithm] } : {});
    if (!ch) throw new Error('no usable challenge');
    const auth = buildAuthorization({ challenge: ch, username: o.user, password: o.password, method: 'REGISTER', uri: `sip:${o.domain}` });
    if (!auth.ok) throw new Error(auth.error);
    const final = await this.request(this.register({ ...o, cseq: 2, callId, authorization: auth.value }));
    return { challenge, ...(final ? { final } : {}) };
  }
}
