/**
 * DTMF on both legs of one session (issue 10, item 3), attached to the relay or the
 * transcoding session that carries them:
 * - hears digits: RFC 4733 telephone-event (and `red` carrying it, RFC 4733 §2.6) on every
 *   leg that negotiated it, and in-band tones on a G.711 leg without telephone-event when
 *   asked (it decodes a copy of that leg's audio; the packets are relayed unchanged);
 * - reports each digit once, when it ends, as a `dtmf` event, at most DEFAULT_DIGITS_PER_SECOND
 *   a second per leg (a flood costs a counter);
 * - interworks on the relay path: telephone-event passes through to a leg that has it (its
 *   payload type rewritten when the legs numbered it differently), is stripped towards one
 *   that has not, and a digit heard one way is played to the other leg the way it
 *   negotiated (RFC 4733 packets, or tones into its G.711). Towards an INFO leg the main
 *   thread sends SIP INFO from the event.
 * Nothing here throws on packet input; the session's guard catches bugs.
 */
import { alawDecodeInto } from '../codecs/g711-alaw.js';
import { ulawDecodeInto } from '../codecs/g711-ulaw.js';
import { DtmfDetector } from '../dsp/dtmf-detector.js';
import type { DtmfLegStats, LegCodec, LegDtmf, LegName, MediaEvent } from '../protocol.js';
import { rtpPayloadType, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.js';
import { rtpPayloadEnd, rtpPayloadOffset } from '../rtp/rtp-payload.js';
import { TelephoneEventReceiver, type TelephoneEventReport } from '../rtp/telephone-event.js';
import { DtmfFloodGuard } from './dtmf-flood-guard.js';
import { DtmfOutStream, type G711Law } from './dtmf-out-stream.js';
import type { RelayLeg } from './relay-leg.js';

/** Where the tap sends what it generates: the session's legs (the relay's RelayLeg objects). */
export interface TapLegs {
  a: RelayLeg;
  b: RelayLeg;
}

class DtmfIn {
  readonly receiver: TelephoneEventReceiver;
  readonly detector: DtmfDetector | undefined;
  readonly flood: DtmfFloodGuard;
  readonly te: number;
  readonly red: number;
  readonly audioPt: number;
  readonly law: G711Law | undefined;
  digits = 0;
  badEvents = 0;
  /** Telephone-event from this leg was stripped since its last digit (the other leg did not get it). */
  strippedSinceDigit = false;
  private readonly pcm = new Int16Array(480);

  constructor(codec: LegCodec, cfg: LegDtmf, now: () => number, onDigit: (digit: string, durationMs: number, source: 'rfc4733' | 'inband') => void) {
    this.te = codec.telephoneEvent ?? -1;
    this.red = codec.red ?? -1;
    this.audioPt = codec.payloadType;
    this.law = g711Law(codec);
    this.flood = new DtmfFloodGuard(now);
    this.receiver = new TelephoneEventReceiver({
      clock: { now },
      onEvent: (r: TelephoneEventReport) => {
        if (r.kind === 'end' && r.digit !== 'flash') onDigit(r.digit, r.durationMs, 'rfc4733');
      },
    });
    // In-band only where asked, on G.711 without telephone-event: decoding costs CPU.
    this.detector = cfg.detectInband === true && this.te < 0 && this.law ? new DtmfDetector({ onEnd: (e) => onDigit(e.digit, e.durationMs, 'inband') }) : undefined;
  }

  /** A G.711 payload of this leg: a decoded copy feeds the in-band detector. */
  listen(msg: Buffer, off: number, end: number): void {
    if (!this.detector) return;
    const n = Math.min(end - off, this.pcm.length);
    const bytes = msg.subarray(off, off + n);
    const k = this.law === 'PCMU' ? ulawDecodeInto(bytes, this.pcm) : alawDecodeInto(bytes, this.pcm);
    this.detector.process(this.pcm.subarray(0, k));
  }
}

export class DtmfTap {
  private readonly in: Record<LegName, DtmfIn>;
  private readonly out: Record<LegName, DtmfOutStream>;
  /** Registered with the pacer (events in progress or digits to send). */
  private ticking = false;

  constructor(
    readonly session: string,
    private readonly legs: TapLegs,
    readonly codecs: { a: LegCodec; b: LegCodec },
    readonly config: { a: LegDtmf; b: LegDtmf },
    now: () => number,
    private readonly emit: (e: MediaEvent) => void,
    /** Start or stop the 20 ms ticks (the engine's one pacer). */
    private readonly pace: (on: boolean) => void,
    /** Relay path: the tap may generate packets into the streams; false on the transcoding path (hear only). */
    readonly interwork: boolean,
    random: () => number = Math.random,
  ) {
    this.in = {
      a: new DtmfIn(codecs.a, config.a, now, (d, ms, src) => this.onDigit('a', d, ms, src)),
      b: new DtmfIn(codecs.b, config.b, now, (d, ms, src) => this.onDigit('b', d, ms, src)),
    };
    this.out = {
      a: new DtmfOutStream(now, config.a.mode === 'rfc4733' ? (codecs.a.telephoneEvent ?? -1) : -1, codecs.a.clockRate, config.a.mode === 'inband' ? g711Law(codecs.a) : undefined, random),
      b: new DtmfOutStream(now, config.b.mode === 'rfc4733' ? (codecs.b.telephoneEvent ?? -1) : -1, codecs.b.clockRate, config.b.mode === 'inband' ? g711Law(codecs.b) : undefined, random),
    };
  }

  /**
   * Relay path: an RTP packet from `from`'s phone about to go to the other leg. Returns false
   * when it must not be sent on (telephone-event towards a leg without it). May rewrite the
   * packet in place (sequence shift, payload type, in-band tone).
   */
  relay(from: LegName, msg: Buffer): boolean {
    const to: LegName = from === 'a' ? 'b' : 'a';
    const inLeg = this.in[from];
    const out = this.out[to];
    const pt = rtpPayloadType(msg);
    if (pt === inLeg.te || pt === inLeg.red) {
      if (!this.observeEvent(inLeg, msg, pt)) {
        out.stripped();
        return false;
      }
      const toTe = this.config[to].mode === 'rfc4733' ? (this.codecs[to].telephoneEvent ?? -1) : -1;
      if (pt === inLeg.te && toTe >= 0) {
        if (toTe !== pt) msg[1] = (msg[1]! & 0x80) | toTe; // the other leg numbered it differently
        out.relayed(msg);
        return true;
      }
      inLeg.strippedSinceDigit = true;
      out.stripped();
      return false;
    }
    if (pt === inLeg.audioPt) {
      const off = rtpPayloadOffset(msg);
      const end = off < 0 ? -1 : rtpPayloadEnd(msg, off);
      if (end > off) {
        inLeg.listen(msg, off, end);
        out.overwriteAudio(msg, off, end);
      }
    }
    out.relayed(msg);
    return true;
  }

  /** Transcoding path: hear digits only (the transcoder passes or drops the events itself). */
  observe(from: LegName, msg: Buffer): void {
    const inLeg = this.in[from];
    const pt = rtpPayloadType(msg);
    if (pt === inLeg.te || pt === inLeg.red) {
      this.observeEvent(inLeg, msg, pt);
    } else if (pt === inLeg.audioPt && inLeg.detector) {
      const off = rtpPayloadOffset(msg);
      const end = off < 0 ? -1 : rtpPayloadEnd(msg, off);
      if (end > off) inLeg.listen(msg, off, end);
    }
  }

  /** Play a digit to a leg's phone (from SIP INFO or an application); false when that leg can take none. */
  sendDigit(leg: LegName, digit: string, durationMs: number): boolean {
    if (!this.interwork) return false;
    const ok = this.out[leg].sendDigit(digit, durationMs);
    if (ok) this.setTicking(true);
    return ok;
  }

  /** On the pacer: end events whose end packets were lost, send the generated packets due. */
  tick(): void {
    for (const name of ['a', 'b'] as const) {
      this.in[name].receiver.tick();
      const leg = this.legs[name];
      this.out[name].tick((buf, len) => {
        if (leg.sendPort === 0) return;
        leg.sendRtp(buf, 0, len);
        leg.packetsSent++;
        leg.bytesSent += len;
      });
    }
    if (!this.in.a.receiver.inEvent && !this.in.b.receiver.inEvent && !this.out.a.busy && !this.out.b.busy) this.setTicking(false);
  }

  stats(leg: LegName): DtmfLegStats {
    const i = this.in[leg];
    const o = this.out[leg];
    return {
      digits: i.digits,
      floodDropped: i.flood.dropped,
      eventsStripped: this.out[leg === 'a' ? 'b' : 'a'].eventsStripped,
      eventsGenerated: o.eventsGenerated,
      tonesGenerated: o.tonesGenerated,
      badEvents: i.badEvents + i.receiver.counters.badLength,
    };
  }

  /** Leaving the session (released, or replaced): stop ticking. */
  detach(): void {
    this.setTicking(false);
  }

  /** Feeds an event packet to the receiver; false when its payload is unreadable. */
  private observeEvent(inLeg: DtmfIn, msg: Buffer, pt: number): boolean {
    const off = rtpPayloadOffset(msg);
    const end = off < 0 ? -1 : rtpPayloadEnd(msg, off);
    if (end < 0) {
      inLeg.badEvents++;
      return false;
    }
    if (pt === inLeg.te) inLeg.receiver.receive(msg, off, end - off, rtpTimestamp(msg), rtpSsrc(msg));
    else if (inLeg.te >= 0) inLeg.receiver.receiveRed(msg, off, end - off, rtpTimestamp(msg), rtpSsrc(msg), inLeg.te);
    if (inLeg.receiver.inEvent) this.setTicking(true);
    return true;
  }

  private onDigit(from: LegName, digit: string, durationMs: number, source: 'rfc4733' | 'inband'): void {
    const inLeg = this.in[from];
    if (!inLeg.flood.admit()) return;
    inLeg.digits++;
    const to: LegName = from === 'a' ? 'b' : 'a';
    const mode = this.config[to].mode;
    // What the other leg did not get as it is, it gets the way it negotiated (INFO: the main thread).
    const passedAsIs = source === 'rfc4733' ? !inLeg.strippedSinceDigit && mode === 'rfc4733' : mode === 'inband';
    inLeg.strippedSinceDigit = false;
    if (this.interwork && !passedAsIs && (mode === 'rfc4733' || mode === 'inband')) this.sendDigit(to, digit, durationMs);
    this.emit({ type: 'dtmf', session: this.session, leg: from, digit, durationMs, source });
  }

  private setTicking(on: boolean): void {
    if (on === this.ticking) return;
    this.ticking = on;
    this.pace(on);
  }
}

export function g711Law(c: LegCodec): G711Law | undefined {
  const n = c.name.toUpperCase();
  if (c.clockRate !== 8000) return undefined;
  return n === 'PCMU' ? 'PCMU' : n === 'PCMA' ? 'PCMA' : undefined;
}
