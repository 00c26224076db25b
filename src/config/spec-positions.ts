/**
 * Problems found after a tenant file was decoded (by the tenant layer: a domain or DID
 * that another tenant owns, a limit exceeded...) carry a path such as `domains[1]`.
 * This puts each back at its node in the file, so the operator reads `file:line:col`
 * as for any other YAML error. Pure: parses the text it is given.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError, ConfigErrors } from '../util/errors.js';

/** `extensions[2].ha1.realm` → ['extensions', 2, 'ha1', 'realm']. */
function tokens(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** The node at `path`, or the deepest one on the way that exists. */
function nodeAt(root: Node | null, path: string, resolve: (n: unknown) => Node | null): Node | null {
  let n = resolve(root);
  for (const t of tokens(path)) {
    let next: Node | null = null;
    if (typeof t === 'number' && isSeq(n)) next = resolve(n.items[t]);
    else if (typeof t === 'string' && isMap(n)) {
      const pair = n.items.find((p) => isScalar(p.key) && String(p.key.value) === t);
      next = resolve(pair?.value);
    }
    if (!next?.range) break;
    n = next;
  }
  return n;
}

/** `problems` of the file `file` (whose text is `text`) as ConfigErrors at their nodes. */
export function specProblemsAt(text: string, file: string, problems: ReadonlyArray<{ path: string; message: string }>): ConfigErrors {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  let budget = 1000;
  const resolve = (n: unknown): Node | null => {
    let x = n;
    while (isAlias(x) && budget-- > 0) x = x.resolve(doc);
    return isAlias(x) ? null : ((x as Node | null | undefined) ?? null);
  };
  const errors = problems.map((p) => {
    const node = nodeAt(doc.contents as Node | null, p.path, resolve);
    const { line, col } = node?.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
    return new ConfigError(file, line, col, p.path ? `${p.path}: ${p.message}` : p.message);
  });
  return new ConfigErrors(errors.sort((a, b) => a.line - b.line || a.col - b.col));
}
