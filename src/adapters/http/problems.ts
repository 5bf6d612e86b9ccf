import createHttpError, { HttpError, isHttpError } from 'http-errors';
import { DomainError, InvalidInput, TooManyRequests } from '../../domain/errors';
import { MAX_BODY_BYTES } from './schemas';

/**
 * Every error code the API answers with, and its status: the one table. Domain errors carry
 * their code; refusals decided here (framing, media type, authentication format, routing) are
 * raised with `refuse(code, …)`. The OpenAPI document lists each operation's codes from here.
 */
export const PROBLEMS = {
  bad_request: { status: 400, title: 'Bad request' },
  malformed_json: { status: 400, title: 'Malformed JSON' },
  malformed_body: { status: 400, title: 'Malformed body' },
  malformed_if_match: { status: 400, title: 'Malformed If-Match header' },
  missing_api_key: { status: 401, title: 'API key required' },
  invalid_api_key: { status: 401, title: 'Invalid API key' },
  malformed_authorization: { status: 401, title: 'Malformed Authorization header' },
  malformed_token: { status: 401, title: 'Malformed token parameter' },
  missing_credentials: { status: 401, title: 'Email and password required' },
  invalid_credentials: { status: 401, title: 'Invalid credentials' },
  not_found: { status: 404, title: 'Not found' },
  request_timeout: { status: 408, title: 'Request timeout' },
  key_not_found: { status: 404, title: 'API key not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  email_taken: { status: 409, title: 'Email already registered' },
  sequence_exhausted: { status: 409, title: 'Sequence exhausted' },
  too_many_keys: { status: 409, title: 'Too many API keys' },
  last_key: { status: 409, title: 'Last API key' },
  sequence_not_found: { status: 404, title: 'Sequence not found' },
  sequence_exists: { status: 409, title: 'Sequence exists' },
  too_many_sequences: { status: 409, title: 'Too many sequences' },
  default_sequence: { status: 409, title: 'Default sequence' },
  idempotency_key_in_use: { status: 409, title: 'Idempotency key in use' },
  type_mismatch: { status: 409, title: 'Resource type mismatch' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  headers_too_large: { status: 431, title: 'Request headers too large' },
  unsupported_charset: { status: 415, title: 'Unsupported charset' },
  unsupported_encoding: { status: 415, title: 'Unsupported content encoding' },
  invalid_document: { status: 422, title: 'Invalid document' },
  invalid_email: { status: 422, title: 'Invalid email' },
  invalid_password: { status: 422, title: 'Invalid password' },
  invalid_counter_value: { status: 422, title: 'Invalid counter value' },
  invalid_sequence_name: { status: 422, title: 'Invalid sequence name' },
  invalid_count: { status: 422, title: 'Invalid count' },
  invalid_page_size: { status: 422, title: 'Invalid page size' },
  invalid_idempotency_key: { status: 422, title: 'Invalid idempotency key' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused' },
  invalid_label: { status: 422, title: 'Invalid label' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal server error' },
  idempotency_unsupported: { status: 501, title: 'Idempotency not supported' },
  storage_unavailable: { status: 503, title: 'Storage unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface ErrorSource {
  readonly pointer?: string;
  readonly parameter?: string;
  readonly header?: string;
}

export interface ErrorObject {
  readonly status: string;
  readonly code: ProblemCode;
  readonly title: string;
  readonly detail: string;
  readonly source?: ErrorSource;
}

/** What a refusal carries besides its status and message (http-errors copies these onto the error). */
type Refusal = { code: ProblemCode; source?: ErrorSource; headers?: Record<string, string> };

/** An HTTP error with a code from the table; `expose` marks its message as safe to send. */
export function refuse(code: ProblemCode, detail: string, source?: ErrorSource, headers?: Record<string, string>): HttpError {
  return createHttpError(PROBLEMS[code].status, detail, { code, source, headers, expose: true } satisfies Refusal & { expose: boolean });
}

/** A domain error about one input field, pointed at where that field was in the request. */
export function atField(error: DomainError, source: ErrorSource): HttpError {
  return refuse(error.code as ProblemCode, detailOf(error), source);
}

const RETRY_AFTER_SECONDS = '1';

/** The challenge of a 401, by code: a password is asked for with Basic, a key with Bearer. */
export const BASIC_CHALLENGE = 'Basic realm="increment"';
const CHALLENGES: Partial<Record<ProblemCode, string>> = {
  invalid_api_key: 'Bearer error="invalid_token"',
  invalid_credentials: BASIC_CHALLENGE,
  missing_credentials: BASIC_CHALLENGE,
};

/**
 * Client errors the Koa stack raises itself (raw-body, inflation, @koa/router): http-errors
 * marked `expose`, keyed by their status. Anything else unexpected is a 500.
 */
const FRAMEWORK: Partial<Record<number, { code: ProblemCode; detail: string; source?: ErrorSource }>> = {
  400: { code: 'bad_request', detail: 'The request could not be read.' },
  404: { code: 'not_found', detail: 'There is no such route.' },
  405: { code: 'method_not_allowed', detail: 'See the Allow header for the methods this route accepts.' },
  413: { code: 'payload_too_large', detail: `The request body must be at most ${MAX_BODY_BYTES / 1024} KiB.` },
};

export interface Problem {
  readonly object: ErrorObject;
  readonly headers: Record<string, string>;
  /** Set for failures the client did not cause: the log gets the error itself. */
  readonly unexpected: boolean;
}

/** Turns anything thrown while serving a request into the error document clients get. */
export function problemOf(error: unknown): Problem {
  const { code, detail, source, headers, unexpected } = classify(error);
  const { status, title } = PROBLEMS[code];
  const allHeaders: Record<string, string> = { ...headers };
  // A refusal may name its own challenge (a malformed header on a route that takes a password).
  if (status === 401) allHeaders['WWW-Authenticate'] ??= CHALLENGES[code] ?? 'Bearer';
  if (status === 503) allHeaders['Retry-After'] = RETRY_AFTER_SECONDS;
  if (error instanceof TooManyRequests) allHeaders['Retry-After'] = String(error.retryAfterSeconds);
  return {
    object: { status: String(status), code, title, detail, ...(source ? { source } : {}) },
    headers: allHeaders,
    unexpected,
  };
}

function classify(error: unknown): Refusal & { detail: string; unexpected: boolean } {
  if (isHttpError(error) && isProblemCode(error.code)) {
    return { code: error.code, detail: error.message, source: error.source as ErrorSource | undefined, headers: error.headers, unexpected: false };
  }
  if (error instanceof DomainError && isProblemCode(error.code)) {
    return { code: error.code, detail: detailOf(error), unexpected: false };
  }
  if (isHttpError(error) && error.expose && FRAMEWORK[error.status]) {
    return { ...FRAMEWORK[error.status]!, unexpected: false };
  }
  return { code: 'internal_error', detail: 'Something went wrong on our side; it has been logged.', unexpected: true };
}

function detailOf(error: DomainError): string {
  return error instanceof InvalidInput ? `${error.field} ${error.message}` : error.message;
}

export function isProblemCode(code: unknown): code is ProblemCode {
  return typeof code === 'string' && Object.hasOwn(PROBLEMS, code);
}

/**
 * A refusal written straight to the socket, for requests Node's own parser rejects before any
 * middleware runs (not HTTP, an unknown method, headers too large, a request that took too long).
 */
export function rawRefusal(code: 'bad_request' | 'request_timeout' | 'headers_too_large', detail: string): string {
  const { status, title } = PROBLEMS[code];
  const body = JSON.stringify({ errors: [{ status: String(status), code, title, detail }] });
  return `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/vnd.api+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}
