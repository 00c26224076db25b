import type { Logger } from '../util/logger.js';
import { MediaError } from './media-error.js';
import type { CommandName, CommandOf, CommandResult, ConferenceParticipantState, DtmfSource, Endpoint, LegCodec, LegDtmf, LegName, LegSrtp, LegWebrtc, MediaStats, PlayedMediaEvent, RecordingStopped, RemoteTarget } from './protocol.js';
import { PlayTracker, type PlayOptions, type PlayResult } from './play-tracker.js';
import { needsTranscoding } from './session-kind.js';

/** Where a leg's phone should send its media: the PBX side of the leg, for the SDP. */
export interface MediaLeg {
  address: string;
  rtpPort: number;
  rtcpPort: number;
}

/** What a session needs from the controller: its worker's channel, and a way out. */
export interface SessionHost {
  request<K extends CommandName>(cmd: CommandOf<K>): Promise<CommandResult<K>>;
  /** The session is released or ended: forget it. */
  detach(session: MediaSession): void;
  logger: Logger;
}

export interface LatchInfo {
  leg: LegName;
  kind: 'rtp' | 'rtcp';
  source: Endpoint;
}

/** A digit pressed on a leg's phone, once per key press (see protocol.ts `dtmf`). */
export interface DigitEvent {
  leg: LegName;
  digit: string;
  durationMs: number;
  source: DtmfSource;
}

type Listener<T> = (v: T) => void;

/**
 * The main thread's handle on one relayed call: two legs in one media worker. Every
 * method talks to that worker and rejects with a MediaError when it cannot (the worker
 * died, did not answer, or the session was released).
 */
export class MediaSession {
  private released: Promise<MediaStats> | undefined;
  private endReason: string | undefined;
  private readonly timeoutListeners: Array<Listener<number>> = [];
  private readonly endedListeners: Array<Listener<string>> = [];
  private readonly latchedListeners: Array<Listener<LatchInfo>> = [];
  /** The codecs of the last answer (useCodecs): what a play is encoded in. */
  private codecs: { a: LegCodec; b: LegCodec } | undefined;
  private readonly plays = new PlayTracker();
  private readonly digitListeners: Array<Listener<DigitEvent>> = [];
  private readonly recordingListeners: Array<Listener<RecordingStopped>> = [];

  constructor(
    readonly id: string,
    readonly workerIndex: number,
    readonly legA: MediaLeg,
    readonly legB: MediaLeg,
    private readonly host: SessionHost,
  ) {}

  /** Set when the session ended without release(): its worker died or the controller stopped. */
  get ended(): string | undefined {
    return this.endReason;
  }

  /** Where the leg's phone wants media (SDP), and the source IPs that may latch the leg. */
  async setRemote(leg: LegName, remote: RemoteTarget): Promise<void> {
    await this.send({ op: 'setRemote', session: this.id, leg, remote });
  }

  /** Hold (sendonly/inactive) suspends the inactivity check; no leg = both legs. */
  async setHold(on: boolean, leg?: LegName): Promise<void> {
    await this.send(leg === undefined ? { op: 'setHold', session: this.id, on } : { op: 'setHold', session: this.id, leg, on });
  }

  /** SDES-SRTP on a leg (its phone's key and the PBX's own), or off with null. */
  async setSrtp(leg: LegName, srtp: LegSrtp | null): Promise<void> {
    await this.send({ op: 'setSrtp', session: this.id, leg, srtp });
  }

  /** A browser leg (ICE-lite, DTLS-SRTP on the RTP port), or a plain one again with null. */
  async setWebrtc(leg: LegName, webrtc: LegWebrtc | null): Promise<void> {
    await this.send({ op: 'setWebrtc', session: this.id, leg, webrtc });
  }

  /** After a re-INVITE from the leg's phone: relearn its source, accept a new SSRC and sequence. */
  async resetLatch(leg: LegName): Promise<void> {
    await this.send({ op: 'resetLatch', session: this.id, leg });
  }

  /**
   * What each leg carries, after each answer: the worker relays when both carry the same
   * codec (the hot path, no decoding) and transcodes when they do not.
   */
  async useCodecs(codecs: { a: LegCodec; b: LegCodec }): Promise<void> {
    this.codecs = { a: { ...codecs.a }, b: { ...codecs.b } };
    await this.send({ op: 'setCodecs', session: this.id, a: codecs.a, b: codecs.b, transcode: needsTranscoding(codecs.a, codecs.b) });
  }

  /**
   * Play prompt files into one leg, in that leg's negotiated codec, instead of what the
   * other leg sends; resolves when the play ends (done, barged-in, stopped, error). `files`
   * are real paths already resolved and checked on the main thread (media/prompts/
   * prompt-path.ts resolvePrompt, moh-path.ts resolveMohClass): nothing from the wire. A
   * play already on the leg ends 'stopped'. Rejects with a MediaError when the worker
   * refuses (no codec known yet, a codec it cannot encode) or is gone.
   */
  play(leg: LegName, files: readonly string[], opts: PlayOptions = {}): Promise<PlayResult> {
    const codec = opts.codec ?? this.codecs?.[leg];
    if (!codec) return Promise.reject(new MediaError('bad-request', `media session ${this.id}: no codec negotiated on leg ${leg} yet`));
    const { playId, done } = this.plays.start(leg);
    this.send({ op: 'play', session: this.id, leg, playId, codec, files: [...files], loop: opts.loop === true, bargeIn: opts.bargeIn !== false }).catch((e: unknown) => this.plays.fail(playId, e));
    return done;
  }

  /** Stop the leg's play, if any (its promise resolves 'stopped'). */
  async stopPlay(leg: LegName): Promise<void> {
    await this.send({ op: 'stopPlay', session: this.id, leg });
  }

  /** @internal the controller reports a worker `played` event. */
  firePlayed(e: PlayedMediaEvent): void {
    this.plays.ended(e);
  }

  /** DTMF per leg: how digits leave towards its phone, and whether in-band tones from it are listened for. */
  async setDtmf(dtmf: { a: LegDtmf; b: LegDtmf }): Promise<void> {
    await this.send({ op: 'setDtmf', session: this.id, a: dtmf.a, b: dtmf.b });
  }

  /** Play a digit to a leg's phone as RFC 4733 packets or tones (whichever its DTMF mode is). */
  async sendDigit(leg: LegName, digit: string, durationMs: number): Promise<void> {
    await this.send({ op: 'sendDigit', session: this.id, leg, digit, durationMs });
  }

  /**
   * Every digit pressed on either leg, whichever way it came (RFC 4733, in-band, SIP INFO):
   * what applications (IVR, voicemail) collect. Returns a function that removes the listener.
   */
  onDigit(cb: Listener<DigitEvent>): () => void {
    this.digitListeners.push(cb);
    return () => {
      const i = this.digitListeners.indexOf(cb);
      if (i >= 0) this.digitListeners.splice(i, 1);
    };
  }

  /** A digit heard: from the worker (RFC 4733, in-band) or from the signalling (SIP INFO). */
  reportDigit(e: DigitEvent): void {
    if (this.endReason === undefined && !this.released) this.fire(this.digitListeners, e, 'digit');
  }

  /** Record the call into `path` (named here, in the tenant's folder) within `quotaBytes`; rejects 'bad-request' with the reason. */
  async startRecording(o: { recId: string; path: string; quotaBytes: number; layout: 'mono' | 'two-channel' }): Promise<{ sampleRate: number; channels: number }> {
    return this.send({ op: 'recordStart', session: this.id, ...o });
  }

  /** Stop the recording; null when none was running. */
  stopRecording(): Promise<RecordingStopped | null> {
    return this.send({ op: 'recordStop', session: this.id });
  }

  async pauseRecording(on: boolean): Promise<void> {
    await this.send({ op: 'recordPause', session: this.id, on });
  }

  /** A recording of this session ended (hangup, quota, stop, error). */
  onRecordingStopped(cb: Listener<RecordingStopped>): void {
    this.recordingListeners.push(cb);
  }

  /** @internal */
  fireRecordingStopped(r: RecordingStopped): void {
    this.fire(this.recordingListeners, r, 'recordingStopped');
  }

  /**
   * The leg's phone joins a conference room of this session's worker (see protocol.ts
   * confJoin; the session must have been created with the room as its affinity). Its codec
   * is the last answer's.
   */
  async joinRoom(room: string, leg: LegName, files: { moh: readonly string[]; join: readonly string[]; leave: readonly string[] }, muted = false): Promise<void> {
    const codec = this.codecs?.[leg];
    if (!codec) throw new MediaError('bad-request', `media session ${this.id}: no codec negotiated on leg ${leg} yet`);
    await this.send({ op: 'confJoin', session: this.id, leg, room, codec, muted, files: { moh: [...files.moh], join: [...files.join], leave: [...files.leave] } });
  }

  async leaveRoom(): Promise<void> {
    await this.send({ op: 'confLeave', session: this.id });
  }

  async setRoomMute(muted: boolean): Promise<void> {
    await this.send({ op: 'confMute', session: this.id, muted });
  }

  /** The participants of a room of this session's worker, as the worker sees them. */
  roomParticipants(room: string): Promise<ConferenceParticipantState[]> {
    return this.send({ op: 'confList', room });
  }

  stats(): Promise<MediaStats> {
    return this.send({ op: 'stats', session: this.id });
  }

  /**
   * Close the ports and return the final stats. Idempotent: every call gets the same
   * promise. The session is forgotten either way; if the worker is only slow ('timeout'),
   * it still closes the ports when it reaches the command (the port queues it).
   */
  release(): Promise<MediaStats> {
    if (!this.released) {
      this.released = this.send({ op: 'release', session: this.id }).finally(() => {
        this.plays.stopAll();
        this.host.detach(this);
      });
      this.released.catch(() => undefined); // the caller may not wait for it
    }
    return this.released;
  }

  /** No RTP in either direction for rtpTimeoutMs, while not on hold; the argument is the idle time in ms. */
  onTimeout(cb: Listener<number>): void {
    this.timeoutListeners.push(cb);
  }

  /** The session is gone without release() (worker crash, controller stop); the argument says why. */
  onEnded(cb: Listener<string>): void {
    this.endedListeners.push(cb);
  }

  /** A leg learnt where its phone's media comes from. */
  onLatched(cb: Listener<LatchInfo>): void {
    this.latchedListeners.push(cb);
  }

  /** @internal the controller reports a worker event. */
  fireTimeout(idleMs: number): void {
    if (this.endReason === undefined && !this.released) this.fire(this.timeoutListeners, idleMs, 'timeout');
  }

  /** @internal */
  fireLatched(info: LatchInfo): void {
    if (this.endReason === undefined) this.fire(this.latchedListeners, info, 'latched');
  }

  /** @internal the worker died or the controller stopped: the session is gone. */
  end(reason: string): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.plays.failAll(new MediaError('worker-gone', `media session ${this.id} ended: ${reason}`));
    this.host.detach(this);
    if (!this.released) this.fire(this.endedListeners, reason, 'ended');
  }

  private send<K extends CommandName>(cmd: CommandOf<K>): Promise<CommandResult<K>> {
    if (this.endReason !== undefined) return Promise.reject(new MediaError('worker-gone', `media session ${this.id} ended: ${this.endReason}`));
    if (this.released && cmd.op !== 'release') return Promise.reject(new MediaError('unknown-session', `media session ${this.id} is released`));
    return this.host.request(cmd);
  }

  /** A listener that throws must not break the others or the caller (mediasoup's safeEmit). */
  private fire<T>(listeners: Array<Listener<T>>, v: T, what: string): void {
    for (const l of listeners.slice()) {
      try {
        l(v);
      } catch (err) {
        this.host.logger.error('media session listener failed', { session: this.id, event: what, error: err });
      }
    }
  }
}
