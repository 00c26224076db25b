/**
 * A small metrics registry: counters and gauges with labels, rendered in the Prometheus
 * text exposition format 0.0.4. Counters are incremented where the event happens (any
 * layer may import this file); gauges are usually set at scrape time by a collector.
 *
 * Label cardinality is bounded: a `tenant` label keeps its value only for known tenant ids
 * (when a known set is given) and while the metric has fewer than `maxSeries` series;
 * anything else is counted in the `tenant="_other"` series. Values starting with `_` are
 * reserved for such buckets (`_other`, `_unknown`, `_provider`): tenant ids never start
 * with one.
 */

export type LabelValues = Readonly<Record<string, string | number>>;

export type MetricType = 'counter' | 'gauge';

/** The tenant label of a series that is not one tenant's. */
export const TENANT_OTHER = '_other';
export const TENANT_UNKNOWN = '_unknown';
export const TENANT_PROVIDER = '_provider';

/** Prometheus content type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  values: string[];
  value: number;
}

export interface RegistryOptions {
  /** Series one metric may hold; past it, tenant-labelled series go to tenant="_other" and others are dropped. Default 10 000. */
  maxSeriesPerMetric?: number;
}

abstract class Metric {
  protected readonly series = new Map<string, Series>();
  private readonly tenantIndex: number;
  /** Updates refused because the metric was full and had no tenant label to fold into. */
  dropped = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
    private readonly owner: MetricsRegistry,
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name: ${name}`);
    if (type === 'counter' && !name.endsWith('_total')) throw new Error(`a counter's name ends in _total: ${name}`);
    const seen = new Set<string>();
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`invalid label name ${l} on ${name}`);
      if (seen.has(l)) throw new Error(`label ${l} twice on ${name}`);
      seen.add(l);
    }
    this.tenantIndex = labelNames.indexOf('tenant');
  }

  /** The series for these labels, made if it may be; undefined when the metric is full. */
  protected seriesFor(labels: LabelValues | undefined): Series | undefined {
    const values = this.labelNames.map((n) => {
      const v = labels?.[n];
      return v === undefined ? '' : String(v);
    });
    if (labels) for (const k of Object.keys(labels)) if (!this.labelNames.includes(k)) throw new Error(`metric ${this.name} has no label ${k}`);
    if (this.tenantIndex >= 0) values[this.tenantIndex] = this.owner.tenantLabel(values[this.tenantIndex]);
    let key = values.join('\u0000');
    let s = this.series.get(key);
    if (s) return s;
    if (this.series.size >= this.owner.maxSeries) {
      if (this.tenantIndex < 0) {
        this.dropped++;
        return undefined;
      }
      values[this.tenantIndex] = TENANT_OTHER;
      key = values.join('\u0000');
      s = this.series.get(key);
      if (s) return s;
      // The overflow series of each label combination may go one past the cap, never more than
      // the combinations of the other labels.
    }
    s = { values, value: 0 };
    this.series.set(key, s);
    return s;
  }

  /** Current value of one series (0 if it does not exist); for tests. */
  get(labels?: LabelValues): number {
    const values = this.labelNames.map((n) => {
      const v = labels?.[n];
      return v === undefined ? '' : String(v);
    });
    return this.series.get(values.join('\u0000'))?.value ?? 0;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** Forget every series. */
  reset(): void {
    this.series.clear();
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`);
    out.push(`# TYPE ${this.name} ${this.type}`);
    if (this.series.size === 0 && this.labelNames.length === 0) {
      out.push(`${this.name} 0`);
      return;
    }
    for (const s of this.series.values()) {
      const labels = this.labelNames.length === 0 ? '' : `{${this.labelNames.map((n, i) => `${n}="${escapeLabelValue(s.values[i]!)}"`).join(',')}}`;
      out.push(`${this.name}${labels} ${formatValue(s.value)}`);
    }
  }
}

export class Counter extends Metric {
  inc(labels?: LabelValues, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new Error(`counter ${this.name} increments by a finite amount >= 0, not ${by}`);
    const s = this.seriesFor(labels);
    if (s) s.value += by;
  }
}

export class Gauge extends Metric {
  set(labels: LabelValues | undefined, value: number): void {
    const s = this.seriesFor(labels);
    if (s) s.value = value;
  }

  inc(labels?: LabelValues, by = 1): void {
    const s = this.seriesFor(labels);
    if (s) s.value += by;
  }

  dec(labels?: LabelValues, by = 1): void {
    this.inc(labels, -by);
  }
}

export type Collector = () => void | Promise<void>;

export class MetricsRegistry {
  readonly maxSeries: number;
  private readonly metrics = new Map<string, Counter | Gauge>();
  private readonly collectors = new Set<Collector>();
  private known: Set<string> | undefined;

  constructor(opts: RegistryOptions = {}) {
    this.maxSeries = Math.max(1, opts.maxSeriesPerMetric ?? 10_000);
  }

  /** A counter (name ends in _total); asking again with the same definition returns the same one. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.define(name, help, 'counter', labelNames, () => new Counter(name, help, 'counter', labelNames, this)) as Counter;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.define(name, help, 'gauge', labelNames, () => new Gauge(name, help, 'gauge', labelNames, this)) as Gauge;
  }

  private define(name: string, help: string, type: MetricType, labelNames: readonly string[], make: () => Counter | Gauge): Counter | Gauge {
    const have = this.metrics.get(name);
    if (have) {
      if (have.type !== type || have.labelNames.join(',') !== labelNames.join(',')) throw new Error(`metric ${name} is already defined differently`);
      return have;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }

  /** The tenant ids that may appear as label values; undefined = any (still capped). */
  setKnownTenants(ids: Iterable<string> | undefined): void {
    this.known = ids === undefined ? undefined : new Set(ids);
  }

  /** The label value a tenant id is counted under. */
  tenantLabel(id: string | undefined): string {
    if (id === undefined || id === '') return TENANT_UNKNOWN;
    if (id.startsWith('_')) return id === TENANT_UNKNOWN || id === TENANT_PROVIDER || id === TENANT_OTHER ? id : TENANT_OTHER;
    if (this.known && !this.known.has(id)) return TENANT_OTHER;
    return id;
  }

  /** Run before each render (gauges read from the running parts). Returns a remover. */
  onCollect(fn: Collector): () => void {
    this.collectors.add(fn);
    return () => this.collectors.delete(fn);
  }

  has(name: string): boolean {
    return this.metrics.has(name);
  }

  names(): string[] {
    return [...this.metrics.keys()];
  }

  /** Run the collectors, then render. */
  async collect(): Promise<string> {
    for (const c of this.collectors) await c();
    return this.render();
  }

  /** The text exposition of every metric, in the order they were defined. */
  render(): string {
    return renderExposition([this]);
  }

  /** @internal */
  renderInto(out: string[], seen: Set<string>): void {
    for (const m of this.metrics.values()) {
      if (seen.has(m.name)) throw new Error(`metric ${m.name} is in two registries`);
      seen.add(m.name);
      m.render(out);
    }
  }
}

/** Several registries as one exposition; a metric name may appear in only one of them. */
export function renderExposition(registries: readonly MetricsRegistry[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of registries) r.renderInto(out, seen);
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

/** HELP text: backslash and newline escaped. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values: backslash, double quote and newline escaped. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
