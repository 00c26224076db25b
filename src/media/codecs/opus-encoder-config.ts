import type { OpusFmtp } from './opus-fmtp.js';

/** Audio bandwidths of an Opus encoder (RFC 6716 §2): the highest coded audio frequency is half the rate. */
export type OpusBandwidth = 'nb' | 'mb' | 'wb' | 'swb' | 'fb';

/** What our Opus encoder does for one outgoing stream. Always mono, always 48 kHz input. */
export interface OpusEncoderConfig {
  /** Target bitrate in bit/s. */
  bitrate: number;
  /** Highest audio bandwidth the encoder may use. */
  maxBandwidth: OpusBandwidth;
  /** In-band FEC (LBRR) on, so that the receiver can rebuild a lost packet from the next one. */
  inbandFec: boolean;
  /** Expected packet loss in percent, told to the encoder so that FEC has bits to work with. */
  packetLossPercent: number;
  /** Constant bitrate instead of VBR. */
  cbr: boolean;
  /** Duration of one frame (= one RTP packet) in ms. */
  frameMs: OpusFrameMs;
}

/** Frame durations the encoder is fed with; 2.5 and 5 ms are left out (no telephony peer asks for them). */
export type OpusFrameMs = 10 | 20 | 40 | 60;
const FRAME_CHOICES: readonly OpusFrameMs[] = [10, 20, 40, 60];

/** A good wideband-speech bitrate for a mono VoIP stream when the peer sets no limit. */
export const OPUS_DEFAULT_BITRATE = 32000;
/** Loss we plan FEC for when the peer can use it. */
const FEC_LOSS_PERCENT = 10;

/**
 * Our encoder settings for a peer, from ITS fmtp (what it can receive) and its `a=ptime` /
 * `a=maxptime` (RFC 7587 §6.1, RFC 4566 §6):
 * - maxaveragebitrate caps the bitrate;
 * - maxplaybackrate caps the audio bandwidth (no point coding 20 kHz for an 8 kHz renderer);
 * - useinbandfec=1 turns FEC on (with an expected loss so that it is really used);
 * - cbr=1 turns VBR off;
 * - stereo is not looked at: we always encode mono, and stereo=1 only says the peer can also
 *   receive stereo (a mono stream is valid for every Opus receiver);
 * - usedtx is a preference only, and not followed: DTX makes packets irregular, which the
 *   paced media path does not want;
 * - ptime picks the frame duration (the largest supported one not above it; 20 ms when absent
 *   or absurd), never above maxptime nor below minptime when those allow a choice.
 */
export function opusEncoderConfigFor(remote: OpusFmtp, sdp: { ptime?: number; maxptime?: number } = {}): OpusEncoderConfig {
  const bitrate = remote.maxaveragebitrate === undefined ? OPUS_DEFAULT_BITRATE : Math.min(OPUS_DEFAULT_BITRATE, remote.maxaveragebitrate);
  return {
    bitrate,
    maxBandwidth: bandwidthFor(remote.maxplaybackrate),
    inbandFec: remote.useinbandfec,
    packetLossPercent: remote.useinbandfec ? FEC_LOSS_PERCENT : 0,
    cbr: remote.cbr,
    frameMs: frameMsFor(sdp.ptime, sdp.maxptime, remote.minptime),
  };
}

/** The widest bandwidth whose sample rate the receiver still renders. */
export function bandwidthFor(maxplaybackrate: number): OpusBandwidth {
  if (!Number.isFinite(maxplaybackrate) || maxplaybackrate >= 48000) return 'fb';
  if (maxplaybackrate >= 24000) return 'swb';
  if (maxplaybackrate >= 16000) return 'wb';
  if (maxplaybackrate >= 12000) return 'mb';
  return 'nb';
}

function frameMsFor(ptime: number | undefined, maxptime: number | undefined, minptime: number | undefined): OpusFrameMs {
  const valid = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x > 0 && x <= 120;
  const want = valid(ptime) ? ptime : 20;
  const upper = valid(maxptime) ? maxptime : 120;
  const lower = valid(minptime) ? minptime : 0;
  const allowed = FRAME_CHOICES.filter((f) => f <= upper && f >= lower);
  if (allowed.length === 0) return 20;
  const notAbove = allowed.filter((f) => f <= want);
  return notAbove.length > 0 ? notAbove[notAbove.length - 1]! : allowed[0]!;
}
