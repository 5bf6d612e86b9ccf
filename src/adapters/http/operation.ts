import { TSchema } from '@sinclair/typebox';
import { Logger } from 'pino';
import { Registry } from 'prom-client';
import { Authenticate } from '../../application/authenticate.use-case';
import { AuthenticateWithPassword } from '../../application/authenticate-with-password.use-case';
import { CheckHealth } from '../../application/check-health.use-case';
import { CreateApiKey } from '../../application/create-api-key.use-case';
import { CurrentInteger } from '../../application/current-integer.use-case';
import { DeleteAccount } from '../../application/delete-account.use-case';
import { ListApiKeys } from '../../application/list-api-keys.use-case';
import { CreateSequence } from '../../application/create-sequence.use-case';
import { DeleteSequence } from '../../application/delete-sequence.use-case';
import { ListSequences } from '../../application/list-sequences.use-case';
import { NextInteger } from '../../application/next-integer.use-case';
import { RegisterUser } from '../../application/register-user.use-case';
import { ResetInteger } from '../../application/reset-integer.use-case';
import { RevokeApiKey } from '../../application/revoke-api-key.use-case';
import { UserId } from '../../domain/user';
import { ProblemCode } from './problems';

/** The shape of one entry of the route table (routes.ts), from which everything else is derived. */
export interface HttpDependencies {
  readonly registerUser: RegisterUser;
  readonly authenticate: Authenticate;
  readonly authenticateWithPassword: AuthenticateWithPassword;
  readonly createApiKey: CreateApiKey;
  readonly listApiKeys: ListApiKeys;
  readonly revokeApiKey: RevokeApiKey;
  readonly deleteAccount: DeleteAccount;
  readonly nextInteger: NextInteger;
  readonly currentInteger: CurrentInteger;
  readonly resetInteger: ResetInteger;
  readonly createSequence: CreateSequence;
  readonly listSequences: ListSequences;
  readonly deleteSequence: DeleteSequence;
  readonly checkHealth: CheckHealth;
  readonly logger: Logger;
  readonly metrics: Registry;
}

/** One input: a body field, a query parameter, a path parameter or a header. */
export interface Field {
  readonly schema: TSchema;
  /** The code a value that breaks the schema is refused with. */
  readonly code: ProblemCode;
  readonly required?: boolean;
  /** Said in the error when the value breaks the schema; the validator's own words otherwise. */
  readonly hint?: string;
  /** A body field's name among a JSON:API document's attributes, when that differs from its flat name. */
  readonly attribute?: string;
  /** For parameters and headers. */
  readonly description?: string;
}

/** A body sent flat (JSON or form) or as a JSON:API document of `resource`. */
export interface Body {
  readonly resource: string;
  /** The `data.id` a JSON:API document may carry. */
  readonly id?: TSchema;
  /** The field a JSON:API document gives as its `data.id` instead of an attribute (a sequence's name). */
  readonly idField?: string;
  readonly required: boolean;
  readonly description?: string;
  readonly fields: Readonly<Record<string, Field>>;
  /** A flat example; the JSON:API and form examples are derived from it. */
  readonly example: Readonly<Record<string, string | number>>;
}

/** A success response; JSON:API unless `mediaType` says otherwise; without `schema`, one with no body (204). */
export interface Response {
  readonly description: string;
  /** None for a response without a body (204). */
  readonly schema?: TSchema;
  readonly example?: unknown;
  readonly mediaType?: string;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: TSchema }>>;
}

/** What an operation reads, validated against its schemas; `userId` is who authenticated ("" without auth). */
export interface Request {
  readonly userId: UserId;
  /** The client's address: the socket's, or X-Forwarded-For's as TRUST_PROXY says. */
  readonly clientAddress: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, unknown>>;
}

/** Sent as JSON:API unless `type` says otherwise; `issued` counts integers handed out, for the metric. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly type?: string;
  /** Set on the reply; the API's security headers and Cache-Control (app.ts) are set after these and win. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly issued?: number;
}

/** Business counters an operation's success adds to. */
export type Outcome = 'registration' | 'reset';

export interface Operation {
  readonly operationId: string;
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly path: string; // an OpenAPI path template: /v1/sequences/{name}
  readonly tag: 'users' | 'counter' | 'sequences' | 'operations';
  readonly summary: string;
  readonly description: string;
  /**
   * "key": an API key as a Bearer token or ?token=. "password": the account's email and password
   * as Basic credentials. "key-or-password": either (a Basic header means the password).
   */
  readonly auth: 'none' | 'key' | 'password' | 'key-or-password';
  /** A GET that changes state must not answer the HEAD that proxies and monitors send freely. */
  readonly refusesHead?: boolean;
  readonly params?: Readonly<Record<string, Field>>;
  readonly query?: Readonly<Record<string, Field>>;
  readonly headers?: Readonly<Record<string, Field>>;
  readonly body?: Body;
  readonly responses: Readonly<Record<number, Response>>;
  /** Its own refusals; those of authentication, bodies, fields and storage (if it uses the store) are added by kind. */
  readonly errors: readonly ProblemCode[];
  readonly usesStorage: boolean;
  readonly outcome?: Outcome;
  handle(request: Request, deps: HttpDependencies): Promise<Reply> | Reply;
}

export const AUTH_ERRORS: readonly ProblemCode[] = ['missing_api_key', 'invalid_api_key', 'malformed_authorization', 'malformed_token'];
export const PASSWORD_ERRORS: readonly ProblemCode[] = ['missing_credentials', 'invalid_credentials', 'malformed_authorization', 'too_many_requests'];
export const BODY_ERRORS: readonly ProblemCode[] = [
  'malformed_json',
  'malformed_body',
  'bad_request',
  'unsupported_media_type',
  'unsupported_charset',
  'unsupported_encoding',
  'invalid_document',
  'type_mismatch',
];

/** Every error code an operation can answer, by kind: the document lists these, the tests hold the app to them. */
export function errorsOf(operation: Operation): ProblemCode[] {
  const codes = new Set<ProblemCode>(operation.errors);
  if (operation.auth === 'key' || operation.auth === 'key-or-password') AUTH_ERRORS.forEach((code) => codes.add(code));
  if (operation.auth === 'password') PASSWORD_ERRORS.forEach((code) => codes.add(code));
  // Without any Authorization header, such a route asks for a key: missing_api_key, not missing_credentials.
  if (operation.auth === 'key-or-password') PASSWORD_ERRORS.filter((code) => code !== 'missing_credentials').forEach((code) => codes.add(code));
  if (operation.body) BODY_ERRORS.forEach((code) => codes.add(code));
  for (const field of Object.values({ ...operation.params, ...operation.query, ...operation.headers, ...operation.body?.fields })) {
    codes.add(field.code);
  }
  codes.add('payload_too_large');
  codes.add('internal_error');
  if (operation.usesStorage) codes.add('storage_unavailable');
  return [...codes];
}
