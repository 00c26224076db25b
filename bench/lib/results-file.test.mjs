import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prependSection } from './results-file.mjs';

test('new sections go on top and earlier ones are kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-md-'));
  try {
    const file = join(dir, 'RESULTS.md');
    prependSection(file, '## first\n\nbody 1\n');
    prependSection(file, '## second\n\nbody 2\n');
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('# Benchmark results'));
    assert.ok(text.indexOf('## second') < text.indexOf('## first'));
    assert.match(text, 'body 1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
