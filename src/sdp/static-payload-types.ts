/** RFC 3551 §6, tables 4 and 5: the payload types with a fixed meaning, needing no rtpmap. */
export interface StaticPayloadType {
  encoding: string;
  clockRate: number;
  channels: number;
}

export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, StaticPayloadType> = new Map([
  [0, { encoding: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { encoding: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { encoding: 'G723', clockRate: 8000, channels: 1 }],
  [5, { encoding: 'DVI4', clockRate: 8000, channels: 1 }],
  [6, { encoding: 'DVI4', clockRate: 16000, channels: 1 }],
  [7, { encoding: 'LPC', clockRate: 8000, channels: 1 }],
  [8, { encoding: 'PCMA', clockRate: 8000, channels: 1 }],
  // RFC 3551 §4.5.2: G.722 samples at 16 kHz but its RTP clock runs at 8000 Hz.
  [9, { encoding: 'G722', clockRate: 8000, channels: 1 }],
  [10, { encoding: 'L16', clockRate: 44100, channels: 2 }],
  [11, { encoding: 'L16', clockRate: 44100, channels: 1 }],
  [12, { encoding: 'QCELP', clockRate: 8000, channels: 1 }],
  [13, { encoding: 'CN', clockRate: 8000, channels: 1 }],
  [14, { encoding: 'MPA', clockRate: 90000, channels: 1 }],
  [15, { encoding: 'G728', clockRate: 8000, channels: 1 }],
  [16, { encoding: 'DVI4', clockRate: 11025, channels: 1 }],
  [17, { encoding: 'DVI4', clockRate: 22050, channels: 1 }],
  [18, { encoding: 'G729', clockRate: 8000, channels: 1 }],
  [25, { encoding: 'CelB', clockRate: 90000, channels: 1 }],
  [26, { encoding: 'JPEG', clockRate: 90000, channels: 1 }],
  [28, { encoding: 'nv', clockRate: 90000, channels: 1 }],
  [31, { encoding: 'H261', clockRate: 90000, channels: 1 }],
  [32, { encoding: 'MPV', clockRate: 90000, channels: 1 }],
  [33, { encoding: 'MP2T', clockRate: 90000, channels: 1 }],
  [34, { encoding: 'H263', clockRate: 90000, channels: 1 }],
]);
