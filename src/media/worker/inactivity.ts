/**
 * RTP inactivity (the media half of a dead-call check): a session whose legs have
 * carried no RTP in either direction for `timeoutMs`, and that is not on hold, is
 * reported once; RTP arriving again re-arms the report. Pure, so that it is tested
 * without waiting; the worker calls it from a coarse timer.
 */
export interface ActivityState {
  /** When RTP last arrived on either leg (or the session was set up, resumed, or renegotiated). */
  lastRtpAt: number;
  held: boolean;
  timeoutReported: boolean;
}

/** True when the session should be reported now; marks it reported. */
export function takeTimeout(s: ActivityState, now: number, timeoutMs: number): boolean {
  if (s.held || s.timeoutReported || timeoutMs <= 0) return false;
  if (now - s.lastRtpAt < timeoutMs) return false;
  s.timeoutReported = true;
  return true;
}

/** RTP seen (or a reason to start counting again): resets the idle time and re-arms the report. */
export function touch(s: ActivityState, now: number): void {
  s.lastRtpAt = now;
  s.timeoutReported = false;
}
