import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appLegActivityLegs, reportAppLegActivity } from './app-leg-activity.js';
import type { AppLeg } from './app-leg.js';
import type { CallActivityLeg } from './call-activity.js';
import type { ForkState } from './fork.js';

/** The parts of an application leg that app-leg-activity reads. */
function leg(o: { ended?: boolean; answered: boolean; callerExt?: string; forks?: Array<{ ext?: string; trunk?: string; state: ForkState }>; winner?: number }): AppLeg {
  const forks = (o.forks ?? []).map((f) => ({ state: f.state, target: { ...(f.ext !== undefined ? { binding: { aor: f.ext } } : {}), ...(f.trunk !== undefined ? { trunk: f.trunk } : {}) } }));
  return {
    id: 'leg-1',
    hungUp: o.ended ?? false,
    answered: o.answered,
    input: { callerExt: o.callerExt },
    branches: forks,
    winner: o.winner !== undefined ? forks[o.winner] : undefined,
  } as unknown as AppLeg;
}

test('an extension talking to voicemail or an IVR is busy (confirmed); before the answer it is trying', () => {
  assert.equal(appLegActivityLegs(leg({ answered: false, callerExt: '1001' })), [{ resource: '1001', direction: 'initiator', phase: 'trying' }]);
  assert.equal(appLegActivityLegs(leg({ answered: true, callerExt: '1001' })), [{ resource: '1001', direction: 'initiator', phase: 'confirmed' }]);
  assert.equal(appLegActivityLegs(leg({ answered: true })), [], 'a trunk caller lights no lamp');
});

test('a bridge (IVR → extension): the rung extensions are recipients, early while ringing; the one that answered confirmed, with the caller as peer', () => {
  const ringing = appLegActivityLegs(leg({ answered: true, callerExt: '1001', forks: [{ ext: '1002', state: 'ringing' }, { ext: '1003', state: 'calling' }, { trunk: 'carrier', state: 'ringing' }, { ext: '1004', state: 'failed' }] }));
  assert.equal(ringing.map((l) => `${l.resource}:${l.direction}:${l.phase}`), ['1002:recipient:early', '1003:recipient:trying', '1001:initiator:confirmed']);
  const bridged = appLegActivityLegs(leg({ answered: true, callerExt: '1001', forks: [{ ext: '1002', state: 'cancelled' }, { ext: '1003', state: 'answered' }], winner: 1 }));
  assert.equal(bridged, [
    { resource: '1003', direction: 'recipient', phase: 'confirmed', peer: '1001' },
    { resource: '1001', direction: 'initiator', phase: 'confirmed', peer: '1003' },
  ]);
});

test('an ended leg: callEnded, so no lamp stays lit', () => {
  const seen: string[] = [];
  const sink = { callLegs: (t: string, id: string, legs: readonly CallActivityLeg[]) => seen.push(`${t}/${id}:${legs.length}`), callEnded: (t: string, id: string) => seen.push(`${t}/${id}:ended`) };
  reportAppLegActivity(sink, 'acme', leg({ answered: true, callerExt: '1001' }));
  reportAppLegActivity(sink, 'acme', leg({ ended: true, answered: true, callerExt: '1001', forks: [{ ext: '1002', state: 'answered' }], winner: 0 }));
  assert.equal(seen, ['acme/leg-1:1', 'acme/leg-1:ended']);
});

test.run();
