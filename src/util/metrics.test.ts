import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePrometheus, strictProblems } from '../../test/support/prom-parse.js';
import { MetricsRegistry, renderExposition, TENANT_OTHER, TENANT_UNKNOWN } from './metrics.js';

test('renders HELP, TYPE and samples in the 0.0.4 text format', async () => {
  const r = new MetricsRegistry();
  const c = r.counter('pbx_things_total', 'Things counted.', ['tenant', 'result']);
  const g = r.gauge('pbx_level', 'A level.');
  c.inc({ tenant: 'acme', result: 'answered' });
  c.inc({ tenant: 'acme', result: 'answered' }, 2);
  c.inc({ result: 'busy', tenant: 'globex' });
  g.set(undefined, 1.5);
  const text = await r.render();
  assert.is(
    text,
    [
      '# HELP pbx_things_total Things counted.',
      '# TYPE pbx_things_total counter',
      'pbx_things_total{tenant="acme",result="answered"} 3',
      'pbx_things_total{tenant="globex",result="busy"} 1',
      // prom-client separates families by an empty line (the format ignores empty lines).
      '',
      '# HELP pbx_level A level.',
      '# TYPE pbx_level gauge',
      'pbx_level 1.5',
      '',
    ].join('\n'),
  );
  assert.equal(strictProblems(text), []);
});

test('label values escape backslash, double quote and newline; HELP escapes backslash and newline', async () => {
  const r = new MetricsRegistry();
  r.gauge('odd', 'help with \\ and\nnewline "quotes"', ['path']).set({ path: 'C:\\DIR\\"x"\nend' }, 1);
  const text = await r.render();
  assert.ok(text.includes('# HELP odd help with \\\\ and\\nnewline "quotes"\n'));
  assert.ok(text.includes('odd{path="C:\\\\DIR\\\\\\"x\\"\\nend"} 1\n'));
  const parsed = parsePrometheus(text);
  assert.is(parsed[0]!.help, 'help with \\ and\nnewline "quotes"');
  assert.is(parsed[0]!.metrics[0]!.labels!.path, 'C:\\DIR\\"x"\nend');
});

test('special values: NaN, +Inf, -Inf, and a labelless metric with no series shows 0', async () => {
  const r = new MetricsRegistry();
  const g = r.gauge('v', 'v.', ['k']);
  g.set({ k: 'nan' }, NaN);
  g.set({ k: 'pinf' }, Infinity);
  g.set({ k: 'ninf' }, -Infinity);
  r.counter('never_total', 'never incremented');
  r.gauge('labelled_empty', 'no series yet', ['tenant']);
  const text = await r.render();
  // prom-client writes NaN as "Nan"; Prometheus reads the value case-insensitively (ParseFloat).
  assert.match(text, /v\{k="nan"\} NaN\n/i);
  assert.match(text, /v\{k="pinf"\} \+Inf\n/);
  assert.match(text, /v\{k="ninf"\} -Inf\n/);
  assert.match(text, /\nnever_total 0\n/);
  assert.match(text, /# TYPE labelled_empty gauge\n$/);
  assert.equal(strictProblems(text), []);
  const names = parsePrometheus(text).map((f) => f.name);
  assert.ok(names.includes('v') && names.includes('never_total'), names.join());
});

test('names are checked: counters end in _total, no invalid or reserved label names', () => {
  const r = new MetricsRegistry();
  assert.throws(() => r.counter('pbx_calls', 'x'), /_total/);
  assert.throws(() => r.gauge('9bad', 'x'), /invalid metric name/);
  assert.throws(() => r.gauge('ok', 'x', ['__reserved']), /invalid label/);
  assert.throws(() => r.gauge('ok2', 'x', ['a-b']), /invalid label/);
  assert.throws(() => r.gauge('ok3', 'x', ['a', 'a']), /twice/);
  const g = r.gauge('ok4', 'x', ['a']);
  assert.throws(() => g.set({ b: '1' }, 1), /no label b/);
  assert.throws(() => r.counter('c_total', 'x').inc(undefined, -1), />= 0/);
});

test('defining a metric again returns the same one; a different definition is refused', () => {
  const r = new MetricsRegistry();
  const a = r.counter('x_total', 'x', ['tenant']);
  assert.is(r.counter('x_total', 'x', ['tenant']), a);
  assert.throws(() => r.gauge('x_total', 'x', ['tenant']), /already defined/);
  assert.throws(() => r.counter('x_total', 'x', ['other']), /already defined/);
});

test('no duplicate series: the same labels in another order are one series', async () => {
  const r = new MetricsRegistry();
  const c = r.counter('d_total', 'd', ['a', 'b']);
  c.inc({ a: '1', b: '2' });
  c.inc({ b: '2', a: '1' });
  assert.is(c.seriesCount, 1);
  assert.is(await c.get({ a: '1', b: '2' }), 2);
  await renderExposition([r, r]).then(
    () => assert.unreachable('one metric in two registries'),
    (e: Error) => assert.match(e.message, /two registries/),
  );
});

test('tenant labels: only known tenants; unknown ids fold into _other, a missing tenant is _unknown', async () => {
  const r = new MetricsRegistry();
  const c = r.counter('auth_total', 'a', ['tenant']);
  r.setKnownTenants(['acme', 'globex']);
  c.inc({ tenant: 'acme' });
  c.inc({ tenant: 'evil-guess-1' });
  c.inc({ tenant: 'evil-guess-2' });
  c.inc({ tenant: r.tenantLabel(undefined) });
  c.inc({ tenant: '_sneaky' });
  assert.is(await c.get({ tenant: 'acme' }), 1);
  assert.is(await c.get({ tenant: TENANT_OTHER }), 3);
  assert.is(await c.get({ tenant: TENANT_UNKNOWN }), 1);
  assert.is(c.seriesCount, 3);
});

test('series per metric are capped: past the cap tenants go to _other, other metrics drop', async () => {
  const r = new MetricsRegistry({ maxSeriesPerMetric: 3 });
  const c = r.counter('capped_total', 'c', ['tenant', 'result']);
  for (let i = 0; i < 50; i++) c.inc({ tenant: `t${i}`, result: 'answered' });
  assert.is(c.seriesCount, 4, 'three tenants plus the overflow series');
  assert.is(await c.get({ tenant: TENANT_OTHER, result: 'answered' }), 47);
  c.inc({ tenant: 't0', result: 'answered' });
  assert.is(await c.get({ tenant: 't0', result: 'answered' }), 2, 'an existing series goes on counting');
  const g = r.gauge('nolabel_tenant', 'g', ['worker']);
  for (let i = 0; i < 10; i++) g.set({ worker: i }, i);
  assert.is(g.seriesCount, 3);
  assert.is(g.dropped, 7);
  const text = await r.render();
  assert.equal(strictProblems(text), []);
  assert.is(parsePrometheus(text).find((f) => f.name === 'nolabel_tenant')!.metrics.length, 3, 'the dropped series are not rendered');
});

test('collectors run before a collect()', async () => {
  const r = new MetricsRegistry();
  const g = r.gauge('collected', 'c');
  let n = 0;
  const off = r.onCollect(async () => g.set(undefined, ++n));
  assert.match(await r.collect(), /collected 1\n/);
  assert.match(await r.collect(), /collected 2\n/);
  off();
  assert.match(await r.collect(), /collected 2\n/);
});

test('each registry is its own: no metric reaches prom-client\'s global registry', async () => {
  const { register } = await import('prom-client');
  const r = new MetricsRegistry();
  r.counter('own_total', 'o').inc();
  assert.is(register.getSingleMetric('own_total'), undefined);
  assert.is(await new MetricsRegistry().render(), '', 'an empty registry renders nothing');
  const other = new MetricsRegistry();
  other.counter('own_total', 'o');
  assert.match(await other.render(), /^own_total 0$/m, 'the same name in another registry is another metric');
});

test.run();
