import { UserId } from './user';

export interface CounterRepository {
  /**
   * Atomically adds one to the user's counter and returns the new value, or
   * returns null and changes nothing when the counter is already at `limit`.
   * A counter that was never written starts at Counter.INITIAL_VALUE.
   */
  increment(userId: UserId, limit: number): Promise<number | null>;
  current(userId: UserId): Promise<number>;
  set(userId: UserId, value: number): Promise<void>;
  /** Forgets every counter of the user (account deletion). */
  deleteAllOf(userId: UserId): Promise<void>;
}
