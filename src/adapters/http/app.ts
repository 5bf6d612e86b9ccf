import Router from '@koa/router';
import Koa, { Context, Middleware } from 'koa';
import { METHODS } from 'node:http';
import { Logger } from 'pino';
import { Registry } from 'prom-client';
import { Authenticate } from '../../application/authenticate.use-case';
import { CheckHealth } from '../../application/check-health.use-case';
import { CurrentInteger } from '../../application/current-integer.use-case';
import { NextInteger } from '../../application/next-integer.use-case';
import { RegisterUser } from '../../application/register-user.use-case';
import { ResetInteger } from '../../application/reset-integer.use-case';
import { authenticate } from './authenticate';
import { counterValueText } from './counter-value';
import { docsRoutes } from './docs';
import { errorMiddleware } from './error-middleware';
import { HttpError } from './http-error';
import { counterDocument, JSON_API_MEDIA_TYPE, userDocument } from './json-api';
import { metricsEndpoint, observe } from './observe';
import { readBody, readFields } from './request-body';
import { WebPage, webPageRoutes } from './web-page';

export interface HttpDependencies {
  readonly registerUser: RegisterUser;
  readonly authenticate: Authenticate;
  readonly nextInteger: NextInteger;
  readonly currentInteger: CurrentInteger;
  readonly resetInteger: ResetInteger;
  readonly checkHealth: CheckHealth;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** The sign-up and dashboard page served at /. */
  readonly webPage: WebPage;
}

/** /v1/next hands out a number on GET as on POST, and so never takes HEAD. */
const NEXT_METHODS = 'GET, POST';

export function createHttpApp(deps: HttpDependencies): Koa {
  // Every method Node knows counts as implemented, so an exotic one on a real route (PROPFIND
  // /v1/next) gets 405 with Allow, like any other wrong method, instead of a 501 server error.
  const router = new Router({ methods: METHODS });
  const requireKey = authenticate(deps.authenticate);

  router.post('/v1/register', readBody(), async (ctx) => {
    const { email, password } = readFields(ctx, 'users', { email: 'email', password: 'password' });
    const { user, apiKey } = await deps.registerUser.execute({ email, password });
    send(ctx, 201, userDocument(user, apiKey));
  });

  // GET for the original service's clients, POST for HTTP purists. A POST body is optional
  // and ignored, but read like any other (size, media type), so a bad one uses up no number.
  const next = async (ctx: Context) => {
    send(ctx, 200, counterDocument((await deps.nextInteger.execute(ctx.state.userId)).sequence.value));
  };
  router.get('/v1/next', refuseHead(NEXT_METHODS), requireKey, next);
  router.post('/v1/next', requireKey, readBody(), next);

  router.get('/v1/current', requireKey, async (ctx) => {
    send(ctx, 200, counterDocument((await deps.currentInteger.execute(ctx.state.userId)).value));
  });

  router.put('/v1/current', requireKey, readBody(), async (ctx) => {
    const { current } = readFields(ctx, 'counters', { current: 'value' });
    send(ctx, 200, counterDocument((await deps.resetInteger.execute(ctx.state.userId, counterValueText(current))).value));
  });

  router.get('/health', async (ctx) => {
    const report = await deps.checkHealth.execute();
    ctx.status = report.healthy ? 200 : 503;
    ctx.body = { status: report.healthy ? 'ok' : 'unavailable', checks: { storage: report.storage } };
  });

  router.get('/health/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/metrics', metricsEndpoint(deps.metrics));
  docsRoutes(router);
  webPageRoutes(router, deps.webPage);

  const app = new Koa();
  app.use(observe(deps.logger, deps.metrics));
  app.use(errorMiddleware(deps.logger));
  app.use(allowWithoutHead('/v1/next', NEXT_METHODS));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

function send(ctx: Context, status: number, document: object): void {
  ctx.status = status;
  ctx.body = document;
  ctx.type = JSON_API_MEDIA_TYPE;
}

/**
 * @koa/router answers HEAD wherever GET is registered. A GET that changes state must refuse it:
 * proxies and monitors send HEAD freely, and it must not use up a number.
 */
function refuseHead(allow: string): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'HEAD') {
      throw new HttpError(405, 'method_not_allowed', 'Method not allowed', `This route accepts ${allow}.`, undefined, { Allow: allow });
    }
    await next();
  };
}

/** ...and the Allow header of such a route, on a 405 or an OPTIONS reply, must not offer HEAD either. */
function allowWithoutHead(route: string, allow: string): Middleware {
  return async (ctx, next) => {
    await next();
    // The layers whose path matched, whatever the letter case or trailing slash of the request.
    const matched = (ctx as Context & { matched?: Array<{ path: string }> }).matched;
    if (ctx.response.get('Allow') && matched?.some((layer) => layer.path === route)) ctx.set('Allow', allow);
  };
}
