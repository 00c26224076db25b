/**
 * The metrics registry the layers use: counters and gauges with labels, stored and rendered
 * in the Prometheus text exposition format 0.0.4 by `prom-client`. This file is a thin
 * adapter that keeps the project's rules on top of the library:
 *
 * - every registry is its own prom-client `Registry` (never the library's global one, no
 *   default metrics): whoever makes a MetricsRegistry owns it;
 * - names are checked (a counter's name ends in `_total`, no reserved label names);
 * - label cardinality is bounded: a `tenant` label keeps its value only for known tenant ids
 *   (when a known set is given) and while the metric has fewer than `maxSeries` series;
 *   anything else is counted in the `tenant="_other"` series. Values starting with `_` are
 *   reserved for such buckets (`_other`, `_unknown`, `_provider`): tenant ids never start
 *   with one. prom-client has no such cap, so the adapter keeps the set of series keys.
 */
import { Counter as PromCounter, Gauge as PromGauge, Registry } from 'prom-client';

export type LabelValues = Readonly<Record<string, string | number>>;

export type MetricType = 'counter' | 'gauge';

/** The tenant label of a series that is not one tenant's. */
export const TENANT_OTHER = '_other';
export const TENANT_UNKNOWN = '_unknown';
export const TENANT_PROVIDER = '_provider';

/** Prometheus content type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface RegistryOptions {
  /** Series one metric may hold; past it, tenant-labelled series go to tenant="_other" and others are dropped. Default 10 000. */
  maxSeriesPerMetric?: number;
}

abstract class Metric {
  /** Keys of the series that exist (label values joined), for the cardinality cap. */
  private readonly keys = new Set<string>();
  private readonly tenantIndex: number;
  /** Updates refused because the metric was full and had no tenant label to fold into. */
  dropped = 0;
  protected abstract readonly prom: PromCounter<string> | PromGauge<string>;

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

  /**
   * The prom-client label object for these labels (every label, in definition order, so the
   * exposition is stable), or undefined when the metric is full and the update is dropped.
   */
  protected labelsFor(labels: LabelValues | undefined): Record<string, string> | undefined {
    if (labels) for (const k of Object.keys(labels)) if (!this.labelNames.includes(k)) throw new Error(`metric ${this.name} has no label ${k}`);
    const values = this.labelNames.map((n) => {
      const v = labels?.[n];
      return v === undefined ? '' : String(v);
    });
    if (this.tenantIndex >= 0) values[this.tenantIndex] = this.owner.tenantLabel(values[this.tenantIndex]);
    let key = values.join('\u0000');
    if (!this.keys.has(key) && this.keys.size >= this.owner.maxSeries) {
      if (this.tenantIndex < 0) {
        this.dropped++;
        return undefined;
      }
      // The overflow series of each label combination may go one past the cap, never more than
      // the combinations of the other labels.
      values[this.tenantIndex] = TENANT_OTHER;
      key = values.join('\u0000');
    }
    this.keys.add(key);
    const out: Record<string, string> = {};
    this.labelNames.forEach((n, i) => (out[n] = values[i]!));
    return out;
  }

  /** Current value of one series (0 if it does not exist); for tests. */
  async get(labels?: LabelValues): Promise<number> {
    const want = this.labelNames.map((n) => {
      const v = labels?.[n];
      return v === undefined ? '' : String(v);
    });
    const { values } = await this.prom.get();
    const hit = values.find((s) => this.labelNames.every((n, i) => String(s.labels[n] ?? '') === want[i]));
    return hit?.value ?? 0;
  }

  get seriesCount(): number {
    return this.keys.size;
  }

  /** Forget every series. */
  reset(): void {
    this.keys.clear();
    this.prom.reset();
  }
}

export class Counter extends Metric {
  protected readonly prom: PromCounter<string>;

  constructor(name: string, help: string, labelNames: readonly string[], owner: MetricsRegistry, registry: Registry) {
    super(name, help, 'counter', labelNames, owner);
    this.prom = new PromCounter({ name, help, labelNames: [...labelNames], registers: [registry] });
  }

  inc(labels?: LabelValues, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new Error(`counter ${this.name} increments by a finite amount >= 0, not ${by}`);
    const l = this.labelsFor(labels);
    if (l) this.prom.inc(l, by);
  }
}

export class Gauge extends Metric {
  protected readonly prom: PromGauge<string>;

  constructor(name: string, help: string, labelNames: readonly string[], owner: MetricsRegistry, registry: Registry) {
    super(name, help, 'gauge', labelNames, owner);
    this.prom = new PromGauge({ name, help, labelNames: [...labelNames], registers: [registry] });
  }

  set(labels: LabelValues | undefined, value: number): void {
    const l = this.labelsFor(labels);
    if (l) this.prom.set(l, value);
  }

  inc(labels?: LabelValues, by = 1): void {
    const l = this.labelsFor(labels);
    if (l) this.prom.inc(l, by);
  }

  dec(labels?: LabelValues, by = 1): void {
    this.inc(labels, -by);
  }
}

export type Collector = () => void | Promise<void>;

export class MetricsRegistry {
  readonly maxSeries: number;
  /** The prom-client registry this one renders through; owned here, never the global one. */
  readonly prom = new Registry();
  private readonly metrics = new Map<string, Counter | Gauge>();
  private readonly collectors = new Set<Collector>();
  private known: Set<string> | undefined;

  constructor(opts: RegistryOptions = {}) {
    this.maxSeries = Math.max(1, opts.maxSeriesPerMetric ?? 10_000);
  }

  /** A counter (name ends in _total); asking again with the same definition returns the same one. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.define(name, 'counter', labelNames, () => new Counter(name, help, labelNames, this, this.prom)) as Counter;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.define(name, 'gauge', labelNames, () => new Gauge(name, help, labelNames, this, this.prom)) as Gauge;
  }

  private define(name: string, type: MetricType, labelNames: readonly string[], make: () => Counter | Gauge): Counter | Gauge {
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
  render(): Promise<string> {
    return renderExposition([this]);
  }
}

/** Several registries as one exposition; a metric name may appear in only one of them. */
export async function renderExposition(registries: readonly MetricsRegistry[]): Promise<string> {
  const seen = new Set<string>();
  for (const r of registries) {
    for (const name of r.names()) {
      if (seen.has(name)) throw new Error(`metric ${name} is in two registries`);
      seen.add(name);
    }
  }
  if (seen.size === 0) return '';
  const merged = registries.length === 1 ? registries[0]!.prom : Registry.merge(registries.map((r) => r.prom));
  return merged.metrics();
}
