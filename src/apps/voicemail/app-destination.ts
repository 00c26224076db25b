/**
 * The destinations voicemail sends calls to (a box's operator, call back the sender), handed
 * to AppChannel.continueTo: src/model/routing-plan.ts Destination, the one union.
 */
import type { Destination } from '../../model/routing-plan.js';

export type AppDestination = Destination;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DIGITS = /^\+?[0-9]{1,32}$/;

/** A stored destination read back (a box's operator); undefined for anything not of the union. */
export function readDestination(v: unknown): AppDestination | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const s = (k: string, re: RegExp) => (typeof o[k] === 'string' && re.test(o[k] as string) ? (o[k] as string) : undefined);
  switch (o['type']) {
    case 'extension': { const ext = s('ext', DIGITS); return ext ? { type: 'extension', ext } : undefined; }
    case 'ringGroup': { const name = s('name', NAME); return name ? { type: 'ringGroup', name } : undefined; }
    case 'voicemail': { const box = s('box', DIGITS); return box ? { type: 'voicemail', box } : undefined; }
    case 'ivr': { const name = s('name', NAME); return name ? { type: 'ivr', name } : undefined; }
    case 'timeCondition': { const name = s('name', NAME); return name ? { type: 'timeCondition', name } : undefined; }
    case 'conference': { const room = s('room', DIGITS); return room ? { type: 'conference', room } : undefined; }
    case 'number': { const number = s('number', DIGITS); return number ? { type: 'number', number } : undefined; }
    case 'play': { const prompt = s('prompt', NAME); return prompt ? { type: 'play', prompt } : undefined; }
    case 'hangup': return { type: 'hangup' };
    default: return undefined;
  }
}
