/**
 * The JSON Schema of a destination in API bodies and views (the union of
 * src/model/routing-plan.ts Destination): `{ type, <its target field> }`. What the target
 * must look like and whether it exists in the tenant are checked by the spec checks
 * (src/model/destination.ts), which answer 422 with a JSON pointer.
 */
import { DESTINATION_KINDS, DESTINATION_TARGET_FIELD } from '../model/destination-rules.js';
import type { JsonSchema } from './api-types.js';

const FIELDS = [...new Set(Object.values(DESTINATION_TARGET_FIELD).filter((f) => f !== ''))];

export const DESTINATION_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  description:
    '{ type: extension, ext } | { type: ringGroup, name } | { type: voicemail, box } | { type: ivr, name } | { type: timeCondition, name } | { type: conference, room } | { type: number, number } | { type: play, prompt } | { type: queue, name } | { type: hangup }',
  properties: {
    type: { type: 'string', enum: [...DESTINATION_KINDS] },
    ...Object.fromEntries(FIELDS.map((f) => [f, { type: 'string', maxLength: 64 }])),
  },
};
