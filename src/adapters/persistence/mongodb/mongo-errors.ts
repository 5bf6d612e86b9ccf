import { MongoError, MongoNetworkError, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { StorageUnavailable } from '../../../domain/errors';
import { redactSecrets } from '../../logging/redact-secrets';

export const DUPLICATE_KEY = 11000;
const AUTHENTICATION_FAILED = 18;

export function isDuplicateKeyError(error: unknown, field?: string): boolean {
  if (!(error instanceof MongoError) || error.code !== DUPLICATE_KEY) return false;
  if (field === undefined) return true;
  const keyPattern = (error as MongoError & { keyPattern?: Record<string, unknown> }).keyPattern;
  return keyPattern !== undefined && field in keyPattern;
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

/** MongoDB could not be used at start-up; the message says so in a sentence that names MONGODB_URL. */
export class MongoStartupError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'MongoStartupError';
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
