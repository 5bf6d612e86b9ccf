import { Context, Middleware, Next } from 'koa';
import { Authenticate } from '../../application/authenticate.use-case';
import { HttpError } from './http-error';

const BEARER = /^Bearer +(\S+) *$/i;

/** Accepts "Authorization: Bearer <key>" or, as the original service did, "?token=<key>". */
export function authenticate(useCase: Authenticate): Middleware {
  return async (ctx: Context, next: Next) => {
    ctx.state.userId = await useCase.execute(apiKeyOf(ctx));
    await next();
  };
}

function apiKeyOf(ctx: Context): string | undefined {
  const header = ctx.get('Authorization');
  if (header !== '') {
    const match = BEARER.exec(header);
    if (!match) {
      throw new HttpError(401, 'malformed_authorization', 'Malformed Authorization header',
        'The Authorization header must read "Bearer <key>".', { header: 'Authorization' });
    }
    return match[1];
  }
  const token = ctx.query.token;
  if (Array.isArray(token)) {
    throw new HttpError(401, 'malformed_token', 'Malformed token parameter',
      'Send the token query parameter once.', { parameter: 'token' });
  }
  return token === '' ? undefined : token;
}
