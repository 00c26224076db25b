/**
 * Dial patterns of outbound routes (types.ts, OutboundRouteConfig.patterns), checked with
 * the grammar of src/util/dial-pattern.ts so that what the config accepts is exactly what
 * the router compiles.
 */
import { isSeq, type Node } from 'yaml';
import { parseDialPattern, type DialPatternText } from '../model/dial-pattern-text.js';
import { fail, reject, Schema, strOrNumber, type DecodeContext, type Invalid } from './schema.js';

/** A checked dial pattern (src/model/dial-pattern-text.ts). */
export type DialPattern = DialPatternText;

export { parseDialPattern };

/** A dial pattern; a plain YAML number keeps its text ('011.' stays '011.'). */
class DialPatternSchema extends Schema<DialPattern> {
  private readonly text = strOrNumber().to((s) => {
    const p = parseDialPattern(s);
    return 'problem' in p ? reject(p.problem) : p;
  });
  decode(node: Node, ctx: DecodeContext, path: string): DialPattern | Invalid {
    // `[2-9]XX` unquoted is a YAML list, not a string.
    if (isSeq(node)) return fail(ctx, node, path, "a pattern that starts with '[' must be quoted, e.g. '[2-9]XX'");
    return this.text.decode(node, ctx, path);
  }
}

export function dialPattern(): Schema<DialPattern> {
  return new DialPatternSchema();
}
