import { Metric, MetricValueWithName, Registry } from 'prom-client';

/** One label set of a histogram: what a request path holds on to and observes into. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** One label set's counts. Per bucket, the observations at most its bound and above the one before (not cumulative). */
class Series implements HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Among the series /metrics shows: from its first observation, until a reset. */
  private shown = false;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: Float64Array,
    /** The series /metrics shows, in the order of their first observation, as prom-client orders them. */
    private readonly showing: Series[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    if (!this.shown) {
      this.shown = true;
      this.showing.push(this);
    }
    this.sum += value;
    this.count += 1;
    const bounds = this.bounds;
    for (let index = 0; index < bounds.length; index += 1) {
      if (value <= bounds[index]) {
        this.counts[index] += 1;
        return;
      }
    }
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.shown = false;
  }
}

/**
 * A Prometheus histogram for the request path, registered with prom-client and exposed by it
 * exactly as its own Histogram would be.
 *
 * prom-client's Histogram works out a label set's key at every observation, even through the
 * child that labels() returns: it copies and checks the labels, joins them into a string, looks
 * that up, and keys the bucket by its bound turned into a string. Two of them (the request and the
 * storage call) cost about 1.5 µs of each /v1/next in a loop, and more beside the rest of a
 * request. Here a label set is resolved once, when it is first asked for, and an observation is
 * a walk over at most a dozen bounds and three additions. The text at /metrics is the same as
 * prom-client's for the same observations (test/adapters/series-histogram.test.ts holds them equal).
 * It is registered as a metric prom-client's types do not name: the registry only asks it for
 * get() and reset(), and nothing here looks it up again by name (getSingleMetric would type it
 * as one of prom-client's own).
 */
export class SeriesHistogram<Label extends string> {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly Label[];
  private readonly bounds: Float64Array;
  /** Every series asked for, by its label values. */
  private readonly series = new Map<string, Series>();
  private readonly showing: Series[] = [];

  constructor(options: { name: string; help: string; labelNames: readonly Label[]; buckets: readonly number[]; registers: readonly Registry[] }) {
    if (options.buckets.some((bound, index) => index > 0 && bound <= options.buckets[index - 1])) {
      throw new Error(`${options.name}: buckets must increase`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.bounds = Float64Array.from(options.buckets);
    // The registry takes any metric that answers get() and reset(); its typings name only its own classes.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values, in the order of labelNames; the same object every time. */
  labels(...values: string[]): HistogramSeries {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      const labels = Object.fromEntries(this.labelNames.map((name, index) => [name, values[index]]));
      series = new Series(labels, this.bounds, this.showing);
      this.series.set(key, series);
    }
    return series;
  }

  /** What the registry formats: prom-client's own histograms answer the same shape. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: Array<MetricValueWithName<string>>; aggregator: 'sum' }> {
    const values: Array<MetricValueWithName<string>> = [];
    for (const series of this.showing) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += series.counts[index];
        values.push({ labels: { le: bound, ...series.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's reset(): every series is zeroed and left out of /metrics until it is observed again. */
  reset(): void {
    for (const series of this.series.values()) series.clear();
    this.showing.length = 0;
  }
}
