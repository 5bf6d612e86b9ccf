/**
 * The page's client of the public API: the same JSON:API calls any program makes.
 * Every call resolves to a value or to the API's errors; it never throws.
 */
export interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  /** The input the error is about (email, password, current), from the error's source pointer. */
  readonly field?: string;
  /** From Retry-After: how long to wait before trying again (a 429). */
  readonly retryAfterSeconds?: number;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly ApiError[] };

export interface Registration {
  readonly email: string;
  readonly apiKey: string;
}

const JSON_API = 'application/vnd.api+json';

const UNREACHABLE: ApiError = {
  status: 0,
  code: 'unreachable',
  detail: 'The service could not be reached. Check your connection and try again.',
};

export function register(email: string, password: string): Promise<Outcome<Registration>> {
  return call('POST', '/v1/register', { body: { email, password } }, (data) => ({
    email: String((data as Resource).attributes.email),
    apiKey: String((data as Resource).attributes.apiKey),
  }));
}

/** A key as listed: never the key itself. */
export interface KeyRecord {
  readonly id: string;
  readonly label: string | null;
  /** The first characters after inc_; null for a key from before prefixes, until its next use. */
  readonly prefix: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export interface NewKey extends KeyRecord {
  /** Shown this once. */
  readonly apiKey: string;
}

/** Logging in: the password buys a new key, labelled "web", which the tab then holds. */
export function logIn(email: string, password: string): Promise<Outcome<NewKey>> {
  return call('POST', '/v1/keys', { basic: { email, password }, body: { label: 'web' } }, (data) => newKey(data as Resource));
}

export const listKeys = (key: string) => call('GET', '/v1/keys', { key }, (data) => (data as Resource[]).map(keyRecord));
export const createKey = (key: string, label: string | undefined) =>
  call('POST', '/v1/keys', { key, body: label === undefined ? {} : { label } }, (data) => newKey(data as Resource));
export const revokeKey = (key: string, id: string) => call('DELETE', `/v1/keys/${encodeURIComponent(id)}`, { key }, () => undefined);

function keyRecord(data: Resource & { id?: unknown }): KeyRecord {
  const { label, prefix, createdAt, lastUsedAt } = data.attributes;
  return {
    id: String(data.id),
    label: typeof label === 'string' ? label : null,
    prefix: typeof prefix === 'string' ? prefix : null,
    createdAt: String(createdAt),
    lastUsedAt: typeof lastUsedAt === 'string' ? lastUsedAt : null,
  };
}

function newKey(data: Resource): NewKey {
  return { ...keyRecord(data), apiKey: String(data.attributes.apiKey) };
}

export const next = (key: string) => call('POST', '/v1/next', { key }, counterValue);
export const current = (key: string) => call('GET', '/v1/current', { key }, counterValue);
/** Sends the value as typed: the API, not the page, has the last word on what it accepts. */
export const reset = (key: string, value: string) => call('PUT', '/v1/current', { key, body: { current: value } }, counterValue);

interface Resource {
  readonly attributes: Record<string, unknown>;
}

function counterValue(data: unknown): number {
  return Number((data as Resource).attributes.value);
}

/** Basic credentials are the UTF-8 bytes of "email:password" in base64; btoa alone takes Latin-1 only. */
function basicCredentials(email: string, password: string): string {
  const bytes = new TextEncoder().encode(`${email}:${password}`);
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
}

async function call<T>(
  method: string,
  path: string,
  options: { key?: string; basic?: { email: string; password: string }; body?: object },
  read: (data: unknown) => T,
): Promise<Outcome<T>> {
  const headers: Record<string, string> = { Accept: JSON_API };
  if (options.key !== undefined) headers.Authorization = `Bearer ${options.key}`;
  if (options.basic !== undefined) headers.Authorization = `Basic ${basicCredentials(options.basic.email, options.basic.password)}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    return { ok: false, errors: [UNREACHABLE] };
  }
  if (response.status === 204) return { ok: true, value: read(undefined) };
  const document = await response.json().catch(() => undefined);
  if (response.ok && document?.data) return { ok: true, value: read(document.data) };
  const retryAfter = Number(response.headers.get('Retry-After'));
  const errors = errorsOf(response.status, document);
  return { ok: false, errors: Number.isInteger(retryAfter) && retryAfter > 0 ? errors.map((error) => ({ ...error, retryAfterSeconds: retryAfter })) : errors };
}

function errorsOf(status: number, document: unknown): ApiError[] {
  const errors = (document as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    return [{ status, code: 'unexpected_response', detail: `The service answered ${status} without an explanation. Try again shortly.` }];
  }
  return errors.map((error) => ({
    status,
    code: String(error.code ?? 'error'),
    detail: sentence(String(error.detail ?? error.title ?? 'Something went wrong.')),
    field: fieldOf(error.source?.pointer),
  }));
}

/** "/email" and "/data/attributes/email" both concern the email input; a counter's "value" is the "current" input. */
function fieldOf(pointer: unknown): string | undefined {
  if (typeof pointer !== 'string' || pointer === '') return undefined;
  const name = pointer.slice(pointer.lastIndexOf('/') + 1);
  return name === 'value' ? 'current' : name;
}

function sentence(text: string): string {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}
