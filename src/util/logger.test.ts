import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, memoryLogger } from './logger.js';

const at = () => Date.UTC(2025, 0, 2, 3, 4, 5, 6);

test('text lines keep their shape: time LEVEL [scope] message key=value', () => {
  const lines: string[] = [];
  const log = createLogger({ sink: { write: (l) => lines.push(l) }, now: at }).child('b2bua');
  log.info('call ended', { call: 'c1', cause: '486 Busy Here' });
  assert.equal(lines, ['2025-01-02T03:04:05.006Z INFO [b2bua] call ended call=c1 cause="486 Busy Here"']);
});

test('json lines: one object per line with time, level, scope, msg and the fields', () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'json', sink: { write: (l) => lines.push(l) }, now: at, level: 'debug' });
  log.child('edge').warn('authentication failed', { tenant: 'acme', error: new Error('bad digest'), n: 3, missing: undefined, big: 10n });
  assert.is(lines.length, 1);
  const rec = JSON.parse(lines[0]!);
  assert.equal(rec, { time: '2025-01-02T03:04:05.006Z', level: 'warn', scope: 'edge', msg: 'authentication failed', tenant: 'acme', error: 'bad digest', n: 3, missing: null, big: '10' });
  assert.not.ok(lines[0]!.includes('\n'));
});

test('with() binds fields that every line carries; a line\'s own field wins; child keeps them', () => {
  const log = memoryLogger('debug', 'json');
  const call = log.child('b2bua').with({ tenant: 'acme' }).with({ call: 'c-1' });
  call.debug('call stage', { stage: 0 });
  call.child('fork').info('fork failed', { call: 'override' });
  log.info('plain');
  const recs = log.lines.map((l) => JSON.parse(l));
  assert.equal(recs[0], { ...recs[0], scope: 'b2bua', msg: 'call stage', tenant: 'acme', call: 'c-1', stage: 0 });
  assert.equal(recs[1], { ...recs[1], scope: 'b2bua.fork', tenant: 'acme', call: 'override' });
  assert.is(recs[2].tenant, undefined);
  assert.is(log.lines[1]!.match(/"call":/g)!.length, 1, 'a clashing key is written once');
});

test('text lines carry bound fields, then the line\'s own, each once', () => {
  const log = memoryLogger('debug');
  log.child('b2bua').with({ tenant: 'acme', call: 'c-1' }).info('fork failed', { call: 'c-2', n: 2 });
  assert.match(log.lines[0]!, / INFO \[b2bua\] fork failed tenant=acme call=c-2 n=2$/);
});

test('a field cannot overwrite time, level or msg in json', () => {
  const log = memoryLogger('debug', 'json');
  log.info('real', { msg: 'fake', level: 'error', time: 'x' });
  const rec = JSON.parse(log.lines[0]!);
  assert.is(rec.msg, 'real');
  assert.is(rec.level, 'info');
});

test('a circular field does not lose the line', () => {
  const log = memoryLogger('debug', 'json');
  const o: Record<string, unknown> = {};
  o.self = o;
  log.info('odd', { tenant: 'acme', o });
  const rec = JSON.parse(log.lines[0]!);
  assert.is(rec.tenant, 'acme');
  // pino's safe stringify marks the cycle and keeps the rest of the object.
  assert.equal(rec.o, { self: '[Circular]' });
});

test('a line break from the network cannot forge a second line, in either format', () => {
  for (const format of ['text', 'json'] as const) {
    const log = memoryLogger('debug', format);
    const ua = 'evil\n2025-01-01T00:00:00.000Z ERROR [edge] admin logged in\r';
    log.info(`request from ${ua}`, { userAgent: ua });
    assert.is(log.lines.length, 1);
    assert.not.ok(log.lines[0]!.includes('\n') || log.lines[0]!.includes('\r'), log.lines[0]);
    if (format === 'text') assert.match(log.lines[0]!, /request from evil\\n2025.*userAgent="evil\\n2025/);
  }
});

test('levels below the threshold are dropped', () => {
  const log = memoryLogger('warn', 'json');
  log.info('no');
  log.warn('yes');
  assert.is(log.lines.length, 1);
});

for (const format of ['json', 'text'] as const) {
  test(`the default destination (stderr) keeps the last ${format} lines before a crash`, () => {
    // A real process: log, then die at once with no exit hook run (SIGKILL, as an OOM kill or
    // abort would): an async destination loses what its buffer holds (checked: it did).
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(logger)};
      const log = createLogger({ format: '${format}', level: 'info' }).child('app');
      for (let i = 0; i < 500; i++) log.info('line', { i });
      log.error('last words', { password: 'hunter2' });
      process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.is(r.signal, 'SIGKILL', r.stderr);
    // Only the logger's lines (the runtime may warn on stderr too, e.g. under a test runner's NODE_OPTIONS).
    const lines = r.stderr.trimEnd().split('\n').filter((l) => /\bline\b|last words/.test(l));
    assert.is(lines.length, 501, r.stderr.slice(0, 500));
    assert.match(lines.at(-1)!, /last words/);
    assert.not.ok(r.stderr.includes('hunter2'));
  });
}

test.run();
