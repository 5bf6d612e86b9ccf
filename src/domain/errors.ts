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

export class InvalidLabel extends InvalidInput {
  readonly code = 'invalid_label';
  readonly field = 'label';
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

/** The email is unknown or the password wrong; which of the two is never told. */
export class InvalidCredentials extends DomainError {
  readonly code = 'invalid_credentials';

  constructor() {
    super('The email or the password is wrong.');
  }
}

/** A limit against guessing or flooding was reached; nothing was tried. */
export class TooManyRequests extends DomainError {
  readonly code = 'too_many_requests';

  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts; try again in ${retryAfterSeconds} seconds.`);
  }
}

export class TooManyKeys extends DomainError {
  readonly code = 'too_many_keys';

  constructor(limit: number) {
    super(`An account holds at most ${limit} API keys; revoke one first.`);
  }
}

/** Revoking the last key would lock the account out of the API. */
export class LastKey extends DomainError {
  readonly code = 'last_key';

  constructor() {
    super('This is the last API key of the account; create another one before revoking it.');
  }
}

/** No key of this id belongs to the caller; another user's key is not told apart from none. */
export class KeyNotFound extends DomainError {
  readonly code = 'key_not_found';

  constructor() {
    super('No API key of yours has this id.');
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
