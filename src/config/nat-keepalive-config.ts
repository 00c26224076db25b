import { DROP_AFTER_RANGE, OPTIONS_SECONDS_RANGE } from '../model/nat-keepalive.js';
import { int, object, type Schema } from './schema.js';

/**
 * The tenant file's `natKeepalive: { optionsSeconds: 30, dropAfterMisses: 0 }`: OPTIONS
 * pings to the tenant's UDP phones; optionsSeconds 0 (the default) is off.
 */
export function natKeepaliveSchema(): Schema<{ optionsSeconds: number; dropAfterMisses: number }> {
  return object({
    optionsSeconds: int({ min: 0, max: OPTIONS_SECONDS_RANGE.max }).default(0),
    dropAfterMisses: int({ min: DROP_AFTER_RANGE.min, max: DROP_AFTER_RANGE.max }).default(0),
  }).check((v, where) => {
    if (v.optionsSeconds > 0 && v.optionsSeconds < OPTIONS_SECONDS_RANGE.min) {
      where.at('optionsSeconds').report(`must be 0 (off) or at least ${OPTIONS_SECONDS_RANGE.min} seconds`);
    }
  });
}
