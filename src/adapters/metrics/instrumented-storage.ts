import { Registry } from 'prom-client';
import { SeriesHistogram } from './series-histogram';

type StorageHistogram = SeriesHistogram<'adapter' | 'operation' | 'outcome'>;

export function storageOperationHistogram(registry: Registry): StorageHistogram {
  return new SeriesHistogram({
    name: 'increment_storage_operation_duration_seconds',
    help: 'Storage operation latency by adapter, operation and outcome',
    labelNames: ['adapter', 'operation', 'outcome'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
}

/**
 * Wraps a storage adapter so that every call of its async methods is timed into
 * increment_storage_operation_duration_seconds{adapter, operation, outcome}. The result
 * serves the same port; the adapter itself stays unaware of metrics.
 */
export function instrumented<Port extends object>(target: Port, adapter: string, histogram: StorageHistogram): Port {
  // Built once: an object with the adapter as prototype, whose own methods time and delegate.
  const wrapper = Object.create(target) as Record<string, unknown>;
  for (const name of methodNames(target)) {
    const method = (target as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
    wrapper[name] = timed(method.bind(target), histogram, adapter, name);
  }
  return wrapper as Port;
}

function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let proto = object; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof (object as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

function timed(method: (...args: unknown[]) => Promise<unknown>, histogram: StorageHistogram, adapter: string, operation: string) {
  const ok = histogram.labels(adapter, operation, 'ok');
  const failed = histogram.labels(adapter, operation, 'error');
  // .then on the adapter's promise instead of an async function: one promise a call where that made two (its own and the await's).
  return (...args: unknown[]) => {
    const started = performance.now();
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(method(...args)); // the adapter's own promise, not a new one
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        ok.observe((performance.now() - started) / 1000);
        return result;
      },
      (error: unknown) => {
        failed.observe((performance.now() - started) / 1000);
        throw error;
      },
    );
  };
}
