import { RateLimiter } from '../../domain/rate-limiter.port';

/** A limit configured as 0: every attempt is allowed, and nothing is stored. */
export class UnlimitedRateLimiter implements RateLimiter {
  async consume(): Promise<void> {}

  async refund(): Promise<void> {}
}
