/**
 * A flow destination as the console edits it (src/model/flow-destination.ts: the API sends
 * and takes the typed form { type, <field> }). The picker holds a kind and a target text;
 * these turn one into the other. Pure.
 */

/** Each kind and the field of the typed form its target fills ('' for hangup). */
export const DESTINATION_KINDS = [
  ['extension', 'ext'],
  ['ringGroup', 'name'],
  ['voicemail', 'box'],
  ['ivr', 'name'],
  ['timeCondition', 'name'],
  ['queue', 'name'],
  ['conference', 'room'],
  ['number', 'number'],
  ['play', 'prompt'],
  ['hangup', ''],
] as const;

export type DestinationKind = (typeof DESTINATION_KINDS)[number][0];
export type Destination = { type: string; [field: string]: string };

export function targetField(kind: string): string | undefined {
  return DESTINATION_KINDS.find(([k]) => k === kind)?.[1];
}

/** The picker's state of a destination the API returned (typed or YAML form); none: no kind chosen. */
export function pickerValue(d: unknown): { kind: string; target: string } {
  if (d === 'hangup') return { kind: 'hangup', target: '' };
  if (!d || typeof d !== 'object') return { kind: '', target: '' };
  const o = d as Record<string, unknown>;
  if (typeof o['type'] === 'string') {
    const f = targetField(o['type']);
    const v = f ? o[f] : undefined;
    return { kind: o['type'], target: typeof v === 'string' || typeof v === 'number' ? String(v) : '' };
  }
  const [k] = Object.keys(o);
  if (k !== undefined && targetField(k) !== undefined) return { kind: k, target: String(o[k] ?? '') };
  return { kind: '', target: '' };
}

/** The typed form to send, or undefined for "none" (an optional destination left out). Targets go as typed: the API checks them. */
export function destinationOf(kind: string, target: string): Destination | undefined {
  if (kind === '') return undefined;
  if (kind === 'hangup') return { type: 'hangup' };
  const f = targetField(kind);
  if (f === undefined) return { type: kind };
  return { type: kind, [f]: target.trim() };
}
