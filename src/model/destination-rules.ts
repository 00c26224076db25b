/**
 * The destination union every call flow shares (inbound routes, ring-group fallbacks,
 * IVR options, time conditions, forwards): its kinds and the rule of each kind's target,
 * written once for the tenant YAML (src/config), the spec checks (src/tenant) and the
 * admin API's JSON Schema (src/admin). Plain data, no I/O.
 */
import { FIELDS, ROUTING_FIELDS, type TextRule } from './field-rules.js';

/** Every kind of destination, in the order the docs list them. */
export const DESTINATION_KINDS = ['extension', 'ringGroup', 'voicemail', 'ivr', 'timeCondition', 'conference', 'number', 'play', 'queue', 'hangup'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

/** The field that carries each kind's target ('' for hangup, which has none). */
export const DESTINATION_TARGET_FIELD = {
  extension: 'ext',
  ringGroup: 'name',
  voicemail: 'box',
  ivr: 'name',
  timeCondition: 'name',
  conference: 'room',
  number: 'number',
  play: 'prompt',
  queue: 'name',
  hangup: '',
} as const satisfies Record<DestinationKind, string>;

/** A number dialled outside: E.164, or the digits a tenant's users would dial (an outbound route decides). */
export const OUTSIDE_NUMBER: TextRule = {
  type: 'string',
  minLength: 2,
  maxLength: 32,
  pattern: '^\\+?[0-9]{2,31}$',
  problem: "must be a phone number: an optional '+' then 2-31 digits, e.g. +4930123456",
  description: 'A number reached through the outbound routes',
  examples: ['+4930123456'],
};

/** A prompt id: the rule of media/prompts/prompt-path.ts PROMPT_NAME_RE (the tenant's uploads and the built-in ids). */
export const PROMPT_NAME: TextRule = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
  problem: 'must be a prompt name: 1-64 of a-z 0-9 _ -, starting with a letter or digit',
  description: 'A prompt: one the tenant uploaded, or a built-in id',
  examples: ['closed'],
};

/** The rule of each kind's target. A voicemail box is an extension's number or a shared box's name (both fit the extension rule). */
export const DESTINATION_TARGET_RULE: Record<Exclude<DestinationKind, 'hangup'>, TextRule> = {
  extension: FIELDS.ext,
  ringGroup: ROUTING_FIELDS.objectName,
  voicemail: FIELDS.ext,
  ivr: ROUTING_FIELDS.objectName,
  timeCondition: ROUTING_FIELDS.objectName,
  conference: ROUTING_FIELDS.conferenceNumber,
  number: OUTSIDE_NUMBER,
  play: PROMPT_NAME,
  queue: ROUTING_FIELDS.objectName,
};
