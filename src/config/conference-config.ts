/** Conference rooms of a tenant: numbers its extensions dial, each with an optional PIN and size cap. */
import { ROUTING_FIELDS } from '../model/field-rules.js';
import { sharedField } from './field-types.js';
import { list, object, type Schema } from './schema.js';
import type { ConferenceConfig } from './types.js';

const conference = object({
  number: sharedField(ROUTING_FIELDS.conferenceNumber, { numbers: true }),
  name: sharedField(ROUTING_FIELDS.conferenceName).optional(),
  pin: sharedField(ROUTING_FIELDS.conferencePin, { numbers: true }).optional(),
  maxParticipants: sharedField(ROUTING_FIELDS.maxParticipants).optional(),
});

export function conferenceList(): Schema<ConferenceConfig[]> {
  return list(conference, { max: 1000, unique: { key: (c) => c.number, what: 'conference room', at: 'number' } });
}
