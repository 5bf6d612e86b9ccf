import { MongoError, MongoNetworkError, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { StorageUnavailable } from '../../../domain/errors';
import { redactSecrets } from '../../logging/redact-secrets';
import { MongoStartupError } from './mongo-startup-error';

export const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
const AUTHENTICATION_FAILED = 18;

/** A unique index, by the name it was created with and the field it keeps unique. */
export interface UniqueIndexName {
  readonly name: string;
  readonly field: string;
}

/** IllegalOperation: a standalone server refuses sessions' transaction numbers, so any transaction. */
const ILLEGAL_OPERATION = 20;

/** What a standalone server (no replica set) answers to the first command of a transaction. */
export function isTransactionUnsupported(error: unknown): boolean {
  return error instanceof MongoError && error.code === ILLEGAL_OPERATION && /Transaction numbers/i.test(error.message);
}

/**
 * A duplicate-key error, and with `index` given, one of that index. MongoDB 4.2+ names the
 * fields in `keyPattern`; Amazon DocumentDB and older servers only write the index name into
 * the message ("E11000 duplicate key error collection: db.users index: email_unique dup key: …").
 */
export function isDuplicateKeyError(error: unknown, index?: UniqueIndexName): boolean {
  if (!(error instanceof MongoError) || error.code !== DUPLICATE_KEY) return false;
  if (index === undefined) return true;
  const keyPattern = (error as MongoError & { keyPattern?: Record<string, unknown> }).keyPattern;
  if (keyPattern !== undefined) return index.field in keyPattern;
  return /\bindex: (\S+)/.exec(error.message)?.[1] === index.name;
}

export function isNamespaceNotFound(error: unknown): boolean {
  return error instanceof MongoError && error.code === NAMESPACE_NOT_FOUND;
}

/**
 * Connection-level failures become StorageUnavailable (a 503 the client may retry); the rest
 * pass through. A write whose connection broke may have reached the server before it did.
 */
export function translateMongoError(error: unknown, operation: 'read' | 'write' = 'read'): unknown {
  if (error instanceof MongoServerSelectionError || error instanceof MongoTopologyClosedError) {
    return new StorageUnavailable(error);
  }
  if (error instanceof MongoNetworkError) return new StorageUnavailable(error, { outcomeUnknown: operation === 'write' });
  return error;
}

/** No answer from the store within the request's storage timeout. */
export class StorageTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`MongoDB did not answer within ${timeoutMs} ms (STORAGE_TIMEOUT_MS)`);
    this.name = 'StorageTimeout';
  }
}

/**
 * Runs a request's storage operation, or gives up after timeoutMs with StorageUnavailable,
 * so that clients get their 503 in time and do not pile up while the driver waits for a server
 * (5 s of server selection). The operation itself is not cancelled: a write may still be
 * applied, so a write that timed out is reported with its outcome unknown.
 */
export async function withinTimeout<T>(timeoutMs: number, operation: 'read' | 'write', run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageUnavailable(new StorageTimeout(timeoutMs), { outcomeUnknown: operation === 'write' })), timeoutMs);
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
};

/**
 * Why connecting to MongoDB failed, for a person: the URL shows only its hosts, since it may carry
 * a password, except when it cannot be parsed at all, when it is shown with its credentials redacted.
 */
export function mongoStartupError(error: unknown, url: string): MongoStartupError {
  const hosts = url.replace(/^[a-z+]*:\/\//i, '').replace(/^[^/]*@/, '').split(/[/?]/)[0];
  const { message } = error as Error;
  let sentence: string;
  // The URL parser throws its own MongoParseError class, not the driver's: known by name.
  if ((error as Error).name === 'MongoParseError') {
    // Its message quotes the URL, which the sentence shows already.
    sentence = `MONGODB_URL: ${redactSecrets(url)} is not a MongoDB URL (${message.replace(/ in ".*"$/, '')})`;
  } else if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) {
    const code = Object.keys(NETWORK_REASONS).find((candidate) => message.includes(candidate));
    const reason = code ? NETWORK_REASONS[code] : /timed out/i.test(message) ? 'no answer in time' : redactSecrets(message);
    sentence = `MONGODB_URL: no MongoDB answered at ${hosts} (${reason}); start it, or point MONGODB_URL at one that runs`;
  } else if (error instanceof MongoServerError && error.code === AUTHENTICATION_FAILED) {
    sentence = `MONGODB_URL: MongoDB at ${hosts} refused the user name or password in the URL`;
  } else {
    sentence = `MONGODB_URL: MongoDB at ${hosts} could not be used: ${redactSecrets(message)}`;
  }
  return new MongoStartupError(sentence, { cause: error });
}
