/**
 * Where an inbound call or a ring group's fallback goes, written as
 * `{ extension: "1001" }`, `{ ringGroup: sales }` or `hangup`. Later destinations
 * (IVR, voicemail, queue) add a key here.
 */
import { isMap, isScalar, type Node } from 'yaml';
import { objectName } from './field-types.js';
import { fail, INVALID, object, Schema, str, strOrNumber, type DecodeContext, type Invalid } from './schema.js';
import type { DestinationConfig } from './types.js';

const EXPECTED = "expected hangup, { extension: <ext> } or { ringGroup: <name> }";

const target = object({
  extension: strOrNumber({ minLength: 1, maxLength: 32 }).optional(),
  ringGroup: objectName().optional(),
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
    if (t.extension !== undefined && t.ringGroup !== undefined) return fail(ctx, node, path, 'give either extension or ringGroup, not both');
    if (t.extension !== undefined) return { type: 'extension', ext: t.extension };
    if (t.ringGroup !== undefined) return { type: 'ringGroup', name: t.ringGroup };
    return fail(ctx, node, path, EXPECTED);
  }
}

export function destination(): Schema<DestinationConfig> {
  return new DestinationSchema();
}
