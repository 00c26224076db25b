/**
 * The `play` command as the worker checks it: it comes over the MessagePort from the main
 * thread, which is trusted to have resolved and fenced the paths (prompt-path.ts), but a
 * malformed command must still be refused, never crash the worker.
 */
import { isAbsolute } from 'node:path';
import { MediaError } from '../media-error.js';
import type { LegCodec, LegName } from '../protocol.js';

/** The most files one play takes (a music-on-hold class is capped at 100). */
export const MAX_PLAY_FILES = 200;
const MAX_PATH = 4096;
const MAX_PLAY_ID = 128;

export interface PlayRequest {
  session: string;
  leg: LegName;
  playId: string;
  codec: LegCodec;
  files: string[];
  loop: boolean;
  bargeIn: boolean;
}

export function checkPlay(cmd: unknown): PlayRequest {
  const c = (cmd ?? {}) as Record<string, unknown>;
  const bad = (why: string): never => {
    throw new MediaError('bad-request', `play: ${why}`);
  };
  if (typeof c.session !== 'string') bad('no session');
  if (c.leg !== 'a' && c.leg !== 'b') bad(`bad leg ${JSON.stringify(c.leg)}`);
  if (typeof c.playId !== 'string' || c.playId.length === 0 || c.playId.length > MAX_PLAY_ID) bad('bad playId');
  if (!c.codec || typeof c.codec !== 'object') bad('no codec');
  if (!Array.isArray(c.files) || c.files.length === 0 || c.files.length > MAX_PLAY_FILES) bad(`files must be 1-${MAX_PLAY_FILES} paths`);
  const files = c.files as unknown[];
  for (const f of files) {
    if (typeof f !== 'string' || f.length === 0 || f.length > MAX_PATH || f.includes('\0') || !isAbsolute(f)) bad('a file is not an absolute path');
  }
  return {
    session: c.session as string,
    leg: c.leg as LegName,
    playId: c.playId as string,
    codec: c.codec as LegCodec,
    files: files as string[],
    loop: c.loop === true,
    bargeIn: c.bargeIn !== false,
  };
}
