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

  /** `field` is `current` for /v1/current, `value` for a sequence. */
  constructor(
    message: string,
    readonly field = 'current',
  ) {
    super(message);
  }
}

export class InvalidSequenceName extends InvalidInput {
  readonly code = 'invalid_sequence_name';

  constructor(
    message: string,
    readonly field = 'name',
  ) {
    super(message);
  }
}

export class InvalidCount extends InvalidInput {
  readonly code = 'invalid_count';
  readonly field = 'count';
}

export class InvalidPageSize extends InvalidInput {
  readonly code = 'invalid_page_size';
  readonly field = 'page[size]';
}

export class InvalidIdempotencyKey extends InvalidInput {
  readonly code = 'invalid_idempotency_key';
  readonly field = 'Idempotency-Key';
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

  constructor(limit: number, count = 1) {
    super(
      count === 1
        ? `The sequence has reached its maximum value ${limit}; reset it to continue.`
        : `The sequence cannot hand out ${count} more integers without passing ${limit}; nothing was handed out.`,
    );
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

export class SequenceNotFound extends DomainError {
  readonly code = 'sequence_not_found';

  constructor(readonly sequence: string) {
    super(`There is no sequence named "${sequence}".`);
  }
}

export class SequenceExists extends DomainError {
  readonly code = 'sequence_exists';
  readonly field = 'name';

  constructor(readonly sequence: string) {
    super(`A sequence named "${sequence}" exists already.`);
  }
}

export class TooManySequences extends DomainError {
  readonly code = 'too_many_sequences';

  constructor(readonly limit: number) {
    super(`An account holds at most ${limit} sequences, default included; delete one first.`);
  }
}

/** `default` always exists: it is the sequence of /v1/next and /v1/current. */
export class DefaultSequence extends DomainError {
  readonly code = 'default_sequence';

  constructor() {
    super('The default sequence cannot be deleted; reset it instead.');
  }
}

/** A conditional write found another value; `current` is what it found, for the caller's next attempt. */
export class PreconditionFailed extends DomainError {
  readonly code = 'precondition_failed';

  constructor(
    readonly current: number,
    readonly expected: readonly number[] = [],
  ) {
    super(`The value is ${current}, not ${expected.length === 0 ? 'one the condition names' : expected.join(' or ')}; nothing was changed.`);
  }
}

export class IdempotencyKeyReused extends DomainError {
  readonly code = 'idempotency_key_reused';
  readonly field = 'Idempotency-Key';

  constructor() {
    super('This Idempotency-Key was used for another request (another sequence or count); use a new key.');
  }
}

/** A first request with this key is still being served; retrying after a moment replays its answer. */
export class IdempotencyKeyInUse extends DomainError {
  readonly code = 'idempotency_key_in_use';
  readonly field = 'Idempotency-Key';

  constructor(readonly retryAfterSeconds = 1) {
    super('A request with this Idempotency-Key is still in progress; retry shortly to get its answer.');
  }
}

/**
 * The store cannot record a key together with its range in one atomic step (a standalone
 * MongoDB server has no transactions). Nothing was handed out.
 */
export class IdempotencyUnsupported extends DomainError {
  readonly code = 'idempotency_unsupported';
  readonly field = 'Idempotency-Key';

  constructor(cause?: unknown) {
    super('This deployment cannot honour Idempotency-Key (its MongoDB is a standalone server, not a replica set); nothing was handed out.');
    this.cause = cause;
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
