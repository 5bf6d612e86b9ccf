import { ErrorObject } from './json-api';

/** An error decided by the HTTP layer itself (bad framing, routing, authentication format). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly source?: ErrorObject['source'],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpError';
  }
}
