/**
 * A conference room inside one media worker. Each participant is the phone-facing leg of an
 * ordinary session (allocate/setRemote/setCodecs as for any call); joining the room takes that
 * leg over: what its phone sends goes, through the leg's inbound tap, into the participant's
 * own jitter buffer; on each tick of the worker's one frame pacer every participant's frame is
 * decoded (its own codec, codec-registry.ts) or concealed, the ConferenceMixer builds each
 * participant's mix-minus (everyone but itself), and that is encoded in the participant's codec
 * and sent on the participant's own RTP stream (PlayRtpStream: own SSRC, continuous sequence).
 * The leg is marked `playing`, so the session it belongs to sends its phone nothing else.
 *
 * Announcements: join and leave tones are played into the room (every participant hears
 * them on top of the mix). A room of one hears music on hold (the files the main thread
 * resolved for the tenant) instead of the silent mix.
 *
 * Never throws out of tick() or the packet tap: bad packets are dropped and counted.
 */
import { ConferenceMixer } from '../conference/conference-mixer.js';
import type { ConferenceParticipant } from '../conference/conference-participant.js';
import { JitterBuffer, PULL_LOST } from '../jitter-buffer.js';
import { PromptPlayer } from '../prompt-player.js';
import type { PromptSource } from '../prompt-source.js';
import type { LegCodec } from '../protocol.js';
import { RepeatAndFade } from '../repeat-and-fade.js';
import { RTP_HEADER_BYTES, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.js';
import { rtpPayloadEnd, rtpPayloadOffset } from '../rtp/rtp-payload.js';
import { createFrameCodec } from './codec-registry.js';
import type { FrameCodec } from './frame-codec.js';
import { FRAME_MS, type Paced } from './frame-pacer.js';
import type { PlayRtpStream } from './play-rtp-stream.js';
import type { RelayLeg } from './relay-leg.js';

/** Largest audio payload taken (60 ms of G.711 or G.722). */
const MAX_AUDIO_PAYLOAD = 480;
/** Packets of a ring, so a buffer is not reused while the socket may still read it. */
const RING = 4;

export interface ConferenceRoomFiles {
  /** Music on hold for a room of one (looped); empty: silence. */
  moh: readonly string[];
  /** Played into the room when someone joins / leaves; empty: nothing. */
  join: readonly string[];
  leave: readonly string[];
}

export interface ConferenceRoomOptions {
  id: string;
  files: ConferenceRoomFiles;
  now: () => number;
  /** Opens a prompt file (tests); default the PromptPlayer's own. */
  open?: (path: string) => PromptSource;
  /** Mix all participants (tests); default the mixer's top 3. */
  maxMixed?: number;
}

export interface RoomParticipantInfo {
  session: string;
  muted: boolean;
  talking: boolean;
}

/** One participant's path: its leg, codec, jitter buffer, concealment and outgoing stream. */
class RoomMember {
  readonly codec: FrameCodec;
  readonly jitter: JitterBuffer;
  readonly conceal: RepeatAndFade;
  readonly payload = Buffer.alloc(MAX_AUDIO_PAYLOAD);
  readonly pcm: Int16Array;
  readonly frame: Int16Array;
  readonly overlay: Int16Array;
  readonly ring: Buffer[] = [];
  ringAt = 0;
  readonly units: number;
  /** Announcements (join/leave tones) queued for this participant, and its music on hold. */
  readonly announcements: PromptPlayer[] = [];
  moh: PromptPlayer | null = null;
  /** Packets of a payload type the leg did not negotiate. */
  wrongPayloadDropped = 0;
  framesDecoded = 0;
  framesConcealed = 0;

  constructor(
    readonly session: string,
    readonly leg: RelayLeg,
    readonly legCodec: LegCodec,
    codec: FrameCodec,
    readonly stream: PlayRtpStream,
    readonly mix: ConferenceParticipant,
    now: () => number,
  ) {
    this.codec = codec;
    this.jitter = new JitterBuffer({ clock: { now }, clockRate: codec.rtpClock, frameMs: FRAME_MS, maxPayloadBytes: MAX_AUDIO_PAYLOAD });
    const maxIn = Math.max(codec.decodedSamples(MAX_AUDIO_PAYLOAD), codec.frameSamples);
    this.pcm = new Int16Array(maxIn);
    this.frame = new Int16Array(codec.frameSamples);
    this.overlay = new Int16Array(codec.frameSamples);
    this.conceal = new RepeatAndFade(maxIn);
    for (let i = 0; i < RING; i++) this.ring.push(Buffer.alloc(RTP_HEADER_BYTES + codec.maxPayloadBytes));
    this.units = (codec.rtpClock * FRAME_MS) / 1000;
  }
}

export class ConferenceRoom implements Paced {
  readonly id: string;
  private readonly mixer: ConferenceMixer;
  private readonly members = new Map<string, RoomMember>();

  constructor(private readonly o: ConferenceRoomOptions) {
    this.id = o.id;
    this.mixer = new ConferenceMixer({ maxMixed: o.maxMixed ?? 3 });
  }

  get size(): number {
    return this.members.size;
  }

  has(session: string): boolean {
    return this.members.has(session);
  }

  /**
   * The leg of `session` joins: throws a RangeError for a codec the worker cannot decode or
   * a session already in the room. Everyone already there hears the join tone.
   */
  join(session: string, leg: RelayLeg, codec: LegCodec, stream: PlayRtpStream, muted = false): void {
    if (this.members.has(session)) throw new RangeError(`session ${session} is already in room ${this.id}`);
    const fc = createFrameCodec(codec);
    if (!fc) throw new RangeError(`cannot mix ${String(codec?.name).slice(0, 32)}/${Number(codec?.clockRate)}`);
    const mix = this.mixer.join(session, { rate: fc.sampleRate, muted });
    const m = new RoomMember(session, leg, codec, fc, stream, mix, this.o.now);
    this.members.set(session, m);
    leg.playing = true;
    leg.inboundTap = (msg) => this.onPacket(m, msg);
    stream.begin(this.o.now(), fc.rtpClock);
    this.announce(this.o.files.join);
    this.updateMoh();
  }

  /** The participant leaves (BYE, kick, release); the others hear the leave tone. False when not here. */
  leave(session: string): boolean {
    const m = this.members.get(session);
    if (!m) return false;
    this.members.delete(session);
    this.mixer.leave(session);
    m.leg.playing = false;
    m.leg.inboundTap = undefined;
    m.moh?.stop();
    for (const a of m.announcements) a.stop();
    this.announce(this.o.files.leave);
    this.updateMoh();
    return true;
  }

  /** Mute (contributes nothing, still hears) or unmute; false when not here. */
  setMuted(session: string, muted: boolean): boolean {
    const m = this.members.get(session);
    if (!m) return false;
    m.mix.muted = muted;
    return true;
  }

  participants(): RoomParticipantInfo[] {
    return [...this.members.values()].map((m) => ({ session: m.session, muted: m.mix.muted, talking: m.mix.talking }));
  }

  /** Counters of one participant (tests, stats). */
  counters(session: string): { framesDecoded: number; framesConcealed: number; wrongPayloadDropped: number; jitterDropped: number } | undefined {
    const m = this.members.get(session);
    if (!m) return undefined;
    const j = m.jitter.counters;
    return { framesDecoded: m.framesDecoded, framesConcealed: m.framesConcealed, wrongPayloadDropped: m.wrongPayloadDropped, jitterDropped: j.late + j.duplicates + j.outOfWindow };
  }

  /** One 20 ms frame for the whole room. */
  tick(): void {
    for (const m of this.members.values()) this.decode(m);
    this.mixer.tick();
    for (const m of this.members.values()) this.send(m);
  }

  private decode(m: RoomMember): void {
    const n = m.jitter.pull(m.payload);
    if (n >= 0) {
      const samples = m.codec.decode(n === m.payload.length ? m.payload : m.payload.subarray(0, n), m.pcm);
      if (samples !== m.frame.length) {
        m.mix.put(null);
        return;
      }
      m.frame.set(m.pcm.subarray(0, samples));
      m.conceal.remember(m.frame);
      m.framesDecoded++;
      m.mix.put(m.frame);
    } else if (n === PULL_LOST) {
      if (!m.codec.conceal || m.codec.conceal(m.frame) <= 0) m.conceal.conceal(m.frame);
      m.framesConcealed++;
      m.mix.put(m.frame);
    } else {
      m.mix.put(null);
    }
  }

  private send(m: RoomMember): void {
    const out = m.frame;
    if (m.mix.heard) out.set(m.mix.output);
    else out.fill(0);
    if (m.moh) {
      m.moh.nextFrame(m.overlay);
      addInto(out, m.overlay);
    }
    while (m.announcements.length > 0) {
      const a = m.announcements[0]!;
      if (a.nextFrame(m.overlay) > 0) {
        addInto(out, m.overlay);
        break;
      }
      m.announcements.shift();
    }
    const leg = m.leg;
    if (leg.sendPort === 0) {
      leg.unroutableDropped++;
      return;
    }
    m.ringAt = (m.ringAt + 1) % RING;
    const p = m.ring[m.ringAt]!;
    const bytes = m.codec.encode(out, p.subarray(RTP_HEADER_BYTES));
    const length = m.stream.header(p, m.legCodec.payloadType, m.units, this.o.now()) + bytes;
    leg.sendRtp(p, 0, length);
    leg.packetsSent++;
    leg.bytesSent += length;
  }

  /** RTP from a participant's phone (already admitted by its leg): audio into its jitter buffer. */
  private onPacket(m: RoomMember, msg: Buffer): void {
    const pt = rtpPayloadType(msg);
    if (pt !== m.legCodec.payloadType) {
      // telephone-event is the session's DTMF tap's business; anything else is dropped here.
      if (pt !== m.legCodec.telephoneEvent) m.wrongPayloadDropped++;
      return;
    }
    const off = rtpPayloadOffset(msg);
    const end = off < 0 ? -1 : rtpPayloadEnd(msg, off);
    if (end <= off) {
      m.wrongPayloadDropped++;
      return;
    }
    m.jitter.push(msg, off, end - off, rtpSequence(msg), rtpTimestamp(msg), rtpSsrc(msg), (msg[1]! & 0x80) !== 0);
  }

  private announce(files: readonly string[]): void {
    if (files.length === 0) return;
    for (const m of this.members.values()) {
      if (m.announcements.length >= 4) continue; // a burst of joins: a few tones are enough
      m.announcements.push(this.player(files, m.codec.sampleRate, false));
    }
  }

  /** Music on hold for a room of one, stopped as soon as someone else is there. */
  private updateMoh(): void {
    const alone = this.members.size === 1;
    for (const m of this.members.values()) {
      if (alone && !m.moh && this.o.files.moh.length > 0) m.moh = this.player(this.o.files.moh, m.codec.sampleRate, true);
      else if (!alone && m.moh) {
        m.moh.stop();
        m.moh = null;
      }
    }
  }

  private player(files: readonly string[], rate: FrameCodec['sampleRate'], loop: boolean): PromptPlayer {
    return new PromptPlayer(files, { rate, loop, bargeIn: false, ...(this.o.open ? { open: this.o.open } : {}) });
  }
}

/** out += add, saturated to 16 bits. */
function addInto(out: Int16Array, add: Int16Array): void {
  for (let i = 0; i < out.length; i++) {
    const v = out[i]! + add[i]!;
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}
