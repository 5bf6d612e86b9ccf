/** JSON:API document shapes this service sends. */
export const JSON_API_MEDIA_TYPE = 'application/vnd.api+json';

export interface ErrorObject {
  readonly status: string;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly source?: { readonly pointer?: string; readonly parameter?: string; readonly header?: string };
}

/** Every user has one sequence today; its id leaves room for named sequences later. */
export const DEFAULT_COUNTER_ID = 'default';

export function counterDocument(value: number) {
  return { data: { type: 'counters', id: DEFAULT_COUNTER_ID, attributes: { value } } };
}

export function userDocument(user: { id: string; email: string }, apiKey: string) {
  return { data: { type: 'users', id: user.id, attributes: { email: user.email, apiKey } } };
}
