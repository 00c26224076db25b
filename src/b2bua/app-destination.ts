/**
 * Every kind of destination a call can be sent to: src/model/routing-plan.ts Destination
 * (the one union, src/model/flow-destination.ts). The B2BUA accepts all of them wherever it
 * takes a destination: inbound routes, ring-group fallbacks, forwards and
 * AppChannel.continueTo.
 */
import type { Destination } from '../model/routing-plan.js';

export type AnyDestination = Destination;

/** A short text naming a destination, for logs. */
export function describeDestination(d: AnyDestination): string {
  switch (d.type) {
    case 'extension':
      return `extension ${d.ext}`;
    case 'ringGroup':
      return `ring group ${d.name}`;
    case 'voicemail':
      return `voicemail ${d.box}`;
    case 'ivr':
      return `ivr ${d.name}`;
    case 'timeCondition':
      return `time condition ${d.name}`;
    case 'conference':
      return `conference ${d.room}`;
    case 'number':
      return `number ${d.number}`;
    case 'play':
      return `play ${d.prompt}`;
    case 'queue':
      return `queue ${d.name}`;
    case 'hangup':
      return 'hangup';
  }
}
