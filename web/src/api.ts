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
    email: String(data.attributes.email),
    apiKey: String(data.attributes.apiKey),
  }));
}

export const next = (key: string) => call('POST', '/v1/next', { key }, counterValue);
export const current = (key: string) => call('GET', '/v1/current', { key }, counterValue);
/** Sends the value as typed: the API, not the page, has the last word on what it accepts. */
export const reset = (key: string, value: string) => call('PUT', '/v1/current', { key, body: { current: value } }, counterValue);

interface Resource {
  readonly attributes: Record<string, unknown>;
}

function counterValue(data: Resource): number {
  return Number(data.attributes.value);
}

async function call<T>(
  method: string,
  path: string,
  options: { key?: string; body?: object },
  read: (data: Resource) => T,
): Promise<Outcome<T>> {
  const headers: Record<string, string> = { Accept: JSON_API };
  if (options.key !== undefined) headers.Authorization = `Bearer ${options.key}`;
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
  const document = await response.json().catch(() => undefined);
  if (response.ok && document?.data) return { ok: true, value: read(document.data as Resource) };
  return { ok: false, errors: errorsOf(response.status, document) };
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
