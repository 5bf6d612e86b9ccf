import { Db } from 'mongodb';
import { RateLimiterMongo } from 'rate-limiter-flexible';
import { FlexibleRateLimiter, Limit } from '../../rate-limit/flexible-rate-limiter';
import { translateMongoError } from './mongo-errors';

export const RATE_LIMITS_COLLECTION = 'rate_limits';

/**
 * Counts in the rate_limits collection through rate-limiter-flexible's MongoDB store: one
 * findOneAndUpdate with $inc per attempt, so replicas share them; a TTL index removes windows
 * that are over. The store creates no indexes itself (it would, unawaited, and only log a
 * failure): ensureRateLimitIndexes does, at start-up.
 */
export class MongoRateLimiter extends FlexibleRateLimiter {
  constructor(db: Db, limit: Limit) {
    super(new RateLimiterMongo(mongoOptions(db, limit)), translateMongoError);
  }
}

/** Idempotent; safe when several replicas start together. */
export async function ensureRateLimitIndexes(db: Db): Promise<void> {
  try {
    await new RateLimiterMongo(mongoOptions(db, { name: 'indexes', points: 1, durationSeconds: 1 })).createIndexes();
  } catch (error) {
    throw translateMongoError(error);
  }
}

function mongoOptions(db: Db, limit: Limit) {
  return {
    storeClient: db,
    tableName: RATE_LIMITS_COLLECTION,
    disableIndexesCreation: true,
    keyPrefix: limit.name,
    points: limit.points,
    duration: limit.durationSeconds,
  };
}
