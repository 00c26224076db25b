import { ReplayWindow } from './replay-window.js';

/**
 * The packet index of one SSRC (RFC 3711 §3.3.1): the 48-bit i = 2^16·ROC + SEQ, with the
 * ROC guessed from the highest index so far (Appendix A's estimate):
 *
 *   if s_l < 2^15:  v = ROC - 1 when SEQ - s_l > 2^15, else ROC
 *   else:           v = ROC + 1 when s_l - 2^15 > SEQ, else ROC
 *
 * The highest index (replay window's top) holds both ROC and s_l, so they are updated
 * together, and only for a packet that authenticated (§3.3.1: "update ... only after
 * the packet has been authenticated").
 */
export class SrtpStreamIndex {
  readonly window = new ReplayWindow();

  constructor(readonly ssrc: number) {}

  /** The index `seq` most likely stands for; -1 for one before the stream's first ROC. */
  estimate(seq: number): number {
    const top = this.window.top;
    if (top < 0) return seq;
    const roc = Math.floor(top / 0x10000);
    const sl = top % 0x10000;
    let v = roc;
    if (sl < 0x8000) {
      if (seq - sl > 0x8000) v = roc - 1;
    } else if (sl - 0x8000 > seq) {
      v = roc + 1;
    }
    if (v < 0 || v > 0xffffffff) return -1;
    return v * 0x10000 + seq;
  }
}

/** A few SSRCs per direction (a phone that restarts its stream picks a new one); the oldest goes. */
export class SsrcStates {
  private readonly states: SrtpStreamIndex[] = [];
  private next = 0;

  constructor(private readonly max = 4) {}

  find(ssrc: number): SrtpStreamIndex | undefined {
    for (const s of this.states) if (s.ssrc === ssrc) return s;
    return undefined;
  }

  add(ssrc: number): SrtpStreamIndex {
    const s = new SrtpStreamIndex(ssrc);
    if (this.states.length < this.max) this.states.push(s);
    else {
      this.states[this.next] = s;
      this.next = (this.next + 1) % this.max;
    }
    return s;
  }
}
