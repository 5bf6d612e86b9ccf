import { Context, Middleware, Next } from 'koa';
import { DomainError, InvalidInput } from '../../domain/errors';
import { HttpError } from './http-error';
import { ErrorObject, JSON_API_MEDIA_TYPE } from './json-api';

export interface ErrorLogger {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** How each domain error reaches HTTP clients. A domain error missing here is a 500. */
const DOMAIN_ERRORS: Record<string, { status: number; title: string }> = {
  invalid_email: { status: 422, title: 'Invalid email' },
  invalid_password: { status: 422, title: 'Invalid password' },
  invalid_counter_value: { status: 422, title: 'Invalid counter value' },
  email_taken: { status: 409, title: 'Email already registered' },
  sequence_exhausted: { status: 409, title: 'Sequence exhausted' },
  missing_api_key: { status: 401, title: 'API key required' },
  invalid_api_key: { status: 401, title: 'Invalid API key' },
  storage_unavailable: { status: 503, title: 'Storage unavailable' },
};

/** Errors raised by Koa's own stack (koa-bodyparser, raw-body, @koa/router), keyed by status. */
const FRAMEWORK_ERRORS: Record<number, { code: string; title: string; detail: string }> = {
  400: { code: 'bad_request', title: 'Bad request', detail: 'The request could not be read.' },
  405: { code: 'method_not_allowed', title: 'Method not allowed', detail: 'See the Allow header for the methods this route accepts.' },
  413: { code: 'payload_too_large', title: 'Payload too large', detail: 'The request body must be at most 16 KiB.' },
  415: { code: 'unsupported_media_type', title: 'Unsupported media type', detail: 'The body encoding or charset is not supported.' },
};

const RETRY_AFTER_SECONDS = '1';

/**
 * The one place errors become responses: JSON:API error documents, statuses from the
 * tables above, and nothing about internals. Anything unexpected is logged and answered 500.
 */
export function errorMiddleware(logger: ErrorLogger): Middleware {
  return async (ctx: Context, next: Next) => {
    // Set first, so that error responses carry them too. Numbers must never come from a cache.
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    // JSON is never a page: nothing in it may load or be framed. The two HTML pages set their own.
    ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    try {
      await next();
      // No route matched (404), or the router found the path but not the method (405, with
      // Allow already set): answer with an error document like every other error.
      if (ctx.status === 404 && ctx.body == null) {
        throw new HttpError(404, 'not_found', 'Not found', `There is no route ${ctx.method} ${ctx.path}.`);
      }
      const unanswered = FRAMEWORK_ERRORS[ctx.status];
      if (unanswered && ctx.body == null) {
        throw new HttpError(ctx.status, unanswered.code, unanswered.title, unanswered.detail);
      }
    } catch (error) {
      const problem = toErrorObject(error, ctx);
      const context = { err: error, reqId: ctx.state.requestId, method: ctx.method, path: ctx.path };
      if (problem.code === 'storage_unavailable') logger.warn(context, 'storage unavailable');
      else if (Number(problem.status) >= 500) logger.error(context, 'request failed');
      ctx.status = Number(problem.status);
      ctx.body = { errors: [problem] };
      ctx.type = JSON_API_MEDIA_TYPE;
      for (const [name, value] of Object.entries(headersFor(error, problem))) ctx.set(name, value);
    }
  };
}

function toErrorObject(error: unknown, ctx: Context): ErrorObject {
  if (error instanceof HttpError) {
    return { status: String(error.status), code: error.code, title: error.title, detail: error.detail, ...source(error.source) };
  }
  if (error instanceof DomainError && DOMAIN_ERRORS[error.code]) {
    const { status, title } = DOMAIN_ERRORS[error.code];
    const detail = error instanceof InvalidInput ? `${error.field} ${error.message}` : error.message;
    const field = (error as { field?: string }).field;
    if (field === undefined) return { status: String(status), code: error.code, title, detail };
    const pointer = (ctx.state.fieldPointers as Record<string, string> | undefined)?.[field] ?? `/${field}`;
    return { status: String(status), code: error.code, title, detail, source: { pointer } };
  }
  const status = frameworkStatus(error);
  if (status !== undefined && FRAMEWORK_ERRORS[status]) {
    return { status: String(status), ...FRAMEWORK_ERRORS[status] };
  }
  return { status: '500', code: 'internal_error', title: 'Internal server error', detail: 'Something went wrong on our side; it has been logged.' };
}

/** Status of a client error thrown by the Koa ecosystem (http-errors and raw-body mark them `expose`). */
function frameworkStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : undefined;
}

function source(value: ErrorObject['source']): Pick<ErrorObject, 'source'> {
  return value ? { source: value } : {};
}

function headersFor(error: unknown, problem: ErrorObject): Record<string, string> {
  const headers = error instanceof HttpError ? { ...error.headers } : {};
  if (problem.status === '401') {
    headers['WWW-Authenticate'] = problem.code === 'invalid_api_key' ? 'Bearer error="invalid_token"' : 'Bearer';
  }
  if (problem.status === '503') headers['Retry-After'] = RETRY_AFTER_SECONDS;
  return headers;
}
