/**
 * Errors the core raises. Each has a stable `code` that clients can rely on;
 * none knows about HTTP — the HTTP adapter maps codes to statuses in one table.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that breaks a domain rule; `field` names the offending input. */
export abstract class InvalidInput extends DomainError {
  abstract readonly field: string;
}

export class InvalidEmail extends InvalidInput {
  readonly code = 'invalid_email';
  readonly field = 'email';
}

export class InvalidPassword extends InvalidInput {
  readonly code = 'invalid_password';
  readonly field = 'password';
}

export class InvalidCounterValue extends InvalidInput {
  readonly code = 'invalid_counter_value';
  readonly field = 'current';
}

export class EmailAlreadyRegistered extends DomainError {
  readonly code = 'email_taken';
  readonly field = 'email';

  constructor() {
    super('This email address is already registered.');
  }
}

export class SequenceExhausted extends DomainError {
  readonly code = 'sequence_exhausted';

  constructor(limit: number) {
    super(`The sequence has reached its maximum value ${limit}; reset it to continue.`);
  }
}

export class MissingApiKey extends DomainError {
  readonly code = 'missing_api_key';

  constructor() {
    super('An API key is required: send "Authorization: Bearer <key>" or "?token=<key>".');
  }
}

export class InvalidApiKey extends DomainError {
  readonly code = 'invalid_api_key';

  constructor() {
    super('The API key is not valid.');
  }
}

/**
 * The store could not be reached or did not answer in time; retrying later may succeed.
 * Usually nothing was changed. But a write sent and never answered may still have been
 * applied: then `outcomeUnknown` is set and the message says so, since a retried `next`
 * would hand out another number.
 */
export class StorageUnavailable extends DomainError {
  readonly code = 'storage_unavailable';
  readonly outcomeUnknown: boolean;

  constructor(cause?: unknown, options: { outcomeUnknown?: boolean } = {}) {
    super(
      options.outcomeUnknown
        ? 'Storage did not confirm this change in time: it may or may not have been applied. Retry shortly, or check before retrying.'
        : 'Storage is temporarily unavailable; retry shortly.',
    );
    this.cause = cause;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}
