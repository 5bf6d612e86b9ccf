import { RateLimiterMemory } from 'rate-limiter-flexible';
import { FlexibleRateLimiter, Limit } from '../../rate-limit/flexible-rate-limiter';

/** Counts in process memory (STORAGE=memory): they hold for this process only, as all its data does. */
export class InMemoryRateLimiter extends FlexibleRateLimiter {
  constructor(limit: Limit) {
    super(new RateLimiterMemory({ keyPrefix: limit.name, points: limit.points, duration: limit.durationSeconds }), (error) => error);
  }
}
