import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcapUdp, type UdpPacket } from './pcap.js';

export interface RtpCaptureOptions {
  /** UDP ports to capture (either direction); nothing else is written. */
  ports: number[];
  /** Interface; loopback by default (every test here runs on 127.0.0.0/8). */
  iface?: string;
  /** tcpdump stops by itself after this many packets (-c)... */
  maxPackets?: number;
  /** ...or after this long, whatever happens to the test. */
  maxSeconds?: number;
}

/**
 * Watches RTP on the wire: tcpdump (Debian's `tcpdump`) on loopback with a capture filter for the
 * given ports, written to a pcap file that is read back with readPcapUdp(). Nothing sits in the
 * media path, so what it sees is what the endpoints and the relay really sent. Bounded: a packet
 * count, a time limit, and a hard kill on stop.
 */
export class RtpCapture {
  private stopped: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly file: string,
    private readonly exited: Promise<void>,
    private readonly stderr: () => string,
  ) {}

  static async start(o: RtpCaptureOptions): Promise<RtpCapture> {
    if (o.ports.length === 0 || o.ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new Error(`bad capture ports ${o.ports.join(',')}`);
    const dir = mkdtempSync(join(tmpdir(), 'rtpcap-'));
    const file = join(dir, 'rtp.pcap');
    const filter = `udp and (${[...new Set(o.ports)].map((p) => `port ${p}`).join(' or ')})`;
    // -U: write each packet at once, so a stop loses nothing; -s 300: RTP header + 160-byte payload.
    const args = ['-i', o.iface ?? 'lo', '-n', '-U', '-s', '300', '-c', String(o.maxPackets ?? 200_000), '-w', file, filter];
    const child = spawn('tcpdump', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const listening = new Promise<boolean>((resolve) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (err.length < 8000) err += d.toString('utf8');
        if (/listening on/.test(err)) resolve(true);
      });
      void exited.then(() => resolve(false));
      setTimeout(() => resolve(false), 10_000).unref();
    });
    const cap = new RtpCapture(child, dir, file, exited, () => err);
    const limit = setTimeout(() => child.kill('SIGINT'), (o.maxSeconds ?? 120) * 1000);
    limit.unref();
    void exited.then(() => clearTimeout(limit));
    if (!(await listening)) {
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`tcpdump did not start: ${err.trim().split('\n').slice(-3).join(' | ')}`);
    }
    return cap;
  }

  /** Stops the capture (SIGINT flushes the file; SIGKILL after 5 s) and returns what it saw. */
  async stop(): Promise<UdpPacket[]> {
    this.stopped ??= (async () => {
      this.child.kill('SIGINT');
      const hard = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(hard);
    })();
    await this.stopped;
    try {
      return readPcapUdp(readFileSync(this.file));
    } catch {
      throw new Error(`no capture file; tcpdump said: ${this.stderr().trim().split('\n').slice(-3).join(' | ')}`);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** RTP version 2 with room for the fixed header (RFC 3550 §5.1). */
export function isRtp(payload: Buffer): boolean {
  return payload.length >= 12 && payload[0]! >> 6 === 2;
}

export interface Endpoint {
  host: string;
  port: number;
}

const key = (host: string, port: number) => `${host}:${port}`;

export interface MediaReport {
  /** RTP packets the caller sent from its media port, and those that reached it. */
  callerSent: number;
  callerReceived: number;
  /** The same for the callee. */
  calleeSent: number;
  calleeReceived: number;
  /** Packets that went straight between the two endpoints (no relay in the path). */
  direct: number;
  /** Where the packets that reached each side came from ("host:port" -> count). */
  callerSources: Record<string, number>;
  calleeSources: Record<string, number>;
  /** Packets that reached either side carrying the stray marker (RTP injected from elsewhere). */
  strayDelivered: number;
  /** Packets sent to an address given in SDP that nobody listens on (e.g. a NATed caller's private c=). */
  toUnreachable: number;
}

/**
 * Counts, from captured datagrams, the RTP each endpoint sent and received and where it came
 * from. `marker` marks injected (stray) packets by their payload; `unreachable` lists SDP
 * addresses a relay should stop sending to once it has latched.
 */
export function mediaReport(packets: UdpPacket[], o: { caller: Endpoint; callee: Endpoint; marker?: Buffer; unreachable?: Endpoint[] }): MediaReport {
  const r: MediaReport = { callerSent: 0, callerReceived: 0, calleeSent: 0, calleeReceived: 0, direct: 0, callerSources: {}, calleeSources: {}, strayDelivered: 0, toUnreachable: 0 };
  const caller = key(o.caller.host, o.caller.port);
  const callee = key(o.callee.host, o.callee.port);
  const dead = new Set((o.unreachable ?? []).map((e) => key(e.host, e.port)));
  for (const p of packets) {
    if (!isRtp(p.payload)) continue;
    const from = key(p.src, p.srcPort);
    const to = key(p.dst, p.dstPort);
    if (from === caller) r.callerSent++;
    if (from === callee) r.calleeSent++;
    if ((from === caller && to === callee) || (from === callee && to === caller)) r.direct++;
    if (dead.has(to)) r.toUnreachable++;
    const stray = o.marker !== undefined && p.payload.includes(o.marker);
    if (to === caller && from !== caller) {
      r.callerReceived++;
      r.callerSources[from] = (r.callerSources[from] ?? 0) + 1;
      if (stray) r.strayDelivered++;
    }
    if (to === callee && from !== callee) {
      r.calleeReceived++;
      r.calleeSources[from] = (r.calleeSources[from] ?? 0) + 1;
      if (stray) r.strayDelivered++;
    }
  }
  return r;
}
