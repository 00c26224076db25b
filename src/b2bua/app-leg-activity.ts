import type { AppLeg } from './app-leg.js';
import type { CallActivityLeg, CallActivitySink } from './call-activity.js';

/**
 * What an application leg means for busy lamps (issue 12, the same shapes as call-activity.ts):
 * the calling extension is busy while the PBX talks to it (voicemail, IVR: confirmed once
 * answered, trying/early before); each extension a bridge rings is a recipient (trying,
 * early once its phone rings), the one that answered confirmed. An ended leg has none.
 */
export function appLegActivityLegs(leg: AppLeg): CallActivityLeg[] {
  if (leg.hungUp) return [];
  const legs: CallActivityLeg[] = [];
  const callerExt = leg.input.callerExt;
  const winnerExt = leg.winner?.target.binding?.aor;
  let ringing = false;
  for (const f of leg.branches) {
    if (f.state === 'ringing') ringing = true;
    const ext = f.target.trunk === undefined ? f.target.binding?.aor : undefined;
    if (ext === undefined) continue;
    if (leg.winner ? f !== leg.winner : f.state !== 'calling' && f.state !== 'ringing') continue;
    const phase = f === leg.winner ? 'confirmed' : f.state === 'ringing' ? 'early' : 'trying';
    legs.push({ resource: ext, direction: 'recipient', phase, ...(callerExt !== undefined ? { peer: callerExt } : {}) });
  }
  if (callerExt !== undefined) {
    const phase = leg.answered ? 'confirmed' : ringing ? 'early' : 'trying';
    legs.push({ resource: callerExt, direction: 'initiator', phase, ...(winnerExt !== undefined ? { peer: winnerExt } : {}) });
  }
  return legs;
}

/** Tell the sink where an application leg of `tenantId` stands now. */
export function reportAppLegActivity(sink: CallActivitySink, tenantId: string, leg: AppLeg): void {
  const legs = appLegActivityLegs(leg);
  if (legs.length > 0) sink.callLegs(tenantId, leg.id, legs);
  else sink.callEnded(tenantId, leg.id);
}
