/**
 * Music on hold for one call. The signalling stays a plain relay (in-dialog-relay.ts): the
 * hold re-INVITE/UPDATE (sendonly or inactive, RFC 3264 §8.4) still goes to the other
 * phone, which answers recvonly or inactive and so knows it is held; the PBX does not
 * answer the hold itself. What changes is the media: once the hold has been answered, the
 * worker plays the tenant's music-on-hold class, looped, to the HELD party (the leg facing
 * the phone that did not ask for the hold) instead of the silence the holding phone sends
 * (or does not send). A resume (sendrecv/recvonly again) stops it and the relay (or
 * transcoding) takes over again.
 *
 * RFC 3264 §8.4: with `sendonly` offered, the held phone answers `recvonly` and does receive,
 * so it plays the music. With `inactive`, the held phone answers `inactive` and may ignore
 * any media it gets: the music is sent all the same (nothing is lost by it), and phones
 * that do play what arrives (most do) play it.
 */
import type { Side } from './call-registry.js';
import type { CallMediaSession } from './ports.js';

export interface MusicOnHoldDeps {
  /** The real, checked paths of the tenant's music-on-hold files; undefined or empty: none (silence, as before). */
  files(): readonly string[] | undefined;
  warn(message: string, fields: Record<string, unknown>): void;
}

export class MusicOnHold {
  /** Which side holds the other (its last answered offer was sendonly/inactive). */
  private readonly holding: Record<Side, boolean> = { a: false, b: false };
  private readonly playing: Record<Side, boolean> = { a: false, b: false };

  constructor(
    private readonly media: CallMediaSession,
    private readonly d: MusicOnHoldDeps,
  ) {}

  /** Whether `side` is held by the other side now. */
  isHeld(side: Side): boolean {
    return this.holding[side === 'a' ? 'b' : 'a'];
  }

  /** An offer from `offerer` was answered: it holds (sendonly/inactive) or not. */
  offerAnswered(offerer: Side, hold: boolean): void {
    if (this.holding[offerer] === hold) return;
    this.holding[offerer] = hold;
    const held: Side = offerer === 'a' ? 'b' : 'a';
    if (hold) this.start(held);
    else this.stop(held);
  }

  private start(held: Side): void {
    if (!this.media.play) return;
    const files = this.d.files();
    if (!files || files.length === 0) return;
    this.playing[held] = true;
    this.media
      .play(held, files, { loop: true, bargeIn: false })
      .catch((e: unknown) => this.d.warn('music on hold not played', { leg: held, error: e }))
      .finally(() => {
        this.playing[held] = false;
      });
  }

  private stop(held: Side): void {
    if (!this.playing[held] || !this.media.stopPlay) return;
    this.media.stopPlay(held).catch((e: unknown) => this.d.warn('music on hold not stopped', { leg: held, error: e }));
  }
}
