/**
 * Digits a caller pressed in the last second, to tell a person from a DTMF flood (a
 * broken phone, a tone generator, an attack on the menu): more than `perSecond` within
 * one second is a flood. Times come from the injected clock.
 */
export class DigitRate {
  private readonly times: number[] = [];

  constructor(private readonly perSecond = 20) {}

  /** Counts `n` digits seen at `now`; true when the last second now holds a flood. */
  note(n: number, now: number): boolean {
    // More than a flood's worth at once is a flood whatever the count: keep at most that many.
    for (let i = 0; i < Math.min(n, this.perSecond + 1); i++) this.times.push(now);
    while (this.times.length > 0 && this.times[0]! <= now - 1000) this.times.shift();
    // Never keep more than a flood's worth: the answer is the same and memory stays bounded.
    if (this.times.length > this.perSecond + 1) this.times.splice(0, this.times.length - this.perSecond - 1);
    return this.times.length > this.perSecond;
  }
}
