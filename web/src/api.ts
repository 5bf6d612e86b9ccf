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
  /** The value the service holds now, from the ETag of a refused conditional write (a 412). */
  readonly current?: number;
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

export interface SequenceView {
  readonly name: string;
  readonly value: number;
}

/** What one `next` handed out: first..last, count integers. */
export interface Issued extends SequenceView {
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

/** Every sequence of the account, following the pages of the listing. */
export async function listSequences(key: string): Promise<Outcome<SequenceView[]>> {
  const sequences: SequenceView[] = [];
  let path: string | undefined = `/v1/sequences?page[size]=200`;
  while (path) {
    const page: Outcome<{ items: SequenceView[]; next?: string }> = await call('GET', path, { key }, (data, document) => ({
      items: (data as Resource[]).map(sequenceOf),
      next: document?.links?.next,
    }));
    if (!page.ok) return page;
    sequences.push(...page.value.items);
    path = page.value.next;
  }
  return { ok: true, value: sequences };
}

/** Sends the value as typed: the API, not the page, has the last word on what it accepts. */
export const createSequence = (key: string, name: string, value: string) =>
  call('POST', '/v1/sequences', { key, body: value === '' ? { name } : { name, value } }, (data) => sequenceOf(data as Resource));

export const nextOf = (key: string, name: string, count: number) =>
  call('POST', `/v1/sequences/${encodeURIComponent(name)}/next?count=${count}`, { key }, (data, document) => ({
    ...sequenceOf(data as Resource),
    ...(document!.meta!.issued as { first: number; last: number; count: number }),
  }));

/** Sets the value only if it still is `expected`, the value the page shows (If-Match): never over a change it has not seen. */
export const resetSequence = (key: string, name: string, value: string, expected: number) =>
  call(
    'PATCH',
    `/v1/sequences/${encodeURIComponent(name)}`,
    { key, body: { value }, headers: { 'If-Match': `"${expected}"` } },
    (data) => sequenceOf(data as Resource),
  );

function sequenceOf(data: Resource & { id?: unknown }): SequenceView {
  return { name: String(data.id), value: Number(data.attributes.value) };
}

/** A JSON:API document beside its data: the range a `next` handed out, the link to the next page. */
interface Document {
  readonly meta?: Record<string, unknown>;
  readonly links?: { readonly next?: string };
}

interface Resource {
  readonly attributes: Record<string, unknown>;
}

/** Basic credentials are the UTF-8 bytes of "email:password" in base64; btoa alone takes Latin-1 only. */
function basicCredentials(email: string, password: string): string {
  const bytes = new TextEncoder().encode(`${email}:${password}`);
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
}

async function call<T>(
  method: string,
  path: string,
  options: { key?: string; basic?: { email: string; password: string }; body?: object; headers?: Record<string, string> },
  read: (data: unknown, document?: Document) => T,
): Promise<Outcome<T>> {
  const headers: Record<string, string> = { Accept: JSON_API, ...options.headers };
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
  if (response.ok && document?.data) return { ok: true, value: read(document.data, document as Document) };
  const retryAfter = Number(response.headers.get('Retry-After'));
  const errors = errorsOf(response.status, document, response.headers.get('ETag'));
  return { ok: false, errors: Number.isInteger(retryAfter) && retryAfter > 0 ? errors.map((error) => ({ ...error, retryAfterSeconds: retryAfter })) : errors };
}

function errorsOf(status: number, document: unknown, etag: string | null): ApiError[] {
  const errors = (document as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    return [{ status, code: 'unexpected_response', detail: `The service answered ${status} without an explanation. Try again shortly.` }];
  }
  return errors.map((error) => ({
    status,
    code: String(error.code ?? 'error'),
    detail: sentence(String(error.detail ?? error.title ?? 'Something went wrong.')),
    field: status === 412 ? 'value' : fieldOf(error.source?.pointer),
    current: etag === null ? undefined : Number(etag.replace(/"/g, '')),
  }));
}

/** "/email" and "/data/attributes/email" both concern the email input; "/data/id" is a sequence's name. */
function fieldOf(pointer: unknown): string | undefined {
  if (typeof pointer !== 'string' || pointer === '') return undefined;
  const name = pointer.slice(pointer.lastIndexOf('/') + 1);
  return name === 'id' ? 'name' : name;
}

function sentence(text: string): string {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}
