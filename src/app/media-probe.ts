/**
 * The media engine's judgement of an uploaded prompt or music file, for the admin API's
 * upload routes (admin may not import media: the composition root hands this over).
 * A file passes when WavReader (the player's own reader, with its defaults: mono PCM
 * 16-bit at 8/16/48 kHz or G.711 at 8 kHz) accepts its header and it holds some sound.
 */
import type { MediaFiles, WavProbe } from '../admin/routes/tenant-media-kit.js';
import { PROMPT_IDS } from '../media/prompts/prompt-catalog.js';
import { WavError } from '../media/wav/wav-error.js';
import { WavReader } from '../media/wav/wav-reader.js';

export function probeWav(path: string): WavProbe | { refused: string; message: string } {
  let r: WavReader;
  try {
    r = WavReader.open(path);
  } catch (e) {
    if (e instanceof WavError) return { refused: e.code, message: e.message };
    throw e;
  }
  try {
    const i = r.info;
    if (i.frames === 0) return { refused: 'no-data', message: 'the data chunk holds no samples' };
    return { format: `${i.encoding}/${i.sampleRate}`, durationMs: i.durationMs };
  } finally {
    r.close();
  }
}

export const mediaFiles: MediaFiles = { probe: probeWav, builtinPromptIds: PROMPT_IDS };
