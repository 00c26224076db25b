import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { MediaError } from '../media-error.js';
import { PortAllocator } from '../port-allocator.js';
import type { CommandOf, LegCodec, LegDtmf, LegName, LegSrtp, LegWebrtc, LegPorts, MediaCommand, MediaEvent, MediaStats, RemoteTarget, WorkerLoad } from '../protocol.js';
import { checkDigit, checkLegDtmf, DtmfAttachments } from './dtmf-attachments.js';
import { canTranscode } from './codec-registry.js';
import { FramePacer, type PacerTimers } from './frame-pacer.js';
import { TranscodeSession } from './transcode-session.js';
import { LegPlayer } from './leg-player.js';
import { PlayRtpStream } from './play-rtp-stream.js';
import { checkPlay } from './play-request.js';
import { ConferenceRooms } from './conference-rooms.js';
import { takeTimeout } from './inactivity.js';
import { threadCpuMs } from './thread-cpu.js';
import { RelayLeg } from './relay-leg.js';
import { checkLegSrtp } from './leg-srtp.js';
import { checkLegWebrtc } from './leg-webrtc.js';
import { RelaySession } from './relay-session.js';
import { SessionRecorder } from './session-recorder.js';
import { RecorderError } from '../recording/recorder-error.js';
import type { RecordingResult } from '../recording/call-recorder.js';
import type { RecordingStopped } from '../protocol.js';
import { bindRtpPair, type RtpSockets } from './udp-pair.js';

export interface RelayEngineOptions {
  /** Local address of every RTP/RTCP socket. */
  address: string;
  /** This engine's own slice of the RTP ports. */
  portMin: number;
  portMax: number;
  /** No RTP in either direction for this long (and not on hold) → rtpTimeout; 0 = never. */
  rtpTimeoutMs: number;
  /** Monotonic milliseconds; arrival times for jitter and inactivity. */
  now?: () => number;
  /** Events for the main thread. */
  emit: (e: MediaEvent) => void;
  /** The 20 ms clock of the transcoding sessions (one timer for the whole engine); default real timers. */
  pacerTimers?: PacerTimers;
}

/** A session's media path: plain relay (same codec both sides) or transcoding. */
type Session = RelaySession | TranscodeSession;

const MAX_SESSION_ID = 256;
const DEFAULT_CLOCK_RATE = 8000;
/** Socket errors (failed sends) are reported at most this often. */
const SOCKET_ERROR_REPORT_MS = 10_000;

/**
 * The relay side of a media worker: owns a port slice, binds the four sockets of each
 * session, and answers the commands of protocol.ts. Free of worker_threads, so tests
 * drive it in-process as well as inside a worker.
 */
export class RelayEngine {
  private readonly sessions = new Map<string, Session>();
  private readonly pacer: FramePacer;
  /** The play on each leg ("session:leg"), and each leg's own outgoing play stream. */
  private readonly players = new Map<string, LegPlayer>();
  private readonly playStreams = new WeakMap<object, PlayRtpStream>();
  /** Session ids being allocated, so that a duplicate is refused before its sockets exist. */
  private readonly allocating = new Set<string>();
  private readonly ports: PortAllocator;
  private readonly family: 4 | 6;
  private readonly now: () => number;
  private readonly emit: (e: MediaEvent) => void;
  private lastSocketErrorReport = -Infinity;
  private closed = false;
  /** Totals of the sessions already released (the live ones are added at load()). */
  private readonly retired = { packetsRelayed: 0, bytesRelayed: 0, packetsDropped: 0, srtpAuthFailed: 0, srtpReplayed: 0, webrtcIceRefused: 0, webrtcDtlsRefused: 0 };
  /** DTMF per session: its settings, and the tap on whichever session carries it. */
  private readonly dtmfTaps: DtmfAttachments;
  /** The codecs of each session's last setCodecs (what a recording decodes), and its recording. */
  private readonly codecsOf = new Map<string, { a: LegCodec; b: LegCodec }>();
  private readonly recorders = new Map<string, SessionRecorder>();
  /** The conference rooms of this worker (see conference-rooms.ts). */
  readonly rooms: ConferenceRooms;

  constructor(private readonly o: RelayEngineOptions) {
    const family = isIP(o.address);
    if (family === 0) throw new MediaError('bad-request', `rtp address is not an IP literal: ${o.address}`);
    this.family = family as 4 | 6;
    this.ports = new PortAllocator({ portMin: o.portMin, portMax: o.portMax });
    this.now = o.now ?? (() => performance.now());
    this.emit = (e) => {
      try {
        o.emit(e);
      } catch {
        // the event channel is gone; nothing else to tell
      }
    };
    this.pacer = new FramePacer(o.pacerTimers, (err) => this.emit({ type: 'workerError', message: `pacer: ${err instanceof Error ? err.message : String(err)}` }));
    this.dtmfTaps = new DtmfAttachments(this.pacer, this.now, this.emit);
    this.rooms = new ConferenceRooms(this.pacer, this.now);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Run one command; rejects with a MediaError. */
  async handle(cmd: MediaCommand): Promise<unknown> {
    if (this.closed) throw new MediaError('stopped', 'media engine is closed');
    if (!cmd || typeof cmd !== 'object') throw new MediaError('bad-request', 'command is not an object');
    switch (cmd.op) {
      case 'allocate':
        return this.allocate(cmd.session, cmd.clockRate);
      case 'setRemote':
        return this.setRemote(cmd.session, cmd.leg, cmd.remote);
      case 'setHold':
        return this.setHold(cmd.session, cmd.leg, cmd.on);
      case 'resetLatch':
        return this.resetLatch(cmd.session, cmd.leg);
      case 'setCodecs':
        return this.setCodecs(cmd.session, cmd.a, cmd.b, cmd.transcode);
      case 'play':
        return this.play(cmd);
      case 'stopPlay':
        return this.stopPlay(cmd.session, cmd.leg, cmd.playId);
      case 'setDtmf':
        return this.setDtmf(cmd.session, cmd.a, cmd.b);
      case 'setSrtp':
        return this.setSrtp(cmd.session, cmd.leg, cmd.srtp);
      case 'setWebrtc':
        return this.setWebrtc(cmd.session, cmd.leg, cmd.webrtc);
      case 'sendDigit':
        return this.sendDigit(cmd.session, cmd.leg, cmd.digit, cmd.durationMs);
      case 'confJoin':
        return this.confJoin(cmd);
      case 'confLeave':
        this.session(cmd.session);
        this.rooms.leave(cmd.session);
        return null;
      case 'confMute':
        this.session(cmd.session);
        return this.rooms.mute(cmd.session, cmd.muted);
      case 'confList':
        return this.rooms.list(cmd.room);
      case 'release':
        return this.release(cmd.session);
      case 'stats':
        return this.stats(cmd.session);
      case 'load':
        return this.load();
      case 'recordStart':
        return this.recordStart(cmd.session, cmd.recId, cmd.path, cmd.quotaBytes, cmd.layout);
      case 'recordStop':
        return this.recordStop(cmd.session, 'stopped');
      case 'recordPause':
        return this.recordPause(cmd.session, cmd.on);
      case 'crash':
      case 'stall':
        throw new MediaError('bad-request', `${cmd.op} is handled by the worker entry`);
      default:
        throw new MediaError('bad-request', `unknown command ${JSON.stringify((cmd as { op?: unknown }).op)}`);
    }
  }

  /** Bind both legs of a new session, each an RTP port and RTCP = RTP + 1. */
  async allocate(id: string, clockRate = DEFAULT_CLOCK_RATE): Promise<{ a: LegPorts; b: LegPorts }> {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_SESSION_ID) throw new MediaError('bad-request', 'bad session id');
    if (!Number.isInteger(clockRate) || clockRate < 1000 || clockRate > 192_000) throw new MediaError('bad-request', `bad clock rate ${clockRate}`);
    if (this.sessions.has(id) || this.allocating.has(id)) throw new MediaError('session-exists', `session ${id} exists`);
    this.allocating.add(id);
    try {
      const a = await this.bindLeg();
      let b: { port: number; value: RtpSockets };
      try {
        b = await this.bindLeg();
      } catch (err) {
        this.closeSockets(a.value);
        this.ports.release(a.port);
        throw err;
      }
      if (this.closed) {
        this.closeSockets(a.value);
        this.closeSockets(b.value);
        throw new MediaError('stopped', 'media engine is closed');
      }
      const legA = new RelayLeg('a', a.value.rtp, a.value.rtcp, a.port, this.family, clockRate);
      const legB = new RelayLeg('b', b.value.rtp, b.value.rtcp, b.port, this.family, clockRate);
      this.sessions.set(id, new RelaySession(id, legA, legB, this.now, this.emit));
      return { a: { rtpPort: a.port, rtcpPort: a.port + 1 }, b: { rtpPort: b.port, rtcpPort: b.port + 1 } };
    } finally {
      this.allocating.delete(id);
    }
  }

  setRemote(id: string, leg: LegName, remote: RemoteTarget): null {
    const s = this.session(id);
    try {
      s.leg(checkLeg(leg)).setRemote(remote);
    } catch (err) {
      throw new MediaError('bad-request', err instanceof Error ? err.message : String(err));
    }
    s.touch(); // answered or renegotiated: count inactivity from here
    return null;
  }

  setHold(id: string, leg: LegName | undefined, on: boolean): null {
    const s = this.session(id);
    const held = on === true;
    if (leg === undefined) {
      s.a.held = held;
      s.b.held = held;
    } else {
      s.leg(checkLeg(leg)).held = held;
    }
    if (!s.held) s.touch(); // resumed: the idle time starts again
    return null;
  }

  /** SDES-SRTP on a leg (keys checked here: they come from the main thread, but a bad one must not take the worker down). */
  setSrtp(id: string, leg: LegName, srtp: LegSrtp | null): null {
    const s = this.session(id);
    try {
      s.leg(checkLeg(leg)).setSrtp(srtp === null ? null : checkLegSrtp(srtp));
    } catch (err) {
      throw new MediaError('bad-request', `setSrtp: ${err instanceof Error ? err.message : String(err)}`);
    }
    return null;
  }

  /** A browser leg, or plain again (null); checked here like the SRTP keys. */
  setWebrtc(id: string, leg: LegName, webrtc: LegWebrtc | null): null {
    const s = this.session(id);
    try {
      s.leg(checkLeg(leg)).setWebrtc(webrtc === null ? null : checkLegWebrtc(webrtc));
    } catch (err) {
      throw new MediaError('bad-request', `setWebrtc: ${err instanceof Error ? err.message : String(err)}`);
    }
    return null;
  }

  resetLatch(id: string, leg: LegName): null {
    const s = this.session(id);
    s.leg(checkLeg(leg)).resetLatch();
    if (s instanceof TranscodeSession) s.resetLeg(leg);
    s.touch();
    return null;
  }

  /**
   * Relay or transcode on the session's ports. Same codec both sides stays on (or goes
   * back to) the plain relay; different codecs get a TranscodeSession on the same legs,
   * driven by the engine's one pacer. The legs keep their latches and counters.
   */
  setCodecs(id: string, a: LegCodec, b: LegCodec, transcode: boolean): null {
    const s = this.session(id);
    const dtmfChanged = this.dtmfTaps.codecs(id, a, b);
    if (a && b && typeof a === 'object' && typeof b === 'object') this.codecsOf.set(id, { a: { ...a }, b: { ...b } });
    if (transcode !== true) {
      if (s instanceof TranscodeSession) this.replace(s, () => new RelaySession(id, s.a, s.b, this.now, this.emit));
      else if (dtmfChanged || !s.dtmf) this.dtmfTaps.attach(s, true);
      return null;
    }
    if (!canTranscode(a) || !canTranscode(b)) {
      throw new MediaError('bad-request', `cannot transcode ${describe(a)} ↔ ${describe(b)}`);
    }
    if (s instanceof TranscodeSession && sameCodec(s.codecs.a, a) && sameCodec(s.codecs.b, b)) {
      if (dtmfChanged || !s.dtmf) this.dtmfTaps.attach(s, false);
      return null;
    }
    const codecs = { a: { ...a }, b: { ...b } };
    this.replace(s, () => new TranscodeSession(id, s.a, s.b, codecs, this.now, this.emit));
    return null;
  }

  /** The old session stops listening before the new one (which listens from its constructor) starts. */
  private replace(old: Session, make: () => Session): void {
    old.detach();
    if (old instanceof TranscodeSession) this.pacer.remove(old);
    const next = make();
    next.lastRtpAt = old.lastRtpAt;
    next.timeoutReported = old.timeoutReported;
    this.sessions.set(old.id, next);
    if (next instanceof TranscodeSession) this.pacer.add(next);
    this.dtmfTaps.attach(next, !(next instanceof TranscodeSession));
    const rec = this.recorders.get(old.id);
    if (rec) this.attachRecorder(next, rec);
  }

  /** DTMF on both legs: how digits leave towards each phone, and where in-band tones are listened for. */
  setDtmf(id: string, a: LegDtmf, b: LegDtmf): null {
    const s = this.session(id);
    if (this.dtmfTaps.configure(id, checkLegDtmf(a), checkLegDtmf(b)) || !s.dtmf) this.dtmfTaps.attach(s, !(s instanceof TranscodeSession));
    return null;
  }

  /** Play a digit to a leg's phone (RFC 4733 or tones, as it negotiated). */
  sendDigit(id: string, leg: LegName, digit: string, durationMs: number): null {
    const s = this.session(id);
    checkDigit(digit, durationMs);
    const tap = s.dtmf;
    if (!tap) throw new MediaError('bad-request', `session ${id} has no DTMF settings`);
    if (!tap.sendDigit(checkLeg(leg), digit, durationMs)) throw new MediaError('bad-request', `leg ${leg} takes no DTMF from the media path`);
    return null;
  }

  /** Start a play on a leg (see LegPlayer), stopping the one already there. */
  play(cmd: unknown): null {
    const p = checkPlay(cmd);
    const s = this.session(p.session);
    if (this.rooms.inRoom(p.session)) throw new MediaError('bad-request', `session ${p.session} is in a conference room`);
    const leg = s.leg(p.leg);
    const key = `${p.session}:${p.leg}`;
    this.players.get(key)?.stop();
    let stream = this.playStreams.get(leg);
    if (!stream) this.playStreams.set(leg, (stream = new PlayRtpStream()));
    const player = new LegPlayer(leg, {
      session: p.session,
      playId: p.playId,
      codec: p.codec,
      files: p.files,
      loop: p.loop,
      bargeIn: p.bargeIn,
      stream,
      now: this.now,
      onEnded: (pl, e) => {
        if (this.players.get(key) === pl) this.players.delete(key);
        this.pacer.remove(pl);
        this.emit(e);
      },
    });
    if (player.active) {
      this.players.set(key, player);
      this.pacer.add(player);
    }
    return null;
  }

  /** The session's leg joins a conference room (its play, if any, stops first). */
  confJoin(cmd: CommandOf<'confJoin'>): null {
    const s = this.session(cmd.session);
    const leg = s.leg(checkLeg(cmd.leg));
    this.players.get(`${cmd.session}:${cmd.leg}`)?.stop();
    let stream = this.playStreams.get(leg);
    if (!stream) this.playStreams.set(leg, (stream = new PlayRtpStream()));
    return this.rooms.join(cmd, leg, stream);
  }

  stopPlay(id: string, legName: LegName, playId?: string): null {
    this.session(id);
    const player = this.players.get(`${id}:${checkLeg(legName)}`);
    if (player && (playId === undefined || player.playId === playId)) player.stop();
    return null;
  }

  /** A recording sees the relay's packets, or the transcoder's decoded frames. */
  private attachRecorder(s: Session, rec: SessionRecorder): void {
    rec.setTranscoding(s instanceof TranscodeSession);
    if (s instanceof TranscodeSession) {
      s.recorder = rec;
      this.pacer.remove(rec);
    } else {
      s.recorder = rec;
      this.pacer.add(rec);
    }
  }

  /** Start recording a session into `path` (named by the main thread) within `quotaBytes`. */
  recordStart(id: string, recId: string, path: string, quotaBytes: number, layout: 'mono' | 'two-channel'): { sampleRate: number; channels: number } {
    const s = this.session(id);
    if (this.recorders.has(id)) throw new MediaError('bad-request', `session ${id} is already recording`);
    if (typeof recId !== 'string' || recId.length === 0 || recId.length > MAX_SESSION_ID) throw new MediaError('bad-request', 'bad recording id');
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) throw new MediaError('bad-request', 'bad recording path');
    if (typeof quotaBytes !== 'number' || !(quotaBytes >= 0)) throw new MediaError('bad-request', `bad quota ${String(quotaBytes)}`);
    if (layout !== 'mono' && layout !== 'two-channel') throw new MediaError('bad-request', `bad layout ${JSON.stringify(layout)}`);
    const codecs = this.codecsOf.get(id);
    if (!codecs) throw new MediaError('bad-request', 'recording: the session has no codecs yet (not answered)');
    let rec: SessionRecorder;
    try {
      rec = new SessionRecorder({ recId, path, quotaBytes, layout, codecs, clock: { now: this.now } }, (r) => this.recordingEnded(id, rec, r));
    } catch (err) {
      if (err instanceof RecorderError) throw new MediaError('bad-request', `${err.code}: ${err.message}`);
      throw err;
    }
    this.recorders.set(id, rec);
    this.attachRecorder(s, rec);
    this.emit({ type: 'recordingStarted', session: id, recId, path });
    return { sampleRate: rec.sampleRate, channels: rec.channels };
  }

  /** Stop a session's recording; the stopped event goes out, and the answer carries the same. */
  recordStop(id: string, reason: RecordingStopped['reason']): RecordingStopped | null {
    const rec = this.recorders.get(id);
    if (!rec) {
      this.session(id);
      return null;
    }
    return this.recordingEnded(id, rec, rec.stop(), reason);
  }

  recordPause(id: string, on: boolean): null {
    this.session(id);
    const rec = this.recorders.get(id);
    if (!rec) throw new MediaError('bad-request', `session ${id} is not recording`);
    if (on === true) rec.pause();
    else rec.resume();
    return null;
  }

  /** The recording is over (stop, hangup, quota, error): detach it and tell the main thread. */
  private recordingEnded(id: string, rec: SessionRecorder, r: RecordingResult, reason?: RecordingStopped['reason']): RecordingStopped {
    const why: RecordingStopped['reason'] = r.reason === 'quota' || r.reason === 'error' ? r.reason : (reason ?? 'stopped');
    const out: RecordingStopped = { recId: rec.recId, reason: why, path: r.path, durationMs: r.durationMs, bytes: r.bytes, sampleRate: r.sampleRate, channels: r.channels, ...(r.message !== undefined ? { message: r.message } : {}) };
    if (this.recorders.get(id) !== rec) return out;
    this.recorders.delete(id);
    this.pacer.remove(rec);
    const s = this.sessions.get(id);
    if (s && s.recorder === rec) s.recorder = undefined;
    this.emit({ type: 'recordingStopped', session: id, ...out });
    return out;
  }

  /** Close the session's sockets, give its ports back, and return its final stats. */
  release(id: string): MediaStats {
    const s = this.session(id);
    for (const name of ['a', 'b'] as const) this.players.get(`${id}:${name}`)?.stop();
    this.recordStop(id, 'hangup');
    this.codecsOf.delete(id);
    this.rooms.leave(id);
    const stats = this.stats(id);
    this.dtmfTaps.forget(s);
    addTotals(this.retired, stats);
    this.sessions.delete(id);
    if (s instanceof TranscodeSession) this.pacer.remove(s);
    s.close();
    this.ports.release(s.a.rtpPort);
    this.ports.release(s.b.rtpPort);
    return stats;
  }

  stats(id: string): MediaStats {
    const s = this.session(id);
    const st = s.stats();
    if (s.dtmf) {
      st.a.dtmf = s.dtmf.stats('a');
      st.b.dtmf = s.dtmf.stats('b');
    }
    return st;
  }

  load(): WorkerLoad {
    const elu = performance.eventLoopUtilization();
    const totals = { ...this.retired };
    for (const s of this.sessions.values()) addTotals(totals, s.stats());
    let transcoding = 0;
    for (const s of this.sessions.values()) if (s instanceof TranscodeSession) transcoding++;
    return {
      sessions: this.sessions.size,
      portsInUse: this.ports.inUse,
      portsFree: this.ports.free,
      loopActiveMs: elu.active,
      loopIdleMs: elu.idle,
      cpuMs: threadCpuMs(),
      ...totals,
      transcoding,
      framesPaced: this.pacer.frames,
      framesLate: this.pacer.late,
      heapUsedBytes: getHeapStatistics().used_heap_size,
    };
  }

  /** Report every session idle for rtpTimeoutMs and not on hold (once until RTP flows again). */
  checkInactivity(): number {
    const now = this.now();
    let reported = 0;
    for (const s of this.sessions.values()) {
      if (takeTimeout(s, now, this.o.rtpTimeoutMs)) {
        reported++;
        this.emit({ type: 'rtpTimeout', session: s.id, idleMs: Math.round(now - s.lastRtpAt) });
      }
    }
    return reported;
  }

  /** Close every socket; the engine takes no more commands. */
  close(): void {
    this.closed = true;
    this.pacer.stop();
    this.players.clear();
    for (const id of [...this.recorders.keys()]) this.recordStop(id, 'hangup');
    this.rooms.clear();
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private session(id: string): Session {
    const s = typeof id === 'string' ? this.sessions.get(id) : undefined;
    if (!s) throw new MediaError('unknown-session', `no media session ${String(id)}`);
    return s;
  }

  private bindLeg(): Promise<{ port: number; value: RtpSockets }> {
    return this.ports.allocate((port) => bindRtpPair(this.o.address, port, this.family, (err) => this.onSocketError(err)));
  }

  private closeSockets(p: RtpSockets): void {
    for (const s of [p.rtp, p.rtcp]) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }

  private onSocketError(err: Error): void {
    const now = this.now();
    if (now - this.lastSocketErrorReport < SOCKET_ERROR_REPORT_MS) return;
    this.lastSocketErrorReport = now;
    this.emit({ type: 'workerError', message: `rtp socket: ${err.message}` });
  }
}

function sameCodec(x: LegCodec, y: LegCodec): boolean {
  return x.payloadType === y.payloadType && x.name.toLowerCase() === y.name.toLowerCase() && x.clockRate === y.clockRate && x.telephoneEvent === y.telephoneEvent && x.fmtp === y.fmtp;
}

function describe(c: LegCodec): string {
  return c && typeof c === 'object' ? `${String(c.name).slice(0, 32)}/${Number(c.clockRate)}` : 'nothing';
}

function checkLeg(leg: unknown): LegName {
  if (leg !== 'a' && leg !== 'b') throw new MediaError('bad-request', `bad leg ${JSON.stringify(leg)}`);
  return leg;
}

function addTotals(t: { packetsRelayed: number; bytesRelayed: number; packetsDropped: number; srtpAuthFailed: number; srtpReplayed: number; webrtcIceRefused: number; webrtcDtlsRefused: number }, s: MediaStats): void {
  for (const leg of [s.a, s.b]) {
    t.packetsRelayed += leg.packetsSent + leg.rtcpSent;
    t.bytesRelayed += leg.bytesSent;
    t.packetsDropped += leg.strayDropped + leg.invalidDropped + leg.unroutableDropped;
    if (leg.srtp) {
      t.packetsDropped += leg.srtp.authFailed + leg.srtp.replayed + leg.srtp.malformed;
      t.srtpAuthFailed += leg.srtp.authFailed;
      t.srtpReplayed += leg.srtp.replayed;
    }
    if (leg.webrtc) {
      t.webrtcIceRefused += leg.webrtc.iceRefused;
      t.webrtcDtlsRefused += leg.webrtc.dtlsRefused;
    }
  }
}
