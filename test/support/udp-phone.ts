import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { buildAuthorization, pickChallenge } from '../../src/sip/auth/client-digest.js';
import { getHeader, getHeaderValues, tagOf } from '../../src/sip/message/headers.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { createResponse } from '../../src/sip/message/response.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { newBranch, newCallId, newTag } from '../../src/util/ids.js';

/** How a phone answers an INVITE. */
export type AnswerMode =
  | { kind: 'answer'; ringMs?: number; /** send a 180 again after the 200 (a known real-phone quirk) */ late180?: boolean }
  | { kind: 'busy' }
  /** 183 with an SDP answer (early media), then 486 after afterMs (a carrier's busy announcement). */
  | { kind: 'early-busy'; afterMs?: number }
  | { kind: 'ring' }
  | { kind: 'decline' };

export interface PhoneOptions {
  user: string;
  domain: string;
  password: string;
  server: { host: string; port: number };
  /** The address the phone's sockets bind to (another loopback address = another host). */
  bindAddress?: string;
  /** The SIP port to bind (a carrier at the trunk's configured port); default any free one. */
  sipPort?: number;
  /** The address the phone writes in its SDP c= (a private one plays a phone behind NAT). */
  sdpAddress?: string;
  /** The port the phone writes in its SDP m= (default its own RTP socket's). */
  sdpPort?: number;
  /** Offer and answer Opus (opus/48000/2 as payload type 111) instead of PCMU. */
  opus?: boolean;
  /** Offer and answer only this codec (and telephone-event 101), e.g. { pt: 9, rtpmap: 'G722/8000' }. */
  audio?: { pt: number; rtpmap: string; /** its a=fmtp parameters */ fmtp?: string; /** telephone-event's rtpmap; telephone-event/8000 when absent */ telephoneEvent?: string };
  /** Offer and answer telephone-event 101 (RFC 4733); default true. */
  telephoneEvent?: boolean;
  /** An Allow header (e.g. 'INVITE, ACK, BYE, CANCEL, INFO') on its INVITE and its 200. */
  allow?: string;
  /**
   * Answer an in-dialog offer's direction as RFC 3264 §6.1 says (sendonly → recvonly,
   * recvonly → sendonly, inactive → inactive); default off: always sendrecv, as before.
   */
  answerDirection?: boolean;
}

/** RFC 3264 §6.1: the answer's direction for an offer's. */
function answerDirectionOf(offer: string): string {
  const d = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(offer)?.[1] ?? 'sendrecv';
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

interface Waiter {
  match: (m: SipMessage) => boolean;
  resolve: (m: SipMessage) => void;
}

/**
 * A small SIP phone over UDP for tests that need to see and steer every message (SIPp
 * drives the flows from outside; this looks inside): it registers, calls, answers, holds
 * and hangs up, with an RTP socket of its own. It speaks to the real server over the
 * network only.
 */
export class UdpPhone {
  readonly received: SipMessage[] = [];
  rtpReceived = 0;
  answer: AnswerMode = { kind: 'answer' };
  private waiters: Waiter[] = [];
  private cseq = 1;
  /** The dialog of the call in progress, as seen by this phone. */
  dialog: { callId: string; localTag: string; remoteTag?: string; remoteTarget?: string; incoming: boolean; inviteCseq: number; routeSet?: string[] } | undefined;
  private lastInvite: { req: SipRequest; rinfo: RemoteInfo } | undefined;
  private ringTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly o: PhoneOptions,
    private readonly sip: Socket,
    readonly sipPort: number,
    readonly rtp: Socket,
    readonly rtpPort: number,
  ) {
    sip.on('message', (buf, rinfo) => this.onSip(buf, rinfo));
    rtp.on('message', () => this.rtpReceived++);
  }

  static async open(o: PhoneOptions): Promise<UdpPhone> {
    const bind = o.bindAddress ?? '127.0.0.1';
    const sip = createSocket('udp4');
    await new Promise<void>((r) => sip.bind(o.sipPort ?? 0, bind, () => r()));
    const rtp = createSocket('udp4');
    await new Promise<void>((r) => rtp.bind(0, bind, () => r()));
    return new UdpPhone(o, sip, (sip.address() as { port: number }).port, rtp, (rtp.address() as { port: number }).port);
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.ringTimer);
    this.sip.close();
    this.rtp.close();
  }

  get address(): string {
    return this.o.bindAddress ?? '127.0.0.1';
  }

  get contact(): string {
    return `sip:${this.o.user}@${this.address}:${this.sipPort}`;
  }

  sdp(direction = 'sendrecv', version = 1): Buffer {
    const body = this.sdpWithEvents(direction, version).toString();
    if (this.o.telephoneEvent !== false) return Buffer.from(body);
    return Buffer.from(body.replace(/ 101\r\n/, '\r\n').replace(/a=rtpmap:101 [^\r]*\r\na=fmtp:101 [^\r]*\r\n/, ''));
  }

  private sdpWithEvents(direction: string, version: number): Buffer {
    const a = this.o.sdpAddress ?? this.address;
    if (this.o.audio) {
      const { pt, rtpmap, fmtp, telephoneEvent } = this.o.audio;
      const f = fmtp ? `a=fmtp:${pt} ${fmtp}\r\n` : '';
      return Buffer.from(
        `v=0\r\no=${this.o.user} 1000 ${version} IN IP4 ${a}\r\ns=-\r\nc=IN IP4 ${a}\r\nt=0 0\r\nm=audio ${this.o.sdpPort ?? this.rtpPort} RTP/AVP ${pt} 101\r\na=rtpmap:${pt} ${rtpmap}\r\n${f}a=rtpmap:101 ${telephoneEvent ?? 'telephone-event/8000'}\r\na=fmtp:101 0-15\r\na=${direction}\r\n`,
      );
    }
    if (this.o.opus) {
      return Buffer.from(
        `v=0\r\no=${this.o.user} 1000 ${version} IN IP4 ${a}\r\ns=-\r\nc=IN IP4 ${a}\r\nt=0 0\r\nm=audio ${this.o.sdpPort ?? this.rtpPort} RTP/AVP 111 101\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=${direction}\r\n`,
      );
    }
    return Buffer.from(
      `v=0\r\no=${this.o.user} 1000 ${version} IN IP4 ${a}\r\ns=-\r\nc=IN IP4 ${a}\r\nt=0 0\r\nm=audio ${this.o.sdpPort ?? this.rtpPort} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=${direction}\r\n`,
    );
  }

  // ---- waiting ---------------------------------------------------------------------------

  /** The next message (already received or to come) that matches. */
  next(match: (m: SipMessage) => boolean, timeoutMs = 5000, from = 0): Promise<SipMessage> {
    const seen = this.received.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w: Waiter = { match, resolve: (m) => (clearTimeout(t), resolve(m)) };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${this.o.user}: no matching message within ${timeoutMs} ms; got ${this.received.map(describe).join(', ')}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  mark(): number {
    return this.received.length;
  }

  // ---- registering -------------------------------------------------------------------------

  /** REGISTER with digest; `extraHeaders` go into both requests (a Path, a forged header...). */
  async register(expires = 600, extraHeaders: Array<{ name: string; value: string }> = []): Promise<number> {
    const callId = newCallId();
    const withExtra = (r: SipRequest): SipRequest => ({ ...r, headers: [...r.headers, ...extraHeaders] });
    const first = await this.requestFinal(withExtra(this.buildRegister(callId, expires)));
    if (first.status !== 401) return first.status;
    const ch = pickChallenge(getHeaderValues(first, 'www-authenticate'), { algorithms: ['MD5'] })!;
    const auth = buildAuthorization({ challenge: ch, username: this.o.user, password: this.o.password, method: 'REGISTER', uri: `sip:${this.o.domain}` });
    if (!auth.ok) throw new Error(auth.error);
    const second = await this.requestFinal(withExtra(this.buildRegister(callId, expires, auth.value)));
    return second.status;
  }

  private buildRegister(callId: string, expires: number, authorization?: string): SipRequest {
    const headers = this.baseHeaders('REGISTER', `<sip:${this.o.user}@${this.o.domain}>`, callId, newTag());
    headers.push({ name: 'contact', value: `<${this.contact}>` }, { name: 'expires', value: String(expires) });
    if (authorization) headers.push({ name: 'authorization', value: authorization });
    return { kind: 'request', method: 'REGISTER', uri: `sip:${this.o.domain}`, headers, body: Buffer.alloc(0) };
  }

  // ---- calling ------------------------------------------------------------------------------

  /** Place a call; resolves with the final response (after the 407 round trip). */
  async call(callee: string, opts: { password?: string; fromUser?: string; domain?: string; timeoutMs?: number; /** extra headers of the INVITE (e.g. Replaces) */ headers?: Array<{ name: string; value: string }>; /** RFC 3261 §13.2.1: an INVITE without SDP; our answer goes in the ACK of the 2xx ('no-answer': an ACK without one, a broken peer). */ lateOffer?: boolean | 'no-answer' } = {}): Promise<SipResponse> {
    const callId = newCallId();
    const tag = newTag();
    const domain = opts.domain ?? this.o.domain;
    this.dialog = { callId, localTag: tag, incoming: false, inviteCseq: 0 };
    const build = (auth?: string): SipRequest => {
      const headers = this.baseHeaders('INVITE', `<sip:${callee}@${domain}>`, callId, tag, opts.fromUser);
      headers.push({ name: 'contact', value: `<${this.contact}>` }, ...(opts.lateOffer ? [] : [{ name: 'content-type', value: 'application/sdp' }]), { name: 'supported', value: 'timer' });
      if (this.o.allow) headers.push({ name: 'allow', value: this.o.allow });
      if (opts.headers) headers.push(...opts.headers);
      if (auth) headers.push({ name: 'proxy-authorization', value: auth });
      this.dialog!.inviteCseq = this.cseq - 1;
      return { kind: 'request', method: 'INVITE', uri: `sip:${callee}@${domain}`, headers, body: opts.lateOffer ? Buffer.alloc(0) : this.sdp() };
    };
    const first = await this.requestFinal(build(), opts.timeoutMs);
    this.ack(first, opts.lateOffer === true);
    if (first.status !== 407) return this.settle(first);
    const ch = pickChallenge(getHeaderValues(first, 'proxy-authenticate'), { algorithms: ['MD5'] })!;
    const auth = buildAuthorization({ challenge: ch, username: opts.fromUser ?? this.o.user, password: opts.password ?? this.o.password, method: 'INVITE', uri: `sip:${callee}@${domain}` });
    if (!auth.ok) throw new Error(auth.error);
    const final = await this.requestFinal(build(auth.value), opts.timeoutMs ?? 40_000);
    this.ack(final, opts.lateOffer === true);
    return this.settle(final);
  }

  private settle(final: SipResponse): SipResponse {
    if (final.status >= 200 && final.status < 300 && this.dialog) {
      this.dialog.remoteTag = tagOf(getHeader(final, 'to'));
      this.dialog.remoteTarget = /<([^>]+)>/.exec(getHeader(final, 'contact') ?? '')?.[1];
      // RFC 3261 §12.1.2: the UAC's route set is the 2xx's Record-Route, in reverse order.
      this.dialog.routeSet = getHeaderValues(final, 'record-route').reverse();
    } else {
      this.dialog = undefined;
    }
    return final;
  }

  /** CANCEL the INVITE in progress (RFC 3261 §9.1). */
  cancel(invite: SipRequest): void {
    const headers = invite.headers.filter((h) => ['via', 'from', 'to', 'call-id', 'max-forwards'].includes(h.name)).map((h) => ({ ...h }));
    headers.push({ name: 'cseq', value: `${getHeader(invite, 'cseq')!.split(' ')[0]} CANCEL` });
    this.send({ kind: 'request', method: 'CANCEL', uri: invite.uri, headers, body: Buffer.alloc(0) });
  }

  /** The INVITE this phone sent last (for CANCEL). */
  sentInvites: SipRequest[] = [];

  /** An in-dialog request (BYE, re-INVITE, UPDATE, INFO); resolves with its final response. */
  async inDialog(method: string, body?: Buffer, extraHeaders: Array<{ name: string; value: string }> = []): Promise<SipResponse> {
    const d = this.dialog!;
    const from = d.incoming ? `<sip:${this.o.user}@${this.o.domain}>;tag=${d.localTag}` : `<sip:${this.o.user}@${this.o.domain}>;tag=${d.localTag}`;
    const headers = [
      { name: 'via', value: `SIP/2.0/UDP ${this.address}:${this.sipPort};rport;branch=${newBranch()}` },
      { name: 'max-forwards', value: '70' },
      { name: 'from', value: from },
      { name: 'to', value: `<sip:peer@${this.o.domain}>;tag=${d.remoteTag}` },
      { name: 'call-id', value: d.callId },
      { name: 'cseq', value: `${this.cseq++} ${method}` },
      { name: 'contact', value: `<${this.contact}>` },
    ];
    for (const r of d.routeSet ?? []) headers.push({ name: 'route', value: r });
    if (body && !extraHeaders.some((h) => h.name === 'content-type')) headers.push({ name: 'content-type', value: 'application/sdp' });
    headers.push(...extraHeaders);
    const req: SipRequest = { kind: 'request', method, uri: d.remoteTarget ?? `sip:${this.o.domain}`, headers, body: body ?? Buffer.alloc(0) };
    const res = await this.requestFinal(req);
    if (method === 'INVITE' && res.status >= 200) this.ackInDialog(res);
    if (method === 'BYE') this.dialog = undefined;
    return res;
  }

  /** Send RTP to where the last SDP we received says (the PBX). */
  sendRtp(toPort: number, toAddress: string, count: number, ssrc = 0x1234): void {
    for (let i = 0; i < count; i++) {
      const p = Buffer.alloc(172);
      p[0] = 0x80;
      p[1] = 0;
      p.writeUInt16BE(i & 0xffff, 2);
      p.writeUInt32BE(i * 160, 4);
      p.writeUInt32BE(ssrc, 8);
      this.rtp.send(p, toPort, toAddress);
    }
  }

  /**
   * Send `count` RTP packets of payload type `pt` paced like a phone: one every 20 ms of
   * wall time, the timestamp advancing by `tsStep` (960 for Opus at 48 kHz, 160 for G.711).
   */
  async sendRtpPaced(toPort: number, toAddress: string, count: number, o: { pt: number; tsStep: number; ssrc?: number }): Promise<void> {
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const due = start + i * 20;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const p = Buffer.alloc(92);
      p[0] = 0x80;
      p[1] = o.pt & 0x7f;
      p.writeUInt16BE(i & 0xffff, 2);
      p.writeUInt32BE((i * o.tsStep) >>> 0, 4);
      p.writeUInt32BE(o.ssrc ?? 0x4321, 8);
      this.rtp.send(p, toPort, toAddress);
    }
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private baseHeaders(method: string, to: string, callId: string, tag: string, fromUser?: string) {
    return [
      { name: 'via', value: `SIP/2.0/UDP ${this.address}:${this.sipPort};rport;branch=${newBranch()}` },
      { name: 'max-forwards', value: '70' },
      { name: 'from', value: `<sip:${fromUser ?? this.o.user}@${this.o.domain}>;tag=${tag}` },
      { name: 'to', value: to },
      { name: 'call-id', value: callId },
      { name: 'cseq', value: `${this.cseq++} ${method}` },
    ];
  }

  private async requestFinal(req: SipRequest, timeoutMs = 5000): Promise<SipResponse> {
    if (req.method === 'INVITE') this.sentInvites.push(req);
    const callId = getHeader(req, 'call-id');
    const cseq = getHeader(req, 'cseq');
    const from = this.mark();
    this.send(req);
    return (await this.next((m) => m.kind === 'response' && m.status >= 200 && getHeader(m, 'call-id') === callId && getHeader(m, 'cseq') === cseq, timeoutMs, from)) as SipResponse;
  }

  private ack(res: SipResponse, withAnswer = false): void {
    // ACK for a non-2xx is hop-by-hop (same branch); for a 2xx it is a new transaction.
    const inv = this.sentInvites[this.sentInvites.length - 1];
    if (!inv) return;
    const headers = [
      res.status < 300 ? { name: 'via', value: `SIP/2.0/UDP ${this.address}:${this.sipPort};rport;branch=${newBranch()}` } : { name: 'via', value: getHeader(inv, 'via')! },
      { name: 'max-forwards', value: '70' },
      { name: 'from', value: getHeader(inv, 'from')! },
      { name: 'to', value: getHeader(res, 'to')! },
      { name: 'call-id', value: getHeader(inv, 'call-id')! },
      { name: 'cseq', value: `${getHeader(inv, 'cseq')!.split(' ')[0]} ACK` },
    ];
    const answer = withAnswer && res.status < 300;
    if (answer) headers.push({ name: 'content-type', value: 'application/sdp' });
    const target = res.status < 300 ? (/<([^>]+)>/.exec(getHeader(res, 'contact') ?? '')?.[1] ?? inv.uri) : inv.uri;
    this.send({ kind: 'request', method: 'ACK', uri: target, headers, body: answer ? this.sdp() : Buffer.alloc(0) });
  }

  private ackInDialog(res: SipResponse): void {
    const d = this.dialog;
    if (!d || res.status >= 300) return;
    const seq = getHeader(res, 'cseq')!.split(' ')[0];
    this.send({
      kind: 'request',
      method: 'ACK',
      uri: d.remoteTarget ?? `sip:${this.o.domain}`,
      headers: [
        { name: 'via', value: `SIP/2.0/UDP ${this.address}:${this.sipPort};rport;branch=${newBranch()}` },
        { name: 'max-forwards', value: '70' },
        { name: 'from', value: `<sip:${this.o.user}@${this.o.domain}>;tag=${d.localTag}` },
        { name: 'to', value: `<sip:peer@${this.o.domain}>;tag=${d.remoteTag}` },
        { name: 'call-id', value: d.callId },
        { name: 'cseq', value: `${seq} ACK` },
        ...(d.routeSet ?? []).map((r) => ({ name: 'route', value: r })),
      ],
      body: Buffer.alloc(0),
    });
  }

  private send(m: SipMessage, to?: { address: string; port: number }): void {
    if (this.closed) return;
    this.sip.send(serializeMessage(m), to?.port ?? this.o.server.port, to?.address ?? this.o.server.host);
  }

  private onSip(buf: Buffer, rinfo: RemoteInfo): void {
    const r = parseMessage(buf);
    if (!r.ok) return;
    const m = r.message;
    this.received.push(m);
    for (const w of [...this.waiters]) {
      if (w.match(m)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      }
    }
    if (m.kind === 'request') this.onRequest(m, rinfo);
  }

  private onRequest(req: SipRequest, rinfo: RemoteInfo): void {
    const to = { address: rinfo.address, port: rinfo.port };
    if (req.method === 'ACK') return;
    if (req.method === 'INVITE' && tagOf(getHeader(req, 'to')) === undefined) {
      const localTag = newTag();
      this.lastInvite = { req, rinfo };
      this.dialog = { callId: getHeader(req, 'call-id')!, localTag, remoteTag: tagOf(getHeader(req, 'from')), remoteTarget: /<([^>]+)>/.exec(getHeader(req, 'contact') ?? '')?.[1], incoming: true, inviteCseq: 0, routeSet: getHeaderValues(req, 'record-route') };
      const reply = (status: number, body?: Buffer) => {
        const headers: Array<[string, string]> = [['Contact', `<${this.contact}>`]];
        // RFC 3261 §12.1.1: the UAS copies Record-Route into its responses that make the dialog.
        for (const r of getHeaderValues(req, 'record-route')) headers.push(['Record-Route', r]);
        if (body) headers.push(['Content-Type', 'application/sdp']);
        if (this.o.allow) headers.push(['Allow', this.o.allow]);
        this.send(createResponse(req, status, { toTag: localTag, headers, ...(body ? { body } : {}) }), to);
      };
      const a = this.answer;
      if (a.kind === 'busy') return reply(486);
      if (a.kind === 'decline') return reply(603);
      if (a.kind === 'early-busy') {
        reply(183, this.sdp());
        this.ringTimer = setTimeout(() => reply(486), a.afterMs ?? 300);
        return;
      }
      reply(180);
      if (a.kind === 'ring') return;
      this.ringTimer = setTimeout(() => {
        reply(200, this.sdp());
        if (a.late180) reply(180);
      }, a.ringMs ?? 0);
      return;
    }
    if (req.method === 'CANCEL' && this.lastInvite) {
      clearTimeout(this.ringTimer);
      this.send(createResponse(req, 200), to);
      const inv = this.lastInvite.req;
      this.send(createResponse(inv, 487, { toTag: this.dialog?.localTag ?? newTag() }), to);
      this.dialog = undefined;
      return;
    }
    // In-dialog requests: answer 200 (with our SDP for an offer).
    const body = req.body.length > 0 && (req.method === 'INVITE' || req.method === 'UPDATE') ? this.sdp(this.o.answerDirection ? answerDirectionOf(req.body.toString()) : 'sendrecv') : undefined;
    const headers: Array<[string, string]> = [['Contact', `<${this.contact}>`]];
    if (body) headers.push(['Content-Type', 'application/sdp']);
    this.send(createResponse(req, 200, { headers, ...(body ? { body } : {}) }), to);
    if (req.method === 'BYE') this.dialog = undefined;
  }
}

function describe(m: SipMessage): string {
  return m.kind === 'request' ? m.method : String(m.status);
}
