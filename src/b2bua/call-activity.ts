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
  if (call.state === 'answered') return answeredLegs(call);
  const legs: CallActivityLeg[] = [];
  const { callerExt, record, calleeExt } = call.input;
  const callerPeer = callerExt ?? record.fromNumber;
  let ringing = false;
  for (const f of call.branches) {
    if (f.state === 'ringing') ringing = true;
    const ext = f.target.binding?.aor;
    if (ext === undefined) continue;
    if (f.state !== 'calling' && f.state !== 'ringing') continue;
    legs.push({ resource: ext, direction: 'recipient', phase: f.state === 'ringing' ? 'early' : 'trying', ...(callerPeer !== undefined ? { peer: callerPeer } : {}) });
  }
  if (callerExt !== undefined) {
    const peer = record.direction === 'outbound' ? record.toNumber : calleeExt;
    legs.push({ resource: callerExt, direction: 'initiator', phase: ringing ? 'early' : 'trying', ...(peer !== undefined ? { peer } : {}) });
  }
  return legs;
}

/**
 * An answered call: the extension on each side now (Call.partyExt: a transfer may have put
 * another party on either side, issue 12), confirmed; the peer is the other side's
 * extension, else the outside number of the original call.
 */
function answeredLegs(call: Call): CallActivityLeg[] {
  const { record } = call.input;
  const a = call.partyExt('a');
  const b = call.partyExt('b');
  const replacedA = a !== call.input.callerExt;
  const outsideA = replacedA ? undefined : record.fromNumber;
  const outsideB = record.direction === 'outbound' ? record.toNumber : undefined;
  const legs: CallActivityLeg[] = [];
  const peerOfB = a ?? outsideA;
  const peerOfA = b ?? outsideB;
  if (b !== undefined) legs.push({ resource: b, direction: 'recipient', phase: 'confirmed', ...(peerOfB !== undefined ? { peer: peerOfB } : {}) });
  if (a !== undefined) legs.push({ resource: a, direction: 'initiator', phase: 'confirmed', ...(peerOfA !== undefined ? { peer: peerOfA } : {}) });
  return legs;
}

/** Tell the sink where a call of `tenantId` stands now. */
export function reportCallActivity(sink: CallActivitySink, tenantId: string, call: Call): void {
  const legs = callActivityLegs(call);
  if (legs.length > 0) sink.callLegs(tenantId, call.id, legs);
  else sink.callEnded(tenantId, call.id);
}
