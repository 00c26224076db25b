// Calls between two SIPp user agents through any SIP server (the PBX, or Kamailio as a reference),
// with RTP, and a look at the wire to tell whether the audio really flowed both ways.
//
//   callee = Callee.start(...)   one SIPp answering calls (call-uas*.xml, -rtp_echo) plus its
//                                registration (callee-register.xml) pointing at it
//   Caller.start(...)            one SIPp placing a call (call-uac*.xml) that plays a PCMU tone
//   runCall(...)                 both, with an RtpCapture around the call, and a MediaReport
//
// Media check: tcpdump on loopback for the two endpoints' media ports (see rtp-capture.ts). SIPp
// 3.6 cannot check what it receives (no -rtpcheck), and a UDP observer in the path would change
// the very addresses a latching relay learns, so the packets are counted where they really go.
import { createSocket } from 'node:dgram';
import type { PbxProcess } from './pbx-process.js';
import { freePort } from './ports.js';
import { mediaReport, RtpCapture, type Endpoint, type MediaReport } from './rtp-capture.js';
import { sdpInTrace, SippProcess, type SdpMedia, type SippOutcome } from './sipp-process.js';

export interface Party {
  user: string;
  domain: string;
  password: string;
}

/** Injection fields 0..3 of every call scenario: user, domain, password, SIPp's auth keyword. */
export function authFields(p: Party): string[] {
  return [p.user, p.domain, p.password, `[authentication username=${p.user} password=${p.password}]`];
}

/** host:port of a PbxProcess's UDP listener, for `server`. */
export function pbxServer(pbx: PbxProcess): string {
  return `127.0.0.1:${pbx.ports.udp}`;
}

async function udpFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

/** An even UDP port p with p..p+3 free (SIPp's echo also binds p+2), for -mp. */
export async function freeMediaPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = (await freePort()) & ~1;
    if (p < 1024 || p > 65530) continue;
    if ((await udpFree(p)) && (await udpFree(p + 1)) && (await udpFree(p + 2)) && (await udpFree(p + 3))) return p;
  }
  throw new Error('no free media port');
}

export type CalleeScenario = 'call-uas.xml' | 'call-uas-busy.xml' | 'call-uas-no-answer.xml';

export interface CalleeOptions {
  server: string;
  party: Party;
  scenario?: CalleeScenario;
  /** call-uas.xml answers after this long (0: at once). */
  answerDelayMs?: number;
  /** Calls to answer before the process ends by itself (default 1). */
  calls?: number;
  /** Register the contact now (default true), with this Expires. */
  register?: boolean;
  expires?: number;
  timeoutSeconds?: number;
}

/**
 * The callee as two SIPp processes: one answering calls on its own port with RTP echo, and a
 * registration (run when needed) that binds the extension to that port.
 */
export class Callee {
  private constructor(
    readonly o: CalleeOptions,
    readonly uas: SippProcess,
    readonly sipPort: number,
    readonly media: Endpoint,
  ) {}

  static async start(o: CalleeOptions): Promise<Callee> {
    const sipPort = await freePort();
    const mediaPort = await freeMediaPort();
    const uas = SippProcess.start({
      scenario: o.scenario ?? 'call-uas.xml',
      remote: o.server,
      calls: o.calls ?? 1,
      localPort: sipPort,
      mediaPort,
      rtpEcho: true,
      pauseMs: o.answerDelayMs ?? 0,
      timeoutSeconds: o.timeoutSeconds ?? 60,
      traceMessages: true,
    });
    const callee = new Callee(o, uas, sipPort, { host: '127.0.0.1', port: mediaPort });
    if (o.register ?? true) {
      const r = await callee.register(o.expires ?? 600);
      if (r.code !== 0) {
        await uas.dispose();
        throw new Error(`callee ${o.party.user}@${o.party.domain} did not register:\n${r.output}`);
      }
    }
    return callee;
  }

  /** REGISTER the contact 127.0.0.1:<uas port> (again), with this Expires; 0 removes it. */
  async register(expires = 600): Promise<SippOutcome> {
    const reg = SippProcess.start({
      scenario: 'callee-register.xml',
      remote: this.o.server,
      inject: [[...authFields(this.o.party), `127.0.0.1:${this.sipPort}`, String(expires)]],
      timeoutSeconds: 15,
    });
    const r = await reg.done;
    await reg.dispose();
    return r;
  }

  unregister(): Promise<SippOutcome> {
    return this.register(0);
  }

  /** The media address the server offered this callee (from the INVITE it received), once it has. */
  offer(): SdpMedia | undefined {
    return sdpInTrace(this.uas.messages(), /^INVITE /);
  }

  /** Waits until the UAS has answered all its calls (or its timeout). */
  finished(): Promise<SippOutcome> {
    return this.uas.done;
  }

  async stop(): Promise<SippOutcome> {
    return this.uas.dispose();
  }
}

export type CallerScenario =
  | 'call-uac.xml'
  | 'call-uac-nat.xml'
  | 'call-uac-cancel.xml'
  | 'call-uac-busy.xml'
  | 'call-uac-unavailable.xml'
  | 'call-uac-not-found.xml'
  | 'call-uac-forbidden.xml'
  | 'call-uac-limit.xml'
  | 'call-uac-late-offer.xml'
  | 'call-uac-late-offer-no-answer.xml'
  | 'call-uac-reinvite-no-sdp.xml'
  | 'call-uac-100rel.xml'
  | 'call-uac-100rel-update.xml'
  | 'call-uac-100rel-callee-update.xml';

export interface CallerOptions {
  server: string;
  party: Party;
  /** Whom to call: "user" (in the caller's domain) or "user@domain". */
  callee: string;
  scenario?: CallerScenario;
  /** How long an answered call lasts with audio playing (default 3 s). */
  seconds?: number;
  /** -mp: where its RTP comes from (default: a free port). */
  mediaPort?: number;
  /** call-uac-nat.xml: the address and port written into SDP (default 127.0.0.5 and mediaPort + 1000). */
  sdpAddress?: Endpoint;
  timeoutSeconds?: number;
}

/** One SIPp placing one call, in the background. */
export class Caller {
  private constructor(
    readonly sipp: SippProcess,
    readonly media: Endpoint,
    readonly advertised: Endpoint,
  ) {}

  static async start(o: CallerOptions): Promise<Caller> {
    const mediaPort = o.mediaPort ?? (await freeMediaPort());
    const nat = o.scenario === 'call-uac-nat.xml';
    const advertised = nat ? (o.sdpAddress ?? { host: '127.0.0.5', port: mediaPort + 1000 }) : { host: '127.0.0.1', port: mediaPort };
    if (!/^127\./.test(advertised.host)) throw new Error('keep the SDP address on loopback: a relay sends there until it latches');
    const fields = [...authFields(o.party), o.callee.includes('@') ? o.callee : `${o.callee}@${o.party.domain}`];
    if (nat) fields.push(advertised.host, String(advertised.port));
    const sipp = SippProcess.start({
      scenario: o.scenario ?? 'call-uac.xml',
      remote: o.server,
      inject: [fields],
      localPort: await freePort(),
      mediaPort,
      pauseMs: (o.seconds ?? 3) * 1000,
      timeoutSeconds: o.timeoutSeconds ?? (o.seconds ?? 3) + 30,
      traceMessages: true,
    });
    return new Caller(sipp, { host: '127.0.0.1', port: mediaPort }, advertised);
  }

  /** The media address the server answered with (the 200 of the INVITE), once there is one. */
  answer(): SdpMedia | undefined {
    return sdpInTrace(this.sipp.messages(), /^SIP\/2\.0 200 /);
  }

  /** Polls the trace for the answer, at most timeoutMs. */
  async answered(timeoutMs = 10_000): Promise<SdpMedia | undefined> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && this.sipp.running) {
      const a = this.answer();
      if (a) return a;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.answer();
  }

  finished(): Promise<SippOutcome> {
    return this.sipp.done;
  }

  async dispose(): Promise<SippOutcome> {
    return this.sipp.dispose();
  }
}

/** What injected RTP carries in its payload, to find it again on the wire. */
export const STRAY_MARKER = Buffer.from('STRAY-RTP-INJECTED');

/**
 * Sends RTP from a third address (default 127.0.0.9, a source no signalling ever named) to a
 * relay's media port: RTPBleed. Returns how many packets were sent. Bounded by count.
 */
export async function sendStrayRtp(o: { to: Endpoint; from?: string; count?: number; intervalMs?: number }): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, o.from ?? '127.0.0.9', () => resolve());
  });
  const count = Math.min(o.count ?? 50, 10_000);
  const pkt = Buffer.alloc(12 + 160, 0xff);
  pkt[0] = 0x80;
  pkt[1] = 0;
  pkt.writeUInt32BE(0x57a7a7a7, 8);
  for (let i = 0; i + STRAY_MARKER.length <= 160; i += STRAY_MARKER.length) STRAY_MARKER.copy(pkt, 12 + i);
  let sent = 0;
  try {
    for (let i = 0; i < count; i++) {
      pkt.writeUInt16BE(i & 0xffff, 2);
      pkt.writeUInt32BE((i * 160) >>> 0, 4);
      await new Promise<void>((resolve) => sock.send(pkt, o.to.port, o.to.host, (err) => (err ? resolve() : (sent++, resolve()))));
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 20));
    }
  } finally {
    sock.close();
  }
  return sent;
}

export interface RunCallOptions {
  server: string;
  caller: Party;
  callee: Party;
  /** Dial this instead of the callee's user in the caller's domain (e.g. another tenant's "1002@globex.example"). */
  dial?: string;
  callerScenario?: CallerScenario;
  calleeScenario?: CalleeScenario;
  seconds?: number;
  answerDelayMs?: number;
  /** Register the callee first (default true); false for "callee not registered". */
  registerCallee?: boolean;
  /** Also inject stray RTP at the caller's leg of the relay once the call is answered... */
  stray?: boolean;
  /** ...this long after the answer (default 0). */
  strayDelayMs?: number;
  /** Capture RTP on loopback (default true; needs tcpdump). */
  capture?: boolean;
}

export interface CallRun {
  caller: SippOutcome;
  callee: SippOutcome;
  /** Where the server told each side to send RTP. */
  answer?: SdpMedia;
  offer?: SdpMedia;
  strays: number;
  media?: MediaReport;
}

/**
 * One whole call: callee up (and registered), capture on, caller calls and hangs up after
 * `seconds`, callee finished, capture off. Everything it started is stopped before it returns.
 */
export async function runCall(o: RunCallOptions): Promise<CallRun> {
  const callee = await Callee.start({
    server: o.server,
    party: o.callee,
    scenario: o.calleeScenario ?? 'call-uas.xml',
    answerDelayMs: o.answerDelayMs ?? 0,
    register: o.registerCallee ?? true,
    timeoutSeconds: (o.seconds ?? 3) + 40,
  });
  let capture: RtpCapture | undefined;
  let caller: Caller | undefined;
  try {
    const callerMedia = await freeMediaPort();
    const scenario = o.callerScenario ?? 'call-uac.xml';
    // call-uac-nat.xml's default SDP port (see Caller.start): captured too, to see a relay send there
    const advertisedPort = scenario === 'call-uac-nat.xml' ? callerMedia + 1000 : callerMedia;
    // The capture is on before the first INVITE leaves.
    if (o.capture ?? true) capture = await RtpCapture.start({ ports: [...new Set([callerMedia, advertisedPort, callee.media.port])], maxSeconds: (o.seconds ?? 3) + 60 });
    caller = await Caller.start({ server: o.server, party: o.caller, callee: o.dial ?? o.callee.user, scenario, seconds: o.seconds ?? 3, mediaPort: callerMedia });
    let strays = 0;
    if (o.stray) {
      const answer = await caller.answered();
      if (o.strayDelayMs) await new Promise((r) => setTimeout(r, o.strayDelayMs));
      if (answer && /^127\./.test(answer.host)) strays = await sendStrayRtp({ to: answer, count: 25 });
    }
    const callerOut = await caller.finished();
    // A callee that was never reached (refused, not registered) has nothing to finish.
    const calleeOut = await Promise.race([callee.finished(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
    const packets = capture ? await capture.stop() : undefined;
    capture = undefined;
    const answer = caller.answer();
    const offer = callee.offer();
    const calleeFinal = calleeOut ?? (await callee.stop());
    const media = packets
      ? mediaReport(packets, { caller: caller.media, callee: callee.media, marker: STRAY_MARKER, unreachable: caller.advertised.port !== caller.media.port ? [caller.advertised] : [] })
      : undefined;
    return { caller: callerOut, callee: calleeFinal, ...(answer ? { answer } : {}), ...(offer ? { offer } : {}), strays, ...(media ? { media } : {}) };
  } finally {
    await capture?.stop().catch(() => undefined);
    await caller?.dispose();
    if (o.registerCallee ?? true) await callee.unregister().catch(() => undefined);
    await callee.stop();
  }
}
