/**
 * What a call needs from the world around it, as interfaces: the composition root plugs
 * in the media controller, the tenant's call-record store and the limits. Keeps the call
 * logic testable and the B2BUA free of concrete stores and sockets.
 */
export type LegName = 'a' | 'b';

export interface MediaRemote {
  address: string;
  port: number;
  rtcpPort?: number;
  /** Source IPs the leg may latch to (RTPBleed protection): the SDP address and the signalling source. */
  allowedSources: string[];
  /** The SDP address was refused (see SdpBridge): send nothing until the leg latches. */
  latchOnly?: boolean;
  /** [payload type, clock rate Hz] of the formats of its SDP, for jitter (see media/protocol.ts RemoteTarget). */
  payloadClocks?: Array<[number, number]>;
}

/** A leg's SRTP keys: the PBX's own (send) and its phone's (recv), master key || salt. */
export interface MediaSrtp {
  suite: 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';
  sendKey: Uint8Array;
  recvKey: Uint8Array;
}

/** The PBX's DTLS certificate for browser legs and its a=fingerprint value ("sha-256 AB:…"). */
export interface WebrtcIdentity {
  certPem: string;
  keyPem: string;
  fingerprint: string;
}

/** A browser leg for the media worker (media/protocol.ts LegWebrtc). */
export interface MediaWebrtc {
  localUfrag: string;
  localPwd: string;
  remoteUfrag: string;
  remoteFingerprint: string;
  certPem: string;
  keyPem: string;
  candidates: string[];
  /** RFC 5763 §5: 'client' when the browser said a=setup:passive (we take active); the server otherwise. */
  dtlsRole?: 'server' | 'client';
}

/** The codec one leg carries, from the offer/answer (see sdp/answer-mapping.ts NegotiatedCodec). */
export interface MediaCodec {
  payloadType: number;
  name: string;
  clockRate: number;
  channels: number;
  fmtp?: string;
  /** telephone-event's payload type on this leg, when negotiated. */
  telephoneEvent?: number;
  /** Its clock rate when not the voice codec's (telephone-event/8000 beside Opus). */
  telephoneEventClockRate?: number;
}

/** What each leg carries: the same codec (relay) or two different ones (transcoding). */
export interface LegCodecs {
  a: MediaCodec;
  b: MediaCodec;
}

export interface CallMediaSession {
  readonly legA: { address: string; rtpPort: number };
  readonly legB: { address: string; rtpPort: number };
  setRemote(leg: LegName, remote: MediaRemote): Promise<void>;
  setHold(on: boolean): Promise<void>;
  resetLatch(leg: LegName): Promise<void>;
  /** After each answer: the media path relays (same codec) or transcodes (different ones). */
  useCodecs?(codecs: LegCodecs): Promise<void>;
  /**
   * Play files (real paths, resolved and checked on the main thread) into one leg in its
   * negotiated codec, instead of the other leg's media, until done or stopped (media/
   * media-session.ts play). Absent: the media provider cannot play.
   */
  play?(leg: LegName, files: readonly string[], opts?: { loop?: boolean; bargeIn?: boolean }): Promise<unknown>;
  stopPlay?(leg: LegName): Promise<void>;
  /** SDES-SRTP on a leg (media/protocol.ts LegSrtp), or off with null; absent: the media path is plain RTP only. */
  setSrtp?(leg: LegName, srtp: MediaSrtp | null): Promise<void>;
  /** A browser leg (ICE-lite, DTLS-SRTP), or plain again with null; absent: no browser legs. */
  setWebrtc?(leg: LegName, webrtc: MediaWebrtc | null): Promise<void>;
  /** DTMF per leg (see media/protocol.ts LegDtmf); absent: the media path does no DTMF. */
  setDtmf?(dtmf: { a: LegDtmfSettings; b: LegDtmfSettings }): Promise<void>;
  /** Play a digit to a leg's phone (RFC 4733 or tones). */
  sendDigit?(leg: LegName, digit: string, durationMs: number): Promise<void>;
  /** Digits pressed on either leg; the B2BUA reports SIP INFO digits through reportDigit. */
  onDigit?(cb: (e: CallDigit) => void): () => void;
  reportDigit?(e: CallDigit): void;
  /** Idempotent; resolves with the media statistics for the call record. */
  release(): Promise<unknown>;
  onTimeout(cb: () => void): void;
  /** The worker that carried the session died. */
  onEnded(cb: (reason: string) => void): void;
  /** Recording (call-recording.ts): start into a file the PBX named, stop, and hear how it ended. */
  startRecording?(o: { recId: string; path: string; quotaBytes: number; layout: 'mono' | 'two-channel' }): Promise<{ sampleRate: number; channels: number }>;
  stopRecording?(): Promise<RecordingStoppedInfo | null>;
  onRecordingStopped?(cb: (r: RecordingStoppedInfo) => void): void;
}

/** How a recording ended, as the media worker reports it. */
export interface RecordingStoppedInfo {
  recId: string;
  reason: 'hangup' | 'quota' | 'stopped' | 'error';
  path: string;
  durationMs: number;
  bytes: number;
}

export type DtmfMode = 'rfc4733' | 'info' | 'inband' | 'none';

export interface LegDtmfSettings {
  mode: DtmfMode;
  detectInband?: boolean;
}

export interface CallDigit {
  leg: LegName;
  digit: string;
  durationMs: number;
  source: 'rfc4733' | 'inband' | 'info';
}

export interface MediaProvider {
  createSession(id: string): Promise<CallMediaSession>;
}

export type Disposition = 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled';
export type HangupSide = 'caller' | 'callee' | 'system';

export interface CallRecord {
  /** The PBX's own id for the call (never the caller's Call-ID: that comes from the wire). */
  callId: string;
  aLegCallId: string;
  bLegCallId?: string;
  fromUri: string;
  fromExt?: string;
  toUri: string;
  toExt?: string;
  direction: 'internal' | 'inbound' | 'outbound';
  trunk?: string;
  did?: string;
  /** E.164 where known. */
  fromNumber?: string;
  toNumber?: string;
  startedAt: number;
  answeredAt?: number;
  endedAt: number;
  disposition: Disposition;
  hangupCause: string;
  hangupSide: HangupSide;
  media?: unknown;
}

/** The tenant's call-record store, as the call sees it. */
export interface CallRecorder {
  started(r: Pick<CallRecord, 'callId' | 'aLegCallId' | 'fromUri' | 'fromExt' | 'toUri' | 'toExt' | 'direction' | 'trunk' | 'did' | 'fromNumber' | 'toNumber' | 'startedAt'>): void;
  answered(callId: string, at: number): void;
  ended(r: CallRecord): void;
}
