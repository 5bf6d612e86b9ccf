import Router from '@koa/router';
import Koa, { Context, Middleware } from 'koa';
import helmet from 'koa-helmet';
import { METHODS } from 'node:http';
import { Logger } from 'pino';
import { DomainError } from '../../domain/errors';
import { apiKeyOf, credentialsOf, sendsPassword } from './authenticate';
import { loggablePath, observe, RequestState } from './observe';
import { API } from './openapi';
import { HttpDependencies, Operation, Reply, Request } from './operation';
import { atField, problemOf, refuse } from './problems';
import { requestReader } from './request';
import { JSON_API_MEDIA_TYPE, MAX_BODY_BYTES } from './schemas';
import { WebPage, webPageRoutes } from './web-page';

/**
 * JSON is never a page: nothing in it may load or be framed. The page and the docs set their own.
 * These headers depend on nothing in the request, so helmet works them out once, at start-up,
 * instead of running its chain of middleware (and a promise) for every request.
 */
const API_HEADERS = Object.entries({
  ...headersSetBy(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      strictTransportSecurity: false,
    }),
  ),
  // Numbers must never come from a cache.
  'Cache-Control': 'no-store',
});

function headersSetBy(middleware: Middleware): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (headers[name] = value), removeHeader: () => undefined };
  // helmet sets every header synchronously, before its callback.
  void middleware({ req: {}, res } as unknown as Parameters<Middleware>[0], async () => undefined);
  if (Object.keys(headers).length === 0) throw new Error('helmet set no headers');
  return headers;
}

/** Client aborts (a closed tab mid-download) and stalled uploads are not failures of the service. */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_HTTP_REQUEST_TIMEOUT']);

export function createHttpApp(deps: HttpDependencies & { readonly webPage: WebPage }): Koa<RequestState> {
  // Every method Node knows counts as implemented, so an exotic one on a real route (PROPFIND
  // /v1/next) gets 405 with Allow, like any other wrong method, instead of a 501 server error.
  const router = new Router<RequestState>({ methods: METHODS });
  // The API's fixed paths (/v1/next, /v1/current, …) are found in a map by path and method;
  // @koa/router serves the rest: paths with parameters, another letter case or a trailing slash,
  // a wrong method (405), the page. Its dispatch tests every route's pattern and builds a chain
  // of middleware for each request; a hit in the map costs two lookups. Both lead to the same
  // middleware.
  const fixed = new Map<string, Map<string, Router.Middleware<RequestState>>>();
  for (const operation of API) {
    const middleware = serve(operation, deps);
    router[operation.method](operation.path.replace(/\{(\w+)\}/g, ':$1'), middleware);
    if (operation.path.includes('{')) continue;
    const methods = fixed.get(operation.path) ?? new Map<string, Router.Middleware<RequestState>>();
    methods.set(operation.method.toUpperCase(), middleware);
    // As the router does: a GET route takes HEAD (serve refuses it where the operation does).
    if (operation.method === 'get') methods.set('HEAD', middleware);
    fixed.set(operation.path, methods);
  }
  webPageRoutes(router, deps.webPage);
  const routes = router.routes();
  // It carries its router, as @koa/router's own middleware does (the OpenAPI test reads the routes there).
  const dispatch: Router.Middleware<RequestState> = Object.assign(
    (ctx: Parameters<Router.Middleware<RequestState>>[0], next: () => Promise<unknown>) => (fixed.get(ctx.path)?.get(ctx.method) ?? routes)(ctx, next),
    { router },
  );

  const app = new Koa<RequestState>();
  app.on('error', (error: NodeJS.ErrnoException & { expose?: boolean }) => {
    // HPE_*: node's parser met a request that broke off or was never HTTP; the client's doing.
    if (CLIENT_GONE.has(error.code ?? '') || error.code?.startsWith('HPE_') || error.expose) deps.logger.debug({ code: error.code }, 'client went away');
    else deps.logger.error({ err: error }, 'response failed');
  });
  app.use(observe(deps.logger, deps.metrics, errors(deps.logger)));
  app.use(dispatch);
  app.use(router.allowedMethods());
  return app;
}

/** Runs one operation of the route table: authentication, validation, the use case, the reply. */
function serve(operation: Operation, deps: HttpDependencies): Middleware<RequestState> {
  const read = requestReader(operation);
  return async (ctx) => {
    ctx.state.route = operation.path;
    if (operation.refusesHead && ctx.method === 'HEAD') {
      throw refuse('method_not_allowed', `This route accepts ${allowOf(operation.path)}.`, undefined, { Allow: allowOf(operation.path) });
    }
    // The whole request is read before the caller is authenticated: a client that holds its body
    // back must not act with a key revoked (or an account deleted) while it waited.
    const { request: unauthenticated, sourceOf } = await read(ctx);
    const userId = await authenticated(operation, ctx, deps);
    if (userId !== '') ctx.state.userId = userId;
    const request: Request = { ...unauthenticated, userId };
    let reply: Reply;
    try {
      reply = await operation.handle(request, deps);
    } catch (error) {
      const source = error instanceof DomainError && 'field' in error ? sourceOf(String(error.field)) : undefined;
      throw source === undefined ? error : atField(error as DomainError, source);
    }
    ctx.status = reply.status;
    if (reply.type !== undefined || reply.body === undefined || reply.body === null) {
      ctx.body = reply.body;
      // After the body: Koa types any object it is given as application/json.
      if (reply.type !== undefined) ctx.type = reply.type;
    } else {
      // A JSON:API document: its type first, then its text. Given an object, Koa would look up and
      // set a JSON type for this line to replace, and serialise it later just the same.
      ctx.res.setHeader('Content-Type', JSON_API_MEDIA_TYPE);
      ctx.body = JSON.stringify(reply.body);
    }
    if (reply.headers) ctx.set(reply.headers);
    ctx.state.issued = reply.issued;
    if (operation.outcome && reply.status < 300) ctx.state.outcome = operation.outcome;
  };
}

/** Who the request is, as the operation asks: "" for none; a key, a password (Basic), or either. */
function authenticated(operation: Operation, ctx: Context, deps: HttpDependencies): Promise<string> | string {
  const password = operation.auth === 'password' || (operation.auth === 'key-or-password' && sendsPassword(ctx));
  if (password) return deps.authenticateWithPassword.execute(credentialsOf(ctx), ctx.ip);
  if (operation.auth === 'none') return '';
  return deps.authenticate.execute(apiKeyOf(ctx));
}

/** The methods of a path, as Allow says them: a GET that refuses HEAD does not offer it. */
function allowOf(path: string): string {
  return API.filter((operation) => operation.path === path).map((operation) => operation.method.toUpperCase()).join(', ');
}

/** @koa/router offers HEAD wherever GET is; Allow (on a 405 or OPTIONS) must not, where GET refuses HEAD. */
function headOnlyWhereAllowed(ctx: Context, refusing: ReadonlySet<string>): void {
  // The layers whose path matched, whatever the letter case or trailing slash of the request.
  const matched = (ctx as { matched?: Array<{ path: string }> }).matched?.find((layer) => refusing.has(layer.path));
  if (matched) ctx.set('Allow', allowOf(matched.path));
}

/**
 * The one place errors become responses: JSON:API error documents with the status of their code
 * (problems.ts), and nothing about internals. Anything unexpected is logged and answered 500.
 */
function errors(logger: Logger): Middleware<RequestState> {
  const refusingHead = new Set(API.filter((operation) => operation.refusesHead).map((operation) => operation.path));
  return async (ctx, next) => {
    try {
      // Whatever the route: a body larger than any operation takes is refused before it is read.
      // Not ctx.request.length: it lower-cases the name per call and reads the length to 32 bits
      // (4 GiB + 1 byte as 1, 2 to 4 GiB as negative).
      if (Number(ctx.req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw refuse('payload_too_large', `The request body must be at most ${MAX_BODY_BYTES / 1024} KiB.`);
      await next();
      if (ctx.res.hasHeader('Allow')) headOnlyWhereAllowed(ctx, refusingHead);
      // No route matched (404), or the router found the path but not the method (405, with Allow set).
      if (ctx.status === 404 && ctx.body == null) throw refuse('not_found', `There is no route ${ctx.method} ${loggablePath(ctx.path)}.`);
      if (ctx.status === 405 && ctx.body == null) throw refuse('method_not_allowed', 'See the Allow header for the methods this route accepts.');
    } catch (error) {
      const problem = problemOf(error);
      const context = { err: error, reqId: ctx.state.requestId, method: ctx.method, path: ctx.path };
      if (problem.object.code === 'storage_unavailable') logger.warn(context, 'storage unavailable');
      else if (problem.unexpected) logger.error(context, 'request failed');
      ctx.state.errorCode = problem.object.code;
      ctx.status = Number(problem.object.status);
      ctx.body = { errors: [problem.object] };
      ctx.type = JSON_API_MEDIA_TYPE;
      ctx.set(problem.headers);
    }
    // Last, on error documents too, straight to Node past Koa's checks, so no reply of the API can
    // loosen them; not where the route set a policy of its own (the page and the docs). Set on
    // arrival, as they were, every request held them through its wait on the store, and each
    // young-generation collection copied them again.
    if (!ctx.res.headersSent && !ctx.res.hasHeader('Content-Security-Policy')) {
      for (const [name, value] of API_HEADERS) ctx.res.setHeader(name, value);
    }
  };
}
