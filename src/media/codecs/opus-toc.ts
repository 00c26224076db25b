/**
 * The table-of-contents byte of an Opus packet (RFC 6716 §3.1) and the frame count of its
 * framing code (§3.2): enough to know, before decoding, how long a packet is and in which mode
 * and bandwidth it was coded. Pure; never throws.
 */
export type OpusMode = 'silk' | 'hybrid' | 'celt';

export interface OpusPacketInfo {
  mode: OpusMode;
  /** Audio bandwidth of the configuration (§3.1 Table 2). */
  bandwidth: 'nb' | 'mb' | 'wb' | 'swb' | 'fb';
  /** Samples at 48 kHz in one frame of the packet (2.5 to 60 ms). */
  frameSamples: number;
  /** Frames in the packet (code 0: 1, codes 1 and 2: 2, code 3: the count byte). */
  frames: number;
  /** The packet is coded in stereo (the `s` bit). */
  stereo: boolean;
}

/** RFC 6716 §3.2.5 (R5): a packet carries at most 120 ms of audio. */
const MAX_PACKET_SAMPLES = 5760;

/** Samples per frame at 48 kHz for each of the 32 configurations (§3.1 Table 2). */
function frameSamplesOf(config: number): number {
  if (config < 12) return [480, 960, 1920, 2880][config & 3]!; // SILK: 10, 20, 40, 60 ms
  if (config < 16) return [480, 960][config & 1]!; // Hybrid: 10, 20 ms
  return [120, 240, 480, 960][config & 3]!; // CELT: 2.5, 5, 10, 20 ms
}

function bandwidthOf(config: number): OpusPacketInfo['bandwidth'] {
  if (config < 12) return (['nb', 'mb', 'wb'] as const)[config >> 2]!;
  if (config < 16) return config < 14 ? 'swb' : 'fb';
  return (['nb', 'wb', 'swb', 'fb'] as const)[(config - 16) >> 2]!;
}

/** What the TOC says, or undefined when the packet is empty or its framing is impossible. */
export function opusPacketInfo(packet: Uint8Array): OpusPacketInfo | undefined {
  if (packet.length < 1) return undefined; // §3.1 (R1): at least one byte
  const toc = packet[0]!;
  const config = toc >> 3;
  const code = toc & 3;
  const frameSamples = frameSamplesOf(config);
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else {
    if (packet.length < 2) return undefined; // §3.2.5 (R6): code 3 has a frame count byte
    frames = packet[1]! & 0x3f;
    if (frames === 0) return undefined; // (R5): at least one frame
  }
  if (frames * frameSamples > MAX_PACKET_SAMPLES) return undefined; // (R5): at most 120 ms
  return {
    mode: config < 12 ? 'silk' : config < 16 ? 'hybrid' : 'celt',
    bandwidth: bandwidthOf(config),
    frameSamples,
    frames,
    stereo: (toc & 4) !== 0,
  };
}
