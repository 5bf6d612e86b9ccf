import { expect } from 'chai';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { SeriesHistogram } from '../../src/adapters/metrics/series-histogram';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LABELS = ['method', 'route', 'status_class'] as const;
const options = (registry: Registry) => ({ name: 'request_seconds', help: 'Request duration', labelNames: LABELS, buckets: BUCKETS, registers: [registry] });

/** The same observations into prom-client's Histogram and into ours, each in a registry of its own. */
function bothWith(observations: ReadonlyArray<{ labels: [string, string, string]; value: number }>) {
  const theirs = new Registry();
  const ours = new Registry();
  const histogram = new Histogram(options(theirs));
  const series = new SeriesHistogram(options(ours));
  for (const { labels, value } of observations) {
    histogram.labels(...labels).observe(value);
    series.labels(...labels).observe(value);
  }
  return { theirs, ours, histogram, series };
}

describe('SeriesHistogram', () => {
  it('exposes at /metrics exactly what prom-client\'s Histogram exposes for the same observations', async () => {
    const label = fc.constantFrom('GET', 'POST', '/v1/next', '2xx', '4xx', 'a "quoted" \\ value');
    // Bounds themselves, values between them, zero, negatives and values past the last bucket.
    const value = fc.oneof(fc.constantFrom(...BUCKETS, 0, -1, 3, 1e9), fc.double({ min: -10, max: 10, noNaN: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ labels: fc.tuple(label, label, label), value }), { maxLength: 60 }), async (observations) => {
        const { theirs, ours } = bothWith(observations);
        expect(await ours.metrics()).to.equal(await theirs.metrics());
      }),
      { numRuns: 200 },
    );
  });

  it('shows no series that was asked for but never observed', async () => {
    const registry = new Registry();
    const histogram = new SeriesHistogram(options(registry));
    histogram.labels('GET', '/v1/next', '5xx');
    histogram.labels('GET', '/v1/next', '2xx').observe(0.002);
    const text = await registry.metrics();
    expect(text).to.include('request_seconds_count{method="GET",route="/v1/next",status_class="2xx"} 1');
    expect(text).not.to.include('5xx');
  });

  it('hands out the same series for the same label values, and counts each observation once', async () => {
    const registry = new Registry();
    const histogram = new SeriesHistogram(options(registry));
    expect(histogram.labels('GET', '/v1/next', '2xx')).to.equal(histogram.labels('GET', '/v1/next', '2xx'));
    histogram.labels('GET', '/v1/next', '2xx').observe(0.002);
    histogram.labels('GET', '/v1/next', '2xx').observe(0.2);
    expect(await registry.metrics()).to.include('request_seconds_count{method="GET",route="/v1/next",status_class="2xx"} 2');
  });

  it('lists its series in the order of their first observation, before and after a reset, as prom-client does', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const histogram = new Histogram(options(theirs));
    const series = new SeriesHistogram(options(ours));
    // Ours is asked for its series up front, as a caller that resolves them once does.
    const [first, second] = [series.labels('GET', '/a', '2xx'), series.labels('GET', '/b', '2xx')];
    histogram.labels('GET', '/b', '2xx').observe(0.1);
    second.observe(0.1);
    histogram.labels('GET', '/a', '2xx').observe(0.2);
    first.observe(0.2);
    expect(await ours.metrics()).to.equal(await theirs.metrics());
    theirs.resetMetrics();
    ours.resetMetrics();
    histogram.labels('GET', '/a', '2xx').observe(0.3);
    first.observe(0.3);
    histogram.labels('GET', '/b', '2xx').observe(0.4);
    second.observe(0.4);
    const text = await ours.metrics();
    expect(text).to.equal(await theirs.metrics());
    expect(text.indexOf('route="/a"')).to.be.below(text.indexOf('route="/b"'));
  });

  it('is zeroed by the registry\'s reset, as prom-client\'s are, and counts again after it', async () => {
    const { theirs, ours, histogram, series } = bothWith([{ labels: ['GET', '/v1/next', '2xx'], value: 0.002 }]);
    theirs.resetMetrics();
    ours.resetMetrics();
    expect(await ours.metrics()).to.equal(await theirs.metrics());
    histogram.labels('GET', '/v1/next', '2xx').observe(0.03);
    series.labels('GET', '/v1/next', '2xx').observe(0.03);
    expect(await ours.metrics()).to.equal(await theirs.metrics());
    expect(await ours.metrics()).to.include('request_seconds_count{method="GET",route="/v1/next",status_class="2xx"} 1');
  });

  it('refuses a value that is not a finite number, a wrong number of label values (as prom-client does) and buckets out of order', () => {
    const histogram = new SeriesHistogram(options(new Registry()));
    expect(() => histogram.labels('GET', '/v1/next', '2xx').observe(Number.NaN)).to.throw(TypeError, /not a valid number/);
    expect(() => histogram.labels('GET', '/v1/next', '2xx').observe(Number.POSITIVE_INFINITY)).to.throw(TypeError);
    expect(() => histogram.labels('GET', '/v1/next')).to.throw(/expected 3 label values/);
    expect(() => new SeriesHistogram({ ...options(new Registry()), buckets: [1, 0.5] })).to.throw(/buckets must increase/);
  });
});
