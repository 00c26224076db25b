// A SIP carrier for trunk tests, played by SIPp on loopback addresses of its own (127.0.0.10,
// 127.0.0.11, ...: Linux routes all of 127/8 to lo, and SIPp binds there with -i), so that the
// PBX sees it as another host:
//
//   CarrierUas.start(...)     the carrier receiving the PBX's outbound calls (carrier-uas*.xml),
//                             with its message trace read back (what the INVITE carried)
//   CarrierCaller.start(...)  the carrier placing inbound calls to a DID (carrier-uac*.xml)
//   RawUdpPeer                a plain UDP socket on some address, for what SIPp cannot play
//                             (a response sent from another address than the request went to)
import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { freeMediaPort } from './call-harness.js';
import { freePort } from './ports.js';
import { SippProcess, type SippOutcome } from './sipp-process.js';

/** One message of a SIPp -trace_msg log. */
export interface TracedMessage {
  direction: 'received' | 'sent';
  /** The whole message text, CRLF or LF as received. */
  text: string;
  /** Its start line. */
  startLine: string;
}

/** The messages of a SIPp -trace_msg log, in order. */
export function tracedMessages(trace: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  for (const b of trace.split(/^-{10,}.*$/m)) {
    const m = /^(?:UDP|TCP|TLS) message (received|sent)[^\n]*\n+([\s\S]*)$/m.exec(b.trimStart());
    if (!m) continue;
    const text = m[2]!.replace(/\s+$/, '');
    out.push({ direction: m[1] as 'received' | 'sent', text, startLine: text.split(/\r?\n/, 1)[0] ?? '' });
  }
  return out;
}

/** Every value of a header (full name or compact form) in a message's text, in order. */
export function headerValues(text: string, name: string, compact?: string): string[] {
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const names = [name.toLowerCase(), ...(compact ? [compact.toLowerCase()] : [])];
  const out: string[] = [];
  for (const line of head.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i > 0 && names.includes(line.slice(0, i).trim().toLowerCase())) out.push(line.slice(i + 1).trim());
  }
  return out;
}

/** The user part of the first sip:/sips:/tel: URI in a header value or start line. */
export function uriUser(value: string | undefined): string | undefined {
  return value === undefined ? undefined : /(?:sips?|tel):([^@;>\s]+)/.exec(value)?.[1];
}

/** A UDP port free on this address now (the carriers listen on addresses other than 127.0.0.1). */
export async function freeUdpPortOn(address: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    const ok = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p, address, () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
  throw new Error(`no free UDP port on ${address}`);
}

/** Whether some socket is bound to the IPv4 address:port (Linux /proc/net/udp; local_address is little-endian hex). */
export function udpBound(address: string, port: number): boolean {
  const want = `${address.split('.').reverse().map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase()}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let table: string;
  try {
    table = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return false;
  }
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1] === want);
}

export type CarrierUasScenario = 'carrier-uas.xml' | 'carrier-uas-503.xml' | 'carrier-uas-auth.xml';

export interface CarrierUasOptions {
  /** The carrier's address and SIP port: the trunk's host and port in the PBX config. */
  address: string;
  port: number;
  /** host:port of the PBX (SIPp needs a remote even when it only answers). */
  server: string;
  scenario?: CarrierUasScenario;
  /** Calls to take before SIPp ends by itself (default 1). */
  calls?: number;
  /** carrier-uas*.xml: the Request-URI user and the caller ID the INVITE must carry ('*': any). */
  expectUser?: string;
  expectCallerId?: string;
  /** carrier-uas-auth.xml: the credentials expected, the realm challenged with, 407 (default) or 401. */
  auth?: { username: string; password: string; realm: string; challenge?: 401 | 407 };
  /** -d: the wait before the 200 (carrier-uas.xml, carrier-uas-auth.xml). */
  answerDelayMs?: number;
  timeoutSeconds?: number;
}

/** The carrier on the receiving end of the PBX's outbound calls. */
export class CarrierUas {
  private constructor(
    readonly o: CarrierUasOptions,
    readonly sipp: SippProcess,
  ) {}

  static async start(o: CarrierUasOptions): Promise<CarrierUas> {
    const scenario = o.scenario ?? 'carrier-uas.xml';
    const calls = o.calls ?? 1;
    const row = [o.expectUser ?? '*', o.expectCallerId ?? '*'];
    if (scenario === 'carrier-uas-auth.xml') {
      if (!o.auth) throw new Error('carrier-uas-auth.xml needs auth');
      row.push(o.auth.username, o.auth.password, o.auth.realm, String(o.auth.challenge ?? 407));
    }
    const sipp = SippProcess.start({
      scenario,
      remote: o.server,
      // one injection row per call (SIPp reads one line per incoming call in sequential mode)
      ...(scenario === 'carrier-uas-503.xml' ? {} : { inject: Array.from({ length: calls }, () => row) }),
      calls,
      localIp: o.address,
      localPort: o.port,
      mediaPort: await freeMediaPort(),
      rtpEcho: true,
      pauseMs: o.answerDelayMs ?? 0,
      timeoutSeconds: o.timeoutSeconds ?? 60,
      traceMessages: true,
    });
    const c = new CarrierUas(o, sipp);
    await c.listening();
    return c;
  }

  /** Waits until SIPp has bound its port (it refuses nothing before; a PBX INVITE sent earlier would be lost). */
  private async listening(): Promise<void> {
    const end = Date.now() + 5000;
    while (Date.now() < end && this.sipp.running) {
      // Read the kernel's socket table rather than probing with a bind of our own: a probe that
      // holds the port for a moment can make SIPp's own bind fail (EADDRINUSE) and SIPp exit.
      if (udpBound(this.o.address, this.o.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!this.sipp.running) throw new Error(`carrier SIPp on ${this.o.address}:${this.o.port} ended at start:\n${(await this.sipp.done).output}`);
  }

  /** Every message SIPp received, in order. */
  received(): TracedMessage[] {
    return tracedMessages(this.sipp.messages()).filter((m) => m.direction === 'received');
  }

  /** The INVITEs received (first and retransmitted or re-sent with credentials alike). */
  invites(): TracedMessage[] {
    return this.received().filter((m) => /^INVITE /.test(m.startLine));
  }

  /** Polls until an INVITE has arrived, at most timeoutMs; undefined when none did. */
  async firstInvite(timeoutMs = 10_000): Promise<TracedMessage | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const inv = this.invites()[0];
      if (inv || Date.now() > end || !this.sipp.running) return inv ?? this.invites()[0];
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  finished(): Promise<SippOutcome> {
    return this.sipp.done;
  }

  /** The outcome when it ends by itself within timeoutMs, else undefined (still running). */
  async finishedWithin(timeoutMs: number): Promise<SippOutcome | undefined> {
    return Promise.race([this.sipp.done, new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs))]);
  }

  dispose(): Promise<SippOutcome> {
    return this.sipp.dispose();
  }

  /** For assertion messages: the start lines of what it received and sent. */
  summary(): string {
    return tracedMessages(this.sipp.messages())
      .map((m) => `${m.direction === 'received' ? '<-' : '->'} ${m.startLine}`)
      .join('\n');
  }
}

export type CarrierCallerScenario = 'carrier-uac.xml' | 'carrier-uac-not-found.xml';

export interface CarrierCallerOptions {
  /** The carrier's address: a trunk's allowedSources must name it. */
  address: string;
  server: string;
  /** The number called (a DID, E.164) and the caller's number. */
  to: string;
  from: string;
  scenario?: CarrierCallerScenario;
  /** How long an answered call lasts with audio playing (default 2 s). */
  seconds?: number;
  timeoutSeconds?: number;
}

/** The carrier placing one inbound call through the PBX, in the background. */
export class CarrierCaller {
  private constructor(readonly sipp: SippProcess) {}

  static async start(o: CarrierCallerOptions): Promise<CarrierCaller> {
    const sipp = SippProcess.start({
      scenario: o.scenario ?? 'carrier-uac.xml',
      remote: o.server,
      inject: [[o.to, o.from]],
      localIp: o.address,
      localPort: await freeUdpPortOn(o.address),
      mediaPort: await freeMediaPort(),
      pauseMs: (o.seconds ?? 2) * 1000,
      timeoutSeconds: o.timeoutSeconds ?? (o.seconds ?? 2) + 30,
      traceMessages: true,
    });
    return new CarrierCaller(sipp);
  }

  /** The final responses it received, as start lines. */
  finals(): string[] {
    return tracedMessages(this.sipp.messages())
      .filter((m) => m.direction === 'received' && /^SIP\/2\.0 [2-6]\d\d /.test(m.startLine))
      .map((m) => m.startLine);
  }

  finished(): Promise<SippOutcome> {
    return this.sipp.done;
  }

  dispose(): Promise<SippOutcome> {
    return this.sipp.dispose();
  }
}

/** A datagram a RawUdpPeer received. */
export interface RawDatagram {
  text: string;
  from: RemoteInfo;
  at: number;
}

/** A plain UDP socket on one address that records everything it receives. */
export class RawUdpPeer {
  readonly received: RawDatagram[] = [];

  private constructor(
    readonly sock: Socket,
    readonly address: string,
    readonly port: number,
  ) {
    sock.on('message', (buf, from) => this.received.push({ text: buf.toString('latin1'), from, at: Date.now() }));
  }

  static async open(address: string, port = 0): Promise<RawUdpPeer> {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, address, () => resolve());
    });
    return new RawUdpPeer(sock, address, (sock.address() as { port: number }).port);
  }

  send(text: string, to: { host: string; port: number }): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(Buffer.from(text, 'latin1'), to.port, to.host, (e) => (e ? reject(e) : resolve())));
  }

  /** The first datagram (already received or to come) that matches, or undefined after timeoutMs. */
  async next(match: (d: RawDatagram) => boolean, timeoutMs = 5000, from = 0): Promise<RawDatagram | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.slice(from).find(match);
      if (hit || Date.now() > end) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      /* closed */
    }
  }
}

/**
 * A response to a request received as text, RFC 3261 §8.2.6: its Via (all of them), From,
 * To (with a tag added), Call-ID and CSeq copied, plus extra headers.
 */
export function responseTo(request: string, status: number, reason: string, extra: string[] = [], toTag = 'carrier-tag-1'): string {
  const copy = (n: string, c?: string) => headerValues(request, n, c);
  const to = copy('to', 't')[0] ?? '';
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...copy('via', 'v').map((v) => `Via: ${v}`),
    `From: ${copy('from', 'f')[0] ?? ''}`,
    `To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=${toTag}`}`,
    `Call-ID: ${copy('call-id', 'i')[0] ?? ''}`,
    `CSeq: ${copy('cseq')[0] ?? ''}`,
    ...extra,
    'Content-Length: 0',
  ];
  return lines.join('\r\n') + '\r\n\r\n';
}

/** The parameters of a Digest credentials header value (RFC 7616 §3.4). */
export function digestParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = value.replace(/^\s*Digest\s+/i, '');
  for (const m of body.matchAll(/([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return out;
}

/**
 * Whether a Digest credentials header value (MD5, with or without qop=auth) is right for
 * this password and method: what SIPp's <verifyauth> does, for the Proxy-Authorization it
 * cannot read.
 */
export function digestResponseOk(value: string, password: string, method: string): boolean {
  const p = digestParams(value);
  if ((p.algorithm ?? 'MD5').toUpperCase() !== 'MD5') return false;
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const ha1 = md5(`${p.username}:${p.realm}:${password}`);
  const ha2 = md5(`${method}:${p.uri}`);
  const want = p.qop ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
  return (p.response ?? '').toLowerCase() === want;
}
