// The results writer every bench shares: a run's Markdown section goes at the top of RESULTS.md
// (newest first, below the marker), every earlier section kept as it was.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// The marker is in bench/RESULTS.md as it is: its text stays.
const MARK = '<!-- runs: newest first; bench/register/run.mjs inserts below this line -->';
const HEAD = `# Benchmark results

Written by the scripts in this folder (see README.md); each run adds a section at the top.
Numbers depend on the machine and on what else ran on it: compare figures of the same run.

${MARK}
`;

/** Puts `section` at the top of the runs in `file` (made with its heading when missing). */
export function prependSection(file, section) {
  mkdirSync(dirname(file), { recursive: true });
  let text = existsSync(file) ? readFileSync(file, 'utf8') : HEAD;
  if (!text.includes(MARK)) text = text.trimEnd() + '\n\n' + MARK + '\n';
  const i = text.indexOf(MARK) + MARK.length;
  text = text.slice(0, i) + '\n\n' + section.trimEnd() + '\n' + text.slice(i).replace(/^\n+/, '\n');
  writeFileSync(file, text);
}
