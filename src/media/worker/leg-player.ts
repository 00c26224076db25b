/**
 * A play on one leg of a session (protocol.ts `play`): a PromptPlayer at the leg codec's
 * own rate, encoded with the leg's FrameCodec and sent to the leg's phone on each tick of
 * the worker's one frame pacer, on the leg's PlayRtpStream (own SSRC, continuous sequence,
 * marker bit on the first packet). While it plays the leg is marked `playing`, so the
 * session (relay or transcode) sends that phone nothing of the other leg; the other
 * direction keeps flowing.
 *
 * Barge-in: RFC 4733 telephone-event packets from the same leg (its negotiated event
 * payload type) go through a TelephoneEventReceiver; the first digit's start ends a
 * bargeable play with reason 'barged-in' and the digit. In-band DTMF is not detected here.
 *
 * Ends exactly once (done, barged-in, stopped, error): the leg goes back to the session,
 * and onEnded gets the `played` event. Never throws out of tick() or the packet tap.
 */
import { MediaError } from '../media-error.js';
import { PromptPlayer, type PlayedEvent } from '../prompt-player.js';
import type { LegCodec, PlayedMediaEvent } from '../protocol.js';
import { rtpPayloadType, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.js';
import { rtpPayloadEnd, rtpPayloadOffset } from '../rtp/rtp-payload.js';
import { TelephoneEventReceiver } from '../rtp/telephone-event.js';
import type { PromptSource } from '../prompt-source.js';
import { createFrameCodec } from './codec-registry.js';
import type { FrameCodec } from './frame-codec.js';
import type { Paced } from './frame-pacer.js';
import type { PlayRtpStream } from './play-rtp-stream.js';
import type { RelayLeg } from './relay-leg.js';
import { RTP_HEADER_BYTES } from '../rtp/rtp-header.js';

export interface LegPlayerOptions {
  session: string;
  playId: string;
  codec: LegCodec;
  files: readonly string[];
  loop: boolean;
  bargeIn: boolean;
  stream: PlayRtpStream;
  now: () => number;
  onEnded: (player: LegPlayer, event: PlayedMediaEvent) => void;
  /** Opens a file (tests); default the PromptPlayer's own. */
  open?: (path: string) => PromptSource;
}

export class LegPlayer implements Paced {
  readonly playId: string;
  private readonly codec: FrameCodec;
  private readonly player: PromptPlayer;
  private readonly pcm: Int16Array;
  private readonly packet: Buffer;
  private readonly units: number;
  private readonly payloadType: number;
  private readonly eventPt: number;
  private readonly dtmf: TelephoneEventReceiver | undefined;
  private digit: string | undefined;
  private ended = false;

  constructor(
    readonly leg: RelayLeg,
    private readonly o: LegPlayerOptions,
  ) {
    const codec = createFrameCodec(o.codec);
    if (!codec) throw new MediaError('bad-request', `cannot play into ${String(o.codec?.name).slice(0, 32)}/${Number(o.codec?.clockRate)}`);
    this.codec = codec;
    this.playId = o.playId;
    this.payloadType = o.codec.payloadType;
    this.eventPt = o.codec.telephoneEvent ?? -1;
    this.units = (codec.frameSamples * codec.rtpClock) / codec.sampleRate;
    this.pcm = new Int16Array(codec.frameSamples);
    this.packet = Buffer.alloc(RTP_HEADER_BYTES + codec.maxPayloadBytes);
    this.dtmf =
      o.bargeIn && this.eventPt >= 0
        ? new TelephoneEventReceiver({
            clock: { now: o.now },
            onEvent: (r) => {
              if (r.kind !== 'start' || this.digit !== undefined) return;
              this.digit = r.digit;
              this.player.bargeIn();
            },
          })
        : undefined;
    this.player = new PromptPlayer(o.files, {
      rate: codec.sampleRate,
      loop: o.loop,
      bargeIn: o.bargeIn,
      onPlayed: (e) => this.finish(e),
      ...(o.open ? { open: o.open } : {}),
    });
    if (this.ended) return; // an empty sequence ends at once
    leg.playing = true;
    leg.inboundTap = (msg) => this.onInbound(msg);
    o.stream.begin(o.now(), codec.rtpClock);
  }

  get active(): boolean {
    return !this.ended;
  }

  /** One 20 ms frame to the leg's phone. */
  tick(): void {
    if (this.ended) return;
    const n = this.player.nextFrame(this.pcm);
    if (n === 0) return;
    const leg = this.leg;
    const bytes = this.codec.encode(this.pcm, this.packet.subarray(RTP_HEADER_BYTES));
    const length = this.o.stream.header(this.packet, this.payloadType, this.units, this.o.now()) + bytes;
    if (leg.sendPort === 0) {
      leg.unroutableDropped++;
      return;
    }
    // dgram reads the buffer when the datagram really leaves, after this returns: a frame
    // run back to back with the next (the pacer catching up) must not overwrite it.
    const out = Buffer.allocUnsafe(length);
    this.packet.copy(out, 0, 0, length);
    leg.sendRtp(out, 0, length);
    leg.packetsSent++;
    leg.bytesSent += length;
  }

  /** Stop now (stopPlay, another play, release): reason 'stopped'. */
  stop(): void {
    this.player.stop();
  }

  private onInbound(msg: Buffer): void {
    if (!this.dtmf || this.ended || rtpPayloadType(msg) !== this.eventPt) return;
    const off = rtpPayloadOffset(msg);
    const end = off < 0 ? -1 : rtpPayloadEnd(msg, off);
    if (end < 0) return;
    this.dtmf.receive(msg, off, end - off, rtpTimestamp(msg), rtpSsrc(msg));
  }

  private finish(e: PlayedEvent): void {
    if (this.ended) return;
    this.ended = true;
    // One play per leg at a time (the engine stops the old one before starting the next).
    this.leg.playing = false;
    this.leg.inboundTap = undefined;
    this.o.onEnded(this, {
      type: 'played',
      session: this.o.session,
      leg: this.leg.name,
      playId: this.playId,
      reason: e.reason,
      ...(e.reason === 'barged-in' && this.digit !== undefined ? { digit: this.digit } : {}),
      filesPlayed: e.filesPlayed,
      framesPlayed: e.framesPlayed,
      failedFiles: e.failures.length,
    });
  }
}
