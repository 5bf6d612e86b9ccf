import { MongoError, MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { StorageUnavailable } from '../../../domain/errors';

export const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown, field?: string): boolean {
  if (!(error instanceof MongoError) || error.code !== DUPLICATE_KEY) return false;
  if (field === undefined) return true;
  const keyPattern = (error as MongoError & { keyPattern?: Record<string, unknown> }).keyPattern;
  return keyPattern !== undefined && field in keyPattern;
}

/** IllegalOperation: a standalone server refuses sessions' transaction numbers, so any transaction. */
const ILLEGAL_OPERATION = 20;

/** What a standalone server (no replica set) answers to the first command of a transaction. */
export function isTransactionUnsupported(error: unknown): boolean {
  return error instanceof MongoError && error.code === ILLEGAL_OPERATION && /Transaction numbers/i.test(error.message);
}

/** Connection-level failures become StorageUnavailable (a 503 the client may retry); the rest pass through. */
export function translateMongoError(error: unknown): unknown {
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError
  ) {
    return new StorageUnavailable(error);
  }
  return error;
}
