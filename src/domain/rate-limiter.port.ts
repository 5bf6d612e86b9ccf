/**
 * One limit, such as "5 failed passwords per account in 15 minutes". Counts live in the
 * configured store, so every process and replica sees the same ones.
 */
export interface RateLimiter {
  /**
   * Counts one attempt for `key`. Throws TooManyRequests, with the seconds until the window
   * ends, when that attempt goes past the limit.
   */
  consume(key: string): Promise<void>;
  /** Takes back one counted attempt that turned out not to count (a password that was right). */
  refund(key: string): Promise<void>;
}
