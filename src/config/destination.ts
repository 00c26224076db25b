/**
 * Where a call goes, written in a tenant file as `hangup` or a one-key map:
 * `{ extension: 1001 }`, `{ ringGroup: sales }`, `{ voicemail: 1001 }`, `{ ivr: main }`,
 * `{ timeCondition: office-hours }`, `{ conference: 800 }`, `{ number: "+4930123456" }`,
 * `{ play: closed }`, `{ queue: sales }`. The target rules are shared with the API (src/model/destination-rules.ts);
 * whether the name exists in the tenant is checked with the whole file (tenant-references.ts).
 */
import { isMap, isScalar, type Node } from 'yaml';
import { DESTINATION_TARGET_RULE } from '../model/destination-rules.js';
import { sharedField } from './field-types.js';
import { fail, INVALID, object, Schema, str, type DecodeContext, type Invalid } from './schema.js';
import type { DestinationConfig } from './types.js';

const KEYS = ['extension', 'ringGroup', 'voicemail', 'ivr', 'timeCondition', 'conference', 'number', 'play', 'queue'] as const;
const EXPECTED = `expected hangup or a map with one of ${KEYS.join(', ')}`;

// A plain YAML number is taken as written (`extension: 0100` stays "0100", `number: +4930...` keeps its '+').
const target = object({
  extension: sharedField(DESTINATION_TARGET_RULE.extension, { numbers: true }).optional(),
  ringGroup: sharedField(DESTINATION_TARGET_RULE.ringGroup, { numbers: true }).optional(),
  voicemail: sharedField(DESTINATION_TARGET_RULE.voicemail, { numbers: true }).optional(),
  ivr: sharedField(DESTINATION_TARGET_RULE.ivr, { numbers: true }).optional(),
  timeCondition: sharedField(DESTINATION_TARGET_RULE.timeCondition, { numbers: true }).optional(),
  conference: sharedField(DESTINATION_TARGET_RULE.conference, { numbers: true }).optional(),
  number: sharedField(DESTINATION_TARGET_RULE.number, { numbers: true }).optional(),
  play: sharedField(DESTINATION_TARGET_RULE.play, { numbers: true }).optional(),
  queue: sharedField(DESTINATION_TARGET_RULE.queue, { numbers: true }).optional(),
});

class DestinationSchema extends Schema<DestinationConfig> {
  decode(node: Node, ctx: DecodeContext, path: string): DestinationConfig | Invalid {
    if (isScalar(node)) {
      const word = str().decode(node, ctx, path);
      if (word === INVALID) return INVALID;
      return word === 'hangup' ? { type: 'hangup' } : fail(ctx, node, path, `${EXPECTED}, got '${word}'`);
    }
    if (!isMap(node)) return fail(ctx, node, path, `${EXPECTED}, got a list`);
    const t = target.decode(node, ctx, path);
    if (t === INVALID) return INVALID;
    const given = KEYS.filter((k) => t[k] !== undefined);
    if (given.length > 1) return fail(ctx, node, path, `give one destination, not ${given.join(' and ')}`);
    const k = given[0];
    if (k === undefined) return fail(ctx, node, path, EXPECTED);
    const v = t[k]!;
    switch (k) {
      case 'extension':
        return { type: 'extension', ext: v };
      case 'ringGroup':
      case 'ivr':
      case 'timeCondition':
      case 'queue':
        return { type: k, name: v };
      case 'voicemail':
        return { type: 'voicemail', box: v };
      case 'conference':
        return { type: 'conference', room: v };
      case 'number':
        return { type: 'number', number: v };
      case 'play':
        return { type: 'play', prompt: v };
    }
  }
}

export function destination(): Schema<DestinationConfig> {
  return new DestinationSchema();
}
