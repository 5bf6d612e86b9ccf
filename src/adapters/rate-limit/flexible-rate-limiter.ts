import { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequests } from '../../domain/errors';
import { RateLimiter } from '../../domain/rate-limiter.port';

/** One limit: `points` attempts per key in a window of `durationSeconds`, its keys stored under `name`. */
export interface Limit {
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
}

/**
 * Serves the RateLimiter port with a rate-limiter-flexible limiter over any of its stores. The
 * window is fixed: it starts with a key's first attempt and does not grow with later ones, so
 * hammering a locked account does not lock it for longer.
 */
export class FlexibleRateLimiter implements RateLimiter {
  constructor(
    protected readonly limiter: RateLimiterAbstract,
    private readonly translateStoreError: (error: unknown) => unknown,
  ) {}

  async consume(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (rejection) {
      // The library rejects with a RateLimiterRes past the limit, and with the store's error otherwise.
      if (rejection instanceof RateLimiterRes) {
        throw new TooManyRequests(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      }
      throw this.translateStoreError(rejection);
    }
  }

  async refund(key: string): Promise<void> {
    try {
      await this.limiter.reward(key);
    } catch (error) {
      throw this.translateStoreError(error);
    }
  }
}
