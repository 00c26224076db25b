/**
 * Every kind of destination a call can be sent to (the union the call-flows helpers agreed
 * on; src/tenant/routing-plan.ts Destination is being widened to the same shape). The B2BUA
 * accepts all of them wherever it takes a destination: inbound routes, ring-group
 * fallbacks, forwards and AppChannel.continueTo.
 */
export type AnyDestination =
  | { type: 'extension'; ext: string }
  | { type: 'ringGroup'; name: string }
  | { type: 'voicemail'; box: string }
  | { type: 'ivr'; name: string }
  | { type: 'timeCondition'; name: string }
  | { type: 'conference'; room: string }
  | { type: 'number'; number: string }
  | { type: 'play'; prompt: string }
  | { type: 'queue'; name: string }
  | { type: 'hangup' };

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
