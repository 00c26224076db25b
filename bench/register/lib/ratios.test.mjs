import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ratioLines } from './ratios.mjs';

const side = (title, kind, threads, best) => ({ title, kind, threads, result: { ramp: { best } } });

test('PBX and bare against Kamailio, and PBX against the bare registrar of the same thread count', () => {
  const lines = ratioLines([
    side('PBX, sip.threads 1', 'pbx', 1, 2500),
    side('PBX, sip.threads 2', 'pbx', 2, 3000),
    side('bare, 1 thread', 'bare', 1, 8000),
    side('bare, 2 threads', 'bare', 2, 10000),
    side('Kamailio', 'kamailio', 2, 10000),
  ]);
  assert.equal(lines, [
    '- ratio PBX, sip.threads 1 / Kamailio: **0.25** (2500 / 10000)',
    '- ratio PBX, sip.threads 2 / Kamailio: **0.30** (3000 / 10000)',
    '- ratio bare, 1 thread / Kamailio: **0.80** (8000 / 10000)',
    '- ratio bare, 2 threads / Kamailio: **1.00** (10000 / 10000)',
    '- ratio PBX, sip.threads 1 / bare, 1 thread: **0.31** (2500 / 8000)',
    '- ratio PBX, sip.threads 2 / bare, 2 threads: **0.30** (3000 / 10000)',
  ]);
});

test('the PBX at its default threads compares with the one-thread bare side; skipped or failed sides give no ratio', () => {
  const lines = ratioLines([side('PBX', 'pbx', undefined, 2000), side('bare, 1 thread', 'bare', 1, 4000), { title: 'Kamailio', kind: 'kamailio', skipped: 'x' }, side('bare, 2 threads', 'bare', 2, 0)]);
  assert.equal(lines, ['- ratio PBX / bare, 1 thread: **0.50** (2000 / 4000)']);
});

test('a PBX thread count without a bare twin compares with every bare side', () => {
  const lines = ratioLines([side('PBX, sip.threads 4', 'pbx', 4, 1000), side('b1', 'bare', 1, 2000), side('b2', 'bare', 2, 4000)]);
  assert.equal(lines, ['- ratio PBX, sip.threads 4 / b1: **0.50** (1000 / 2000)', '- ratio PBX, sip.threads 4 / b2: **0.25** (1000 / 4000)']);
});

test.run();
