/**
 * Call-park slots on busy-lamp keys (issue 12, point 3): every change of a slot (the B2BUA's
 * ParkSlotsPort) is reported to the extension-state tracker under the slot's number, so a
 * phone watching `sip:701@<tenant domain>` (Event: dialog) sees a confirmed dialog while a
 * call is parked there and a terminated one when it is retrieved, times out or hangs up.
 */
import type { ParkSlotsPort } from '../b2bua/call-park.js';
import type { CallActivitySink } from '../events/extension-states.js';

/** Returns the unsubscribe. */
export function parkSlotLamps(slots: ParkSlotsPort, lamps: CallActivitySink): () => void {
  return slots.onChange((tenantId, slot, state) => {
    const key = `park:${slot}`;
    if (state === 'busy') lamps.callLegs(tenantId, key, [{ resource: slot, direction: 'recipient', phase: 'confirmed' }]);
    else lamps.callEnded(tenantId, key);
  });
}
