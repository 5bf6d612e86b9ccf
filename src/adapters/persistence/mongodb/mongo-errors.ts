import { MongoError, MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { StorageUnavailable } from '../../../domain/errors';

export const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;

/** A unique index, by the name it was created with and the field it keeps unique. */
export interface UniqueIndexName {
  readonly name: string;
  readonly field: string;
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
