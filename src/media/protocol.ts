/**
 * The typed command/event protocol between the main thread and the media workers,
 * carried over the worker's MessagePort as plain data (structured clone).
 *
 * Main → worker: a request `{ id, cmd }`; the worker answers each request exactly once
 * with a response carrying the same id. Worker → main: responses, events, and one
 * `ready` once the worker can take commands. Shape after mediasoup's Channel.
 *
 * Pure: imported by both sides, so it imports nothing.
 */

/** The two legs of a session: A faces the caller, B the callee (by convention of the caller of createSession). */
export type LegName = 'a' | 'b';

export interface LegPorts {
  rtpPort: number;
  /** Always rtpPort + 1 (RFC 3550 §11). */
  rtcpPort: number;
}

/** Where a leg's phone said (in SDP) it wants media, and which source IPs may latch the leg. */
export interface RemoteTarget {
  /** IP literal from the SDP c= line; no DNS in the worker. */
  address: string;
  /** Port from the SDP m= line; 0 = stream disabled (nothing is sent to the phone until it latches). */
  port: number;
  /** From a=rtcp (RFC 3605); default port + 1. */
  rtcpPort?: number;
  /** IPs a first packet may come from for the leg to latch: the SDP address and the signalling source. */
  allowedSources: string[];
  /**
   * Send nothing to address:port (RTP or RTCP) until a packet from an allowed source has
   * latched the leg: set when the SDP address is one the far end may not steer media to.
   */
  latchOnly?: boolean;
  /**
   * [payload type, clock rate in Hz] from this remote's SDP rtpmaps, for jitter (RFC 3550
   * §6.4.1: timestamp units); 0 leaves a payload type out of jitter (telephone-event).
   * Payload types not listed use the session's clockRate.
   */
  payloadClocks?: Array<[number, number]>;
}

/**
 * How digits reach a leg's phone: RFC 4733 packets (it negotiated telephone-event), SIP
 * INFO (sent by the main thread; the worker strips telephone-event towards it), in-band
 * tones (a G.711 leg with neither), or not at all.
 */
export type DtmfMode = 'rfc4733' | 'info' | 'inband' | 'none';

/** Where a digit was heard: RFC 4733 packets, in-band tones, or a SIP INFO request. */
export type DtmfSource = 'rfc4733' | 'inband' | 'info';

export interface LegDtmf {
  mode: DtmfMode;
  /** Decode this leg's G.711 to listen for in-band tones (costs CPU; only for a leg without telephone-event). */
  detectInband?: boolean;
}

/** The codec a leg carries (from the offer/answer): what its phone sends and expects. */
/**
 * SDES-SRTP on one leg (RFC 4568): the suite and the two master keys (key || salt, 30
 * bytes each): recvKey is the phone's (from its a=crypto), sendKey the PBX's own.
 * null turns SRTP off on the leg.
 */
export interface LegSrtp {
  suite: 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';
  sendKey: Uint8Array;
  recvKey: Uint8Array;
}

/**
 * A browser leg (ICE-lite, DTLS-SRTP, rtcp-mux on the RTP port): our ICE credentials and
 * DTLS certificate as our SDP states them, the browser's ufrag and fingerprint from its
 * SDP, and the addresses it signalled (its UDP candidates and its signalling address):
 * checks and DTLS from anywhere else are refused. The SRTP keys come from the handshake.
 */
export interface LegWebrtc {
  localUfrag: string;
  localPwd: string;
  remoteUfrag: string;
  /** "sha-256 AB:CD:…" (RFC 8122). */
  remoteFingerprint: string;
  certPem: string;
  keyPem: string;
  candidates: string[];
  /**
   * RFC 5763 §5: 'client' (we are a=setup:active) when the browser said a=setup:passive; we
   * start the handshake once a check selects the pair. The server by default.
   */
  dtlsRole?: 'server' | 'client';
}

/** ICE and DTLS counters of a browser leg. */
export interface WebrtcLegStats {
  /** Connectivity checks answered. */
  iceAnswered: number;
  /** STUN refused: from an address that did not signal, or failing USERNAME/MESSAGE-INTEGRITY. */
  iceRefused: number;
  /** DTLS records refused: from an address that passed no connectivity check. */
  dtlsRefused: number;
  /** The handshake is done and SRTP runs. */
  connected: boolean;
  /** Why the handshake failed, when it did. */
  failure?: string;
}

/** SRTP counters of a leg: packets dropped for a bad tag, a replayed index, or a bad shape. */
export interface SrtpLegStats {
  suite: string;
  authFailed: number;
  replayed: number;
  malformed: number;
}

export interface LegCodec {
  payloadType: number;
  /** Encoding name as in the rtpmap (PCMU, PCMA, G722, opus...). */
  name: string;
  /** RTP clock rate (G722: 8000, RFC 3551 §4.5.2; opus: 48000). */
  clockRate: number;
  channels: number;
  /** a=fmtp parameters of that payload type, when any. */
  fmtp?: string;
  /** telephone-event's payload type on this leg, when negotiated (RFC 4733). */
  telephoneEvent?: number;
  /** RFC 2198 `red` payload type on this leg, when negotiated (it may carry telephone-event, RFC 4733 §2.6). */
  red?: number;
  /** Its clock rate when not the voice codec's RTP clock (telephone-event/8000 beside Opus). */
  telephoneEventClockRate?: number;
}

export interface Endpoint {
  address: string;
  port: number;
}

/** What a worker is told when it starts (workerData). */
export interface WorkerInit {
  index: number;
  /** Local address every RTP/RTCP socket binds to. */
  address: string;
  /** This worker's own slice of rtp.ports; no other worker hands these out. */
  portMin: number;
  portMax: number;
  rtpTimeoutMs: number;
  /** How often inactivity is checked. */
  checkIntervalMs: number;
}

/** A command that carries nothing but its name. */
type NoArgs = Record<never, never>;

/** The commands, each with what it carries and what its response returns. */
export interface CommandMap {
  /** Bind two legs (four sockets) for a new session. */
  allocate: { req: { session: string; clockRate?: number }; res: { a: LegPorts; b: LegPorts } };
  setRemote: { req: { session: string; leg: LegName; remote: RemoteTarget }; res: null };
  /** While any leg of a session is held, its inactivity is not reported. No leg = both legs. */
  setHold: { req: { session: string; leg?: LegName; on: boolean }; res: null };
  /** After a re-INVITE: relearn the leg's source and accept a new SSRC and sequence. */
  resetLatch: { req: { session: string; leg: LegName }; res: null };
  /**
   * What each leg carries, after an answer: transcode = false keeps (or returns to) the
   * plain relay; true decodes, resamples and re-encodes both ways on the same ports.
   */
  setCodecs: { req: { session: string; a: LegCodec; b: LegCodec; transcode: boolean }; res: null };
  /**
   * DTMF on each leg (after setCodecs): how digits leave towards that leg's phone, and
   * whether in-band tones from it are listened for (G.711 legs without telephone-event only).
   */
  /** SRTP on a leg, or off (null); see LegSrtp. */
  setSrtp: { req: { session: string; leg: LegName; srtp: LegSrtp | null }; res: null };
  /** A browser leg (ICE-lite, DTLS-SRTP), or a plain one again (null); see LegWebrtc. */
  setWebrtc: { req: { session: string; leg: LegName; webrtc: LegWebrtc | null }; res: null };
  setDtmf: { req: { session: string; a: LegDtmf; b: LegDtmf }; res: null };
  /** Play one digit towards a leg's phone, in the way that leg negotiated (RFC 4733 or in-band tones). */
  sendDigit: { req: { session: string; leg: LegName; digit: string; durationMs: number }; res: null };
  /** Close the session's sockets, return its ports, answer with its final stats. */
  release: { req: { session: string }; res: MediaStats };
  stats: { req: { session: string }; res: MediaStats };
  /** Load of this worker. */
  load: { req: NoArgs; res: WorkerLoad };
  /**
   * Play a sequence of prompt files into one leg, in `codec` (the leg's negotiated codec),
   * instead of what the other leg sends, until done, barged in (RFC 4733 digit from that
   * leg, when bargeIn), stopped or replaced by another play; then a `played` event. The
   * files are real paths the main thread resolved and checked (media/prompts/prompt-path.ts,
   * moh-path.ts): the worker never builds a path. A play already on the leg is stopped.
   */
  play: { req: { session: string; leg: LegName; playId: string; codec: LegCodec; files: string[]; loop?: boolean; bargeIn?: boolean }; res: null };
  /** Stop the leg's play (if playId is given, only that one); the relay takes over again. */
  stopPlay: { req: { session: string; leg: LegName; playId?: string }; res: null };
  /**
   * Record the session (session-recorder.ts) into `path`, a file the main thread named in
   * the tenant's folder, within `quotaBytes`. Uses the codecs of the last setCodecs.
   * Answers with the file's format, or fails 'bad-request' with the reason ('quota: ...').
   */
  recordStart: { req: { session: string; recId: string; path: string; quotaBytes: number; layout: 'mono' | 'two-channel' }; res: { sampleRate: number; channels: number } };
  /** Stop the recording (event recordingStopped, reason 'stopped'); null when none was running. */
  recordStop: { req: { session: string }; res: RecordingStopped | null };
  /** Pause (silence is written, keeping the timeline) or resume. */
  recordPause: { req: { session: string; on: boolean }; res: null };
  /**
   * Conference: the leg of a session (its phone) joins a room of this worker, created by its
   * first join; from then on the room decodes what that phone sends, mixes, and sends it the
   * mix of the others in `codec`. `files` are real, checked paths (music on hold for a room
   * of one, join and leave tones).
   */
  confJoin: { req: { session: string; leg: LegName; room: string; codec: LegCodec; muted?: boolean; files: { moh: string[]; join: string[]; leave: string[] } }; res: null };
  /** The session leaves its room (no-op when in none); an empty room closes. */
  confLeave: { req: { session: string }; res: null };
  confMute: { req: { session: string; muted: boolean }; res: null };
  /** The participants of a room of this worker (none when it has no such room). */
  confList: { req: { room: string }; res: ConferenceParticipantState[] };
  /** Fault injection for tests and drills: the worker throws out of its event loop. */
  crash: { req: NoArgs; res: null };
  /** Fault injection: the worker blocks its event loop for `ms` (a hung worker), then answers. */
  stall: { req: { ms: number }; res: null };
}

/** A participant of a room as the worker sees it (confList). */
export interface ConferenceParticipantState {
  session: string;
  muted: boolean;
  /** Voice on its input lately (with hangover). */
  talking: boolean;
}

export type CommandName = keyof CommandMap;
export type CommandOf<K extends CommandName> = { op: K } & CommandMap[K]['req'];
export type MediaCommand = { [K in CommandName]: CommandOf<K> }[CommandName];
export type CommandResult<K extends CommandName> = CommandMap[K]['res'];

export interface WorkerLoad {
  sessions: number;
  portsInUse: number;
  portsFree: number;
  /** Event loop time of the worker since it started, busy and idle (perf_hooks ELU): its CPU share. */
  loopActiveMs: number;
  loopIdleMs: number;
  /** The worker isolate's V8 heap in use (v8.getHeapStatistics), garbage included: for memory-per-call probes. */
  heapUsedBytes?: number;
  /** CPU time of the worker thread (Linux /proc), user + system, in ms; absent elsewhere. */
  cpuMs?: number;
  /** Since the worker started, over every session (released or live): RTP/RTCP packets and bytes sent on to the other leg. */
  packetsRelayed: number;
  bytesRelayed: number;
  /** Packets dropped since the worker started: stray sources, invalid, or nowhere to send yet. */
  packetsDropped: number;
  /** SRTP/SRTCP packets dropped for a bad authentication tag, and for a replayed index (leg-srtp.ts). */
  srtpAuthFailed?: number;
  srtpReplayed?: number;
  /** Browser legs: STUN checks and DTLS records refused (from an address that did not signal, bad credentials; leg-webrtc.ts). */
  webrtcIceRefused?: number;
  webrtcDtlsRefused?: number;
  /** Sessions that transcode now. */
  transcoding?: number;
  /** 20 ms frame ticks of the worker pacer (transcoding, players, recorders, rooms, DTMF taps) since the worker started, and those run more than 10 ms late. */
  framesPaced?: number;
  framesLate?: number;
}

/** The counters of a leg of a transcoding session, beside its LegStats. */
export interface TranscodeLegStats {
  /** RTP of a payload type the leg did not negotiate. */
  wrongPayloadDropped: number;
  /** A timestamp jump of more than a minute within one source (the first packet of the jump). */
  absurdTimestampDropped: number;
  /** telephone-event from this leg while the other leg has none (DTMF interworking is to come). */
  dtmfDropped: number;
  /** Frames decoded from this leg, and frames concealed (lost or late). */
  framesDecoded: number;
  framesConcealed: number;
  /** From the jitter buffer: late, duplicate and out-of-window packets. */
  jitterDropped: number;
}

/** DTMF counters of a leg, beside its LegStats. */
export interface DtmfLegStats {
  /** Digits reported from this leg (RFC 4733 and in-band). */
  digits: number;
  /** Digits from this leg not reported: more than the flood limit per second. */
  floodDropped: number;
  /** telephone-event packets from this leg not passed on (the other leg has no telephone-event). */
  eventsStripped: number;
  /** RFC 4733 packets generated towards this leg's phone, and digits played to it as tones. */
  eventsGenerated: number;
  tonesGenerated: number;
  /** Malformed telephone-event or red payloads from this leg. */
  badEvents: number;
}

/** Counters for one leg: "received" is what its phone sent to us, "sent" what we sent to its phone. */
export interface LegStats {
  packetsReceived: number;
  bytesReceived: number;
  packetsSent: number;
  bytesSent: number;
  rtcpReceived: number;
  rtcpSent: number;
  /** From a source other than the latched one, or (before latching) from an IP that may not latch. */
  strayDropped: number;
  /** Not RTP/RTCP version 2, or too short. */
  invalidDropped: number;
  /** Valid, but the other leg had nowhere to send it yet. */
  unroutableDropped: number;
  /** SSRC of the last RTP packet received on this leg; null before the first. */
  ssrc: number | null;
  /** Packets expected from the sequence numbers (RFC 3550 §A.3), summed over every source seen. */
  expected: number;
  /** expected - received, never below zero. */
  lost: number;
  /** Interarrival jitter (RFC 3550 §A.8) of the last source, in milliseconds. */
  jitterMs: number;
  /** The largest jitter seen, in milliseconds. */
  maxJitterMs: number;
  latched: Endpoint | null;
  /** Only while the session transcodes. */
  transcode?: TranscodeLegStats;
  /** Once DTMF is configured on the session. */
  dtmf?: DtmfLegStats;
  /** Present when the leg carries SRTP. */
  srtp?: SrtpLegStats;
  /** Present on a browser leg. */
  webrtc?: WebrtcLegStats;
}

export interface MediaStats {
  session: string;
  a: LegStats;
  b: LegStats;
}

/** How a recording ended: the call hung up, the tenant's storage quota, a stop command, an error. */
export interface RecordingStopped {
  recId: string;
  reason: 'hangup' | 'quota' | 'stopped' | 'error';
  path: string;
  durationMs: number;
  /** The file's size, header included. */
  bytes: number;
  sampleRate: number;
  channels: number;
  message?: string;
}

export type MediaEvent =
  | { type: 'rtpTimeout'; session: string; idleMs: number }
  | { type: 'recordingStarted'; session: string; recId: string; path: string }
  | ({ type: 'recordingStopped'; session: string } & RecordingStopped)
  | { type: 'latched'; session: string; leg: LegName; kind: 'rtp' | 'rtcp'; address: string; port: number }
  | { type: 'workerError'; message: string }
  | PlayedMediaEvent
  /** A digit heard on a leg, once per key press, when it ends. */
  | { type: 'dtmf'; session: string; leg: LegName; digit: string; durationMs: number; source: DtmfSource };

/** How a play ended (see play): every file played, a digit, stop/replace/release, or nothing playable. */
export type PlayEndReason = 'done' | 'barged-in' | 'stopped' | 'error';

export interface PlayedMediaEvent {
  type: 'played';
  session: string;
  leg: LegName;
  playId: string;
  reason: PlayEndReason;
  /** The RFC 4733 digit that barged in. */
  digit?: string;
  filesPlayed: number;
  framesPlayed: number;
  /** Files that could not be played (skipped). */
  failedFiles: number;
}

/** Why a command failed; the controller turns it into a MediaError with the same code. */
export type MediaErrorCode =
  | 'ports-exhausted'
  | 'session-exists'
  | 'unknown-session'
  | 'bad-request'
  | 'worker-gone'
  | 'timeout'
  | 'no-worker'
  | 'stopped'
  | 'internal';

export interface WireError {
  code: MediaErrorCode;
  message: string;
}

export interface MediaRequest {
  id: number;
  cmd: MediaCommand;
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError }
  | { kind: 'event'; event: MediaEvent }
  /** A line of the worker's logger (worker/port-logger.ts), written by the main thread's. */
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; scope?: string; fields?: Record<string, unknown> };
