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

/** The codec a leg carries (from the offer/answer): what its phone sends and expects. */
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
  /** Close the session's sockets, return its ports, answer with its final stats. */
  release: { req: { session: string }; res: MediaStats };
  stats: { req: { session: string }; res: MediaStats };
  /** Load of this worker. */
  load: { req: NoArgs; res: WorkerLoad };
  /** Fault injection for tests and drills: the worker throws out of its event loop. */
  crash: { req: NoArgs; res: null };
  /** Fault injection: the worker blocks its event loop for `ms` (a hung worker), then answers. */
  stall: { req: { ms: number }; res: null };
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
  /** CPU time of the worker thread (Linux /proc), user + system, in ms; absent elsewhere. */
  cpuMs?: number;
  /** Since the worker started, over every session (released or live): RTP/RTCP packets and bytes sent on to the other leg. */
  packetsRelayed: number;
  bytesRelayed: number;
  /** Packets dropped since the worker started: stray sources, invalid, or nowhere to send yet. */
  packetsDropped: number;
  /** Sessions that transcode now. */
  transcoding?: number;
  /** 20 ms frame ticks of the transcoding pacer since the worker started, and those run more than 10 ms late. */
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
}

export interface MediaStats {
  session: string;
  a: LegStats;
  b: LegStats;
}

export type MediaEvent =
  | { type: 'rtpTimeout'; session: string; idleMs: number }
  | { type: 'latched'; session: string; leg: LegName; kind: 'rtp' | 'rtcp'; address: string; port: number }
  | { type: 'workerError'; message: string };

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
  | { kind: 'event'; event: MediaEvent };
