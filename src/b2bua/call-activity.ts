import type { Call } from './call.js';

/**
 * What a call means for the extensions it touches, for busy-lamp keys and presence (RFC 4235
 * dialog states). The B2BUA reports every change of a call to a CallActivitySink (the
 * composition root plugs in src/events' ExtensionStates); the shapes match it.
 */
export interface CallActivityLeg {
  /** The extension ("1001"); other resources (park slots) report their own. */
  resource: string;
  direction: 'initiator' | 'recipient';
  phase: 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
  /** The other party: an extension of the same tenant, or an outside number (E.164) when known. */
  peer?: string;
}

export interface CallActivitySink {
  callLegs(tenantId: string, callId: string, legs: readonly CallActivityLeg[]): void;
  callEnded(tenantId: string, callId: string): void;
}

/**
 * The legs of a call now: the calling extension (initiator: trying until a branch rings,
 * early while one does, confirmed once answered) and each called extension (recipient:
 * trying, early once its phone rings, confirmed for the one that answered; a branch that
 * failed, was cancelled or lost to another is no longer listed). An ended call has none.
 */
export function callActivityLegs(call: Call): CallActivityLeg[] {
  if (call.state === 'ending' || call.state === 'ended') return [];
  const legs: CallActivityLeg[] = [];
  const { callerExt, record, calleeExt } = call.input;
  const answered = call.state === 'answered';
  const winnerExt = call.winner?.target.binding?.aor;
  const callerPeer = callerExt ?? record.fromNumber;
  let ringing = false;
  for (const f of call.branches) {
    if (f.state === 'ringing') ringing = true;
    const ext = f.target.binding?.aor;
    if (ext === undefined) continue;
    if (answered) {
      if (f !== call.winner) continue;
    } else if (f.state !== 'calling' && f.state !== 'ringing') continue;
    legs.push({ resource: ext, direction: 'recipient', phase: answered ? 'confirmed' : f.state === 'ringing' ? 'early' : 'trying', ...(callerPeer !== undefined ? { peer: callerPeer } : {}) });
  }
  if (callerExt !== undefined) {
    const peer = record.direction === 'outbound' ? record.toNumber : (winnerExt ?? calleeExt);
    legs.push({ resource: callerExt, direction: 'initiator', phase: answered ? 'confirmed' : ringing ? 'early' : 'trying', ...(peer !== undefined ? { peer } : {}) });
  }
  return legs;
}

/** Tell the sink where a call of `tenantId` stands now. */
export function reportCallActivity(sink: CallActivitySink, tenantId: string, call: Call): void {
  const legs = callActivityLegs(call);
  if (legs.length > 0) sink.callLegs(tenantId, call.id, legs);
  else sink.callEnded(tenantId, call.id);
}
