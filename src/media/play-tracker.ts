/**
 * The main thread's side of the plays of one media session: a play id per `play` command,
 * and the promise the caller waits on, settled by the worker's `played` event (or by a
 * refusal, or by the session ending).
 */
import type { LegCodec, LegName, PlayEndReason, PlayedMediaEvent } from './protocol.js';

export interface PlayOptions {
  /** Start again after the last file until stopped (music on hold). Default false. */
  loop?: boolean;
  /** An RFC 4733 digit from that leg ends the play. Default true. */
  bargeIn?: boolean;
  /** The codec to encode in; default the leg's codec from the last answer. */
  codec?: LegCodec;
}

export interface PlayResult {
  reason: PlayEndReason;
  /** The digit that barged in. */
  digit?: string;
  filesPlayed: number;
  framesPlayed: number;
  failedFiles: number;
}

interface Pending {
  leg: LegName;
  resolve(r: PlayResult): void;
  reject(e: unknown): void;
}

export class PlayTracker {
  private next = 1;
  private readonly pending = new Map<string, Pending>();

  start(leg: LegName): { playId: string; done: Promise<PlayResult> } {
    const playId = `p${this.next++}`;
    const done = new Promise<PlayResult>((resolve, reject) => this.pending.set(playId, { leg, resolve, reject }));
    return { playId, done };
  }

  get size(): number {
    return this.pending.size;
  }

  ended(e: PlayedMediaEvent): void {
    const p = this.pending.get(e.playId);
    if (!p || p.leg !== e.leg) return;
    this.pending.delete(e.playId);
    p.resolve({ reason: e.reason, ...(e.digit !== undefined ? { digit: e.digit } : {}), filesPlayed: e.filesPlayed, framesPlayed: e.framesPlayed, failedFiles: e.failedFiles });
  }

  fail(playId: string, err: unknown): void {
    const p = this.pending.get(playId);
    if (!p) return;
    this.pending.delete(playId);
    p.reject(err);
  }

  /** The session is released: whatever still plays has stopped. */
  stopAll(): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve({ reason: 'stopped', filesPlayed: 0, framesPlayed: 0, failedFiles: 0 });
    }
  }

  failAll(err: unknown): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(err);
    }
  }
}
