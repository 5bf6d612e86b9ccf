import { randomUUID } from 'node:crypto';
import { Context, Middleware, Next } from 'koa';
import { Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { redactSecrets } from '../logging/redact-secrets';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const MAX_LOGGED_PATH = 200;

/**
 * The route pattern that served the request ("/v1/next"), or whose path matched when its method
 * did not (a 405), or "unmatched": bounded, unlike raw URLs.
 */
function routeOf(ctx: Context): string {
  const routed = ctx as Context & { _matchedRoute?: string; matched?: Array<{ path: string }> };
  return routed._matchedRoute ?? routed.matched?.[0]?.path ?? 'unmatched';
}

/**
 * The outermost middleware, one per request for both signals an operator reads:
 * - an id for the request (the caller's X-Request-Id when it is sane), echoed in the response
 *   and carried as `reqId` by every line logged while serving it;
 * - one log line when it ends: method, route pattern, status, duration, user id. Never the
 *   query string, which may hold an API key;
 * - the request duration histogram by method, route pattern and status class, and business
 *   counters derived from responses: each 200 from /v1/next is exactly one integer handed
 *   out, so the core needs no knowledge of Prometheus.
 */
export function observe(logger: Logger, registry: Registry): Middleware {
  const metrics = httpMetrics(registry);
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    const offered = ctx.get(REQUEST_ID_HEADER);
    const requestId = SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set(REQUEST_ID_HEADER, requestId);
    try {
      await next();
    } finally {
      const durationMs = performance.now() - started;
      const route = routeOf(ctx);
      metrics.record(ctx, route, durationMs / 1000);
      logger.info(
        {
          reqId: requestId,
          method: ctx.method,
          route,
          // An unknown path is the caller's text: possibly long, possibly a key pasted in the wrong place.
          ...(route === 'unmatched' ? { path: redactSecrets(ctx.path.slice(0, MAX_LOGGED_PATH)) } : {}),
          status: ctx.status,
          durationMs: Math.round(durationMs * 1000) / 1000,
          userId: ctx.state.userId,
        },
        'request',
      );
    }
  };
}

function httpMetrics(registry: Registry) {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const issued = new Counter({ name: 'increment_integers_issued_total', help: 'Integers handed out by /v1/next', registers: [registry] });
  const resets = new Counter({ name: 'increment_counter_resets_total', help: 'Counters set by PUT /v1/current', registers: [registry] });
  const registrations = new Counter({ name: 'increment_registrations_total', help: 'Users registered', registers: [registry] });
  const authFailures = new Counter({
    name: 'increment_authentication_failures_total',
    help: 'Requests refused for a missing, unknown or malformed API key, by error code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  // Label sets are few (routes x methods x status classes); resolving each once keeps the hot path cheap.
  const series = new Map<string, { observe(seconds: number): void }>();

  return {
    record(ctx: Context, route: string, seconds: number): void {
      const statusClass = `${Math.floor(ctx.status / 100)}xx`;
      const key = `${ctx.method} ${route} ${statusClass}`;
      let child = series.get(key);
      if (!child) {
        child = duration.labels(ctx.method, route, statusClass);
        series.set(key, child);
      }
      child.observe(seconds);
      const succeeded = ctx.status >= 200 && ctx.status < 300;
      if (succeeded && route === '/v1/next') issued.inc();
      else if (succeeded && route === '/v1/current' && ctx.method === 'PUT') resets.inc();
      else if (succeeded && route === '/v1/register') registrations.inc();
      else if (ctx.status === 401) authFailures.inc({ code: (ctx.body as { errors?: Array<{ code: string }> })?.errors?.[0]?.code ?? 'unknown' });
    },
  };
}

export function metricsEndpoint(registry: Registry): Middleware {
  return async (ctx: Context) => {
    ctx.body = await registry.metrics();
    ctx.type = registry.contentType;
  };
}
