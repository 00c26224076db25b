/** Ring groups of a tenant: extensions rung together or in turn, with a fallback. */
import { destination } from './destination.js';
import { ROUTING_FIELDS } from '../model/field-rules.js';
import { objectName, sharedField } from './field-types.js';
import { list, object, oneOf, strOrNumber, type Schema } from './schema.js';
import type { RingGroupConfig } from './types.js';

export const MAX_RING_GROUP_MEMBERS = 100;

const ringGroup = object({
  name: objectName(),
  strategy: oneOf(['simultaneous', 'sequential']),
  // Whether each member exists is checked against the tenant's extensions (tenant-references.ts).
  members: list(strOrNumber({ minLength: 1, maxLength: 32 }), {
    min: 1,
    max: MAX_RING_GROUP_MEMBERS,
    unique: { key: (m) => m, what: 'member' },
  }),
  ringSeconds: sharedField(ROUTING_FIELDS.ringSeconds).default(20),
  fallback: destination().optional(),
});

export function ringGroupList(): Schema<RingGroupConfig[]> {
  return list(ringGroup, { max: 1000, unique: { key: (g) => g.name, what: 'ring group', at: 'name' } });
}
