/**
 * Destinations as data: the two store columns (type, target), the node name the loop
 * check uses, and the check of a destination against the names that exist in ONE tenant.
 * A name of another tenant can never pass: `names` holds only this tenant's.
 */
import { DESTINATION_KINDS, DESTINATION_TARGET_FIELD, DESTINATION_TARGET_RULE, type DestinationKind } from './destination-rules.js';
import { checkField } from './field-rules.js';
import type { Destination } from './routing-plan.js';

export { DESTINATION_KINDS, type DestinationKind } from './destination-rules.js';

/** The target string of a destination (ext, name, box, room, number, prompt); null for hangup. */
export function destinationTarget(d: Destination): string | null {
  switch (d.type) {
    case 'extension':
      return d.ext;
    case 'ringGroup':
    case 'ivr':
    case 'timeCondition':
    case 'queue':
      return d.name;
    case 'voicemail':
      return d.box;
    case 'conference':
      return d.room;
    case 'number':
      return d.number;
    case 'play':
      return d.prompt;
    case 'hangup':
      return null;
  }
}

/** The destination stored as (type, target); undefined for a type this code does not know or a missing target. */
export function destinationFromParts(type: string | null, target: string | null): Destination | undefined {
  if (type === 'hangup') return { type: 'hangup' };
  if (target === null || !isKind(type) || type === 'hangup') return undefined;
  return withTarget(type, target);
}

function isKind(t: unknown): t is DestinationKind {
  return typeof t === 'string' && (DESTINATION_KINDS as readonly string[]).includes(t);
}

function withTarget(type: Exclude<DestinationKind, 'hangup'>, target: string): Destination {
  switch (type) {
    case 'extension':
      return { type, ext: target };
    case 'ringGroup':
    case 'ivr':
    case 'timeCondition':
    case 'queue':
      return { type, name: target };
    case 'voicemail':
      return { type, box: target };
    case 'conference':
      return { type, room: target };
    case 'number':
      return { type, number: target };
    case 'play':
      return { type, prompt: target };
  }
}

export { destinationNode } from './destination-graph.js';

/** The names that exist in one tenant, by kind. An absent set: the tenant has none of that kind. */
export interface DestinationNames {
  extensions: ReadonlySet<string>;
  ringGroups: ReadonlySet<string>;
  /** Absent: one box per extension (the extensions' numbers). */
  voicemailBoxes?: ReadonlySet<string>;
  ivrs?: ReadonlySet<string>;
  timeConditions?: ReadonlySet<string>;
  conferences?: ReadonlySet<string>;
  /** Call queues (the call-flow document's `queues:`). */
  queues?: ReadonlySet<string>;
  /** Whether the tenant (or the operator's or built-in set) has a prompt of that name; absent: only the name's form is checked. */
  promptExists?(name: string): boolean;
}

const WHAT: Record<Exclude<DestinationKind, 'hangup' | 'number' | 'play'>, string> = {
  extension: 'an extension',
  ringGroup: 'a ring group',
  voicemail: 'a voicemail box',
  ivr: 'an IVR menu',
  timeCondition: 'a time condition',
  conference: 'a conference room',
  queue: 'a call queue',
};

const EMPTY: ReadonlySet<string> = new Set();

function namesOf(kind: keyof typeof WHAT, names: DestinationNames): ReadonlySet<string> {
  switch (kind) {
    case 'extension':
      return names.extensions;
    case 'ringGroup':
      return names.ringGroups;
    case 'voicemail':
      return names.voicemailBoxes ?? names.extensions;
    case 'ivr':
      return names.ivrs ?? EMPTY;
    case 'timeCondition':
      return names.timeConditions ?? EMPTY;
    case 'conference':
      return names.conferences ?? EMPTY;
    case 'queue':
      return names.queues ?? EMPTY;
  }
}

/** The words an API client or an operator sees in the message of a bad type. */
export const DESTINATION_TYPES_TEXT = DESTINATION_KINDS.join(', ');

/**
 * Checks a destination given as data (from a spec or an API body) at `at` (e.g.
 * `inboundRoutes[2].destination`): its type, its target's form, and that what it names
 * exists in this tenant. Returns it, rebuilt with only its own fields, or undefined after
 * reporting through `bad`.
 */
export function validateDestination(v: unknown, at: string, names: DestinationNames, bad: (path: string, message: string) => void): Destination | undefined {
  const o = v as Record<string, unknown> | undefined;
  const type = typeof o === 'object' && o !== null ? o['type'] : undefined;
  if (!isKind(type)) {
    bad(`${at}.type`, `must be one of ${DESTINATION_TYPES_TEXT}`);
    return undefined;
  }
  if (type === 'hangup') return { type: 'hangup' };
  const field = DESTINATION_TARGET_FIELD[type];
  const target = o![field];
  const problem = checkField(DESTINATION_TARGET_RULE[type], target);
  if (problem !== undefined) {
    bad(`${at}.${field}`, problem);
    return undefined;
  }
  const name = target as string;
  if (type === 'play') {
    if (names.promptExists && !names.promptExists(name)) {
      bad(`${at}.${field}`, `no prompt ${name} for this tenant (neither uploaded nor built in)`);
      return undefined;
    }
  } else if (type !== 'number' && !namesOf(type, names).has(name)) {
    bad(`${at}.${field}`, `${name} is not ${WHAT[type]} of this tenant`);
    return undefined;
  }
  return withTarget(type, name);
}
