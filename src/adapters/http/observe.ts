import { randomUUID } from 'node:crypto';
import { unescape } from 'node:querystring';
import { Middleware } from 'koa';
import { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import { SeriesHistogram } from '../metrics/series-histogram';
import { turns } from './batched-writes';
import { redactSecrets } from '../logging/redact-secrets';
import { Outcome } from './operation';
import { ProblemCode } from './problems';

/** What the middlewares and operations learn about a request, typed: nothing else goes into ctx.state. */
export interface RequestState {
  requestId: string;
  /** The path template of the operation that served it, or whose path matched when its method did not. */
  route?: string;
  userId?: string;
  errorCode?: ProblemCode;
  outcome?: Outcome;
  issued?: number; // integers handed out
}

export const REQUEST_ID_HEADER = 'X-Request-Id';
const REQUEST_ID_KEY = REQUEST_ID_HEADER.toLowerCase();
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const MAX_LOGGED_PATH = 200;

/**
 * The outermost middleware, one per request for both signals an operator reads, around `within`
 * (the error middleware, called directly: a Koa layer of its own costs a dispatch per request):
 * - an id for the request (the caller's X-Request-Id when it is sane and quotes no key), echoed in
 *   the response and carried as `reqId` by every line logged while serving it;
 * - one log line when it ends: method, route pattern, status, duration, user id. Never the
 *   query string, which may hold an API key;
 * - the request duration histogram by method, route pattern and status class, and the business
 *   counters, from what the operation recorded in the typed state.
 */
export function observe(logger: Logger, registry: Registry, within: Middleware<RequestState>): Middleware<RequestState> {
  const metrics = httpMetrics(registry);
  const turnOf = turns();
  return async (ctx, next) => {
    const started = performance.now();
    const turn = turnOf();
    // Node's headers by their lower-case name: ctx.get lower-cases the name it is given on every call.
    const offered = ctx.req.headers[REQUEST_ID_KEY];
    const requestId = typeof offered === 'string' && SANE_REQUEST_ID.test(offered) && !quotesKey(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    try {
      await within(ctx, next);
    } finally {
      // Set once the reply is ready, like the API's headers (app.ts): nothing held while it waits.
      if (!ctx.res.headersSent) ctx.res.setHeader(REQUEST_ID_HEADER, requestId);
      // Koa writes the reply once this middleware returns: one ready within the turn its request
      // arrived in is held to that turn's end (batched-writes.ts), which counts in its duration.
      if (!turn.hasEnded) await turn.ended;
      const durationMs = performance.now() - started;
      const route = routeOf(ctx);
      const { method } = ctx;
      const { statusCode: status } = ctx.res;
      metrics.record(method, route, status, ctx.state, durationMs / 1000);
      logger.info(
        {
          reqId: requestId,
          method,
          route,
          // pino leaves out fields that are undefined: a path only for a request no route matched.
          path: route === 'unmatched' ? loggablePath(ctx.path) : undefined,
          status,
          durationMs: Math.round(durationMs * 1000) / 1000,
          userId: ctx.state.userId,
        },
        'request',
      );
    }
  };
}

/** The random part of a key has its own shape: 43 base64url characters, with or without inc_. */
const KEY_BODY = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

function quotesKey(text: string): boolean {
  return redactSecrets(text) !== text || text.match(KEY_BODY) !== null;
}

/**
 * An unknown path is the caller's text, perhaps with a key pasted into it. Decoded first
 * (querystring's unescape never throws), so that a key written as inc%5F… is redacted too.
 */
export function loggablePath(path: string): string {
  return redactSecrets(unescape(path)).replace(KEY_BODY, '[redacted]').slice(0, MAX_LOGGED_PATH);
}

function routeOf(ctx: { state: RequestState; _matchedRoute?: unknown; matched?: Array<{ path: string }> }): string {
  if (ctx.state.route) return ctx.state.route;
  if (typeof ctx._matchedRoute === 'string') return ctx._matchedRoute;
  return ctx.matched?.[0]?.path ?? 'unmatched';
}

function httpMetrics(registry: Registry) {
  const duration = new SeriesHistogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const issued = new Counter({ name: 'increment_integers_issued_total', help: 'Integers handed out by next (a range counts its size; a replayed Idempotency-Key nothing)', registers: [registry] });
  const outcomes: Record<Outcome, Counter> = {
    reset: new Counter({ name: 'increment_counter_resets_total', help: 'Counters set by PUT /v1/current', registers: [registry] }),
    registration: new Counter({ name: 'increment_registrations_total', help: 'Users registered', registers: [registry] }),
  };
  const authFailures = new Counter({
    name: 'increment_authentication_failures_total',
    help: 'Requests refused for a missing, unknown or malformed API key, by error code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  return {
    record(method: string, route: string, status: number, state: RequestState, seconds: number): void {
      // Label sets are few (routes x methods x status classes); the histogram resolves each once.
      duration.labels(method, route, `${Math.floor(status / 100)}xx`).observe(seconds);
      if (state.issued) issued.inc(state.issued);
      if (state.outcome) outcomes[state.outcome].inc();
      if (status === 401 && state.errorCode) authFailures.inc({ code: state.errorCode });
    },
  };
}
