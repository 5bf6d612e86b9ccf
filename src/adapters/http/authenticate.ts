import { Context } from 'koa';
import { refuse } from './problems';

const BEARER = /^Bearer +(\S+) *$/i;

/** The API key of a request: "Authorization: Bearer <key>" or, as the original service took it, "?token=<key>". */
export function apiKeyOf(ctx: Context): string | undefined {
  const header = ctx.get('Authorization');
  if (header !== '') {
    const match = BEARER.exec(header);
    if (!match) throw refuse('malformed_authorization', 'The Authorization header must read "Bearer <key>".', { header: 'Authorization' });
    return match[1];
  }
  const token = ctx.query.token;
  if (Array.isArray(token)) throw refuse('malformed_token', 'Send the token query parameter once.', { parameter: 'token' });
  return token === '' ? undefined : token;
}
