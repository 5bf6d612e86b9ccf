import { Context } from 'koa';
import { BASIC_CHALLENGE, refuse } from './problems';

const BEARER = /^Bearer +(\S+) *$/i;
const BASIC = /^Basic +(\S+) *$/i;
// Canonical base64 only: Buffer.from(…, 'base64') would silently skip anything else.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The Authorization header, or '' without one. Read from Node's headers by their lower-case
 * name, as ctx.get would after lower-casing the name it is given, once per call, on every request.
 */
function authorizationOf(ctx: Context): string {
  return ctx.req.headers.authorization ?? '';
}

/** The API key of a request: "Authorization: Bearer <key>" or, as the original service took it, "?token=<key>". */
export function apiKeyOf(ctx: Context): string | undefined {
  const header = authorizationOf(ctx);
  if (header !== '') {
    const match = BEARER.exec(header);
    if (!match) throw refuse('malformed_authorization', 'The Authorization header must read "Bearer <key>".', { header: 'Authorization' });
    return match[1];
  }
  const token = ctx.query.token;
  if (Array.isArray(token)) throw refuse('malformed_token', 'Send the token query parameter once.', { parameter: 'token' });
  return token === '' ? undefined : token;
}

/** True when the request sends Basic credentials (a password), rather than a key. */
export function sendsPassword(ctx: Context): boolean {
  return /^Basic(?: |$)/i.test(authorizationOf(ctx));
}

/**
 * The email and password of "Authorization: Basic base64(email:password)". The password is
 * everything after the first colon, colons included (an email has none). The bytes must be
 * UTF-8, as registration took them: anything else is refused, never guessed at.
 */
export function credentialsOf(ctx: Context): { email: string; password: string } {
  const header = authorizationOf(ctx);
  if (header === '') {
    throw refuse('missing_credentials', 'Send your email and password: "Authorization: Basic <base64 of email:password>".', { header: 'Authorization' });
  }
  const malformed = (why: string) =>
    refuse('malformed_authorization', `The Authorization header must read "Basic <base64 of email:password>": ${why}.`, { header: 'Authorization' }, {
      'WWW-Authenticate': BASIC_CHALLENGE,
    });
  const match = BASIC.exec(header);
  if (!match) throw malformed('it names another scheme');
  if (!BASE64.test(match[1])) throw malformed('the credentials are not base64');
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(match[1], 'base64'));
  } catch {
    throw malformed('the credentials are not UTF-8 text');
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) throw malformed('there is no colon between email and password');
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
