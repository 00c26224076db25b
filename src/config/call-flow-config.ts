/**
 * The call-flow keys of a tenant file that are not sections of their own: an extension's
 * `forward:` and `dnd:`, and the tenant's `featureCodes:` (each id a code, or false to
 * disable it). Whether what they name exists, loops and clashing codes are checked with the
 * whole file (tenant-references.ts).
 */
import { isScalar, type Node } from 'yaml';
import { FEATURE_CODE_IDS, type FeatureCodeId } from '../model/feature-code-table.js';
import { FIELDS } from '../model/field-rules.js';
import { destination } from './destination.js';
import { sharedField } from './field-types.js';
import { bool, int, object, Schema, type DecodeContext, type Invalid } from './schema.js';
import type { DestinationConfig } from './types.js';

/** Seconds a no-answer forward waits (the same bounds as src/model/call-handling.ts). */
const NO_ANSWER_SECONDS = { min: 5, max: 300 };

/** `forward: { always, busy, noAnswer: { to, after }, unavailable }`: each a destination. */
export const forwardSchema = () =>
  object({
    always: destination().optional(),
    busy: destination().optional(),
    /** after: seconds of ringing before the call is forwarded (default 20). */
    noAnswer: object({ to: destination(), after: int(NO_ANSWER_SECONDS).default(20) }).optional(),
    /** When the extension has no registered device. */
    unavailable: destination().optional(),
  });

export const dndSchema = () => bool();

export interface ForwardConfig {
  always?: DestinationConfig;
  busy?: DestinationConfig;
  noAnswer?: { to: DestinationConfig; after: number };
  unavailable?: DestinationConfig;
}

/** A feature code, or false: this tenant has no such code. */
class CodeOrOff extends Schema<string | false> {
  private readonly code = sharedField(FIELDS.featureCode);
  decode(node: Node, ctx: DecodeContext, path: string): string | false | Invalid {
    if (isScalar(node) && node.value === false) return false;
    return this.code.decode(node, ctx, path);
  }
}

/** `featureCodes: { voicemail: "*97", dndOn: false, recordToggle: "*1", ... }` (quote the codes: `*` starts a YAML alias). */
export const featureCodesSchema = () =>
  object(Object.fromEntries(FEATURE_CODE_IDS.map((id) => [id, new CodeOrOff().optional()])) as Record<FeatureCodeId, Schema<string | false | undefined>>);
