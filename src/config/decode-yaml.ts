import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Node } from 'yaml';
import type { Env } from './env-subst.js';
import { Issues } from './issues.js';
import { FatalYamlProblem, INVALID, Where, deref, isEmptyValue, type DecodeContext, type Schema } from './schema.js';

export interface YamlSource {
  text: string;
  /** The file name as the operator knows it; errors are prefixed with it verbatim. */
  file: string;
  env: Env;
}

const ALIAS_BUDGET = 1000;

/** Messages of the yaml package that speak to programmers rather than operators. */
const FRIENDLIER: Record<string, string> = {
  MULTIPLE_DOCS: "a config file holds one YAML document (remove the '---' line)",
};

/**
 * Parses `text` and decodes it with `schema`; `extra` may report problems that need
 * the whole value (or the file name). Throws ConfigErrors listing every problem.
 * Relative paths resolve against the file's directory (string operations only).
 */
export function decodeYaml<T>(schema: Schema<T>, src: YamlSource, extra?: (value: T, root: Where) => void): T {
  const lines = new LineCounter();
  const issues = new Issues(src.file, lines);
  const doc = parseDocument(src.text, { lineCounter: lines, prettyErrors: false });
  for (const e of [...doc.errors, ...doc.warnings]) issues.atOffset(e.pos[0], FRIENDLIER[e.code] ?? e.message);
  issues.throwIfAny();

  const ctx: DecodeContext = { file: src.file, issues, env: src.env, doc, baseDir: dirname(resolve(src.file)), aliasBudget: ALIAS_BUDGET, expandEnv: false };
  let value: T | typeof INVALID = INVALID;
  try {
    const root = deref(ctx, doc.contents);
    // An empty file is an empty map: defaults apply and each required key is named.
    const top = root === null || isEmptyValue(root) ? (doc.createNode({}) as Node) : root;
    value = schema.decode(top, ctx, '');
    if (value !== INVALID && extra) extra(value, new Where(ctx, root, ''));
  } catch (err) {
    if (!(err instanceof FatalYamlProblem)) throw err;
    issues.at(err.node as Node | null, err.problem);
  }
  issues.throwIfAny();
  if (value === INVALID) throw new Error('config decoding failed without a reported problem'); // a bug here, not in the file
  return value;
}
