import { Counter } from '../../../domain/counter';
import { CounterRepository } from '../../../domain/counter-repository.port';
import { UserId } from '../../../domain/user';

/** Counters in process memory: each operation runs to completion on the event loop, so it is atomic. */
export class InMemoryCounterRepository implements CounterRepository {
  private readonly values = new Map<UserId, number>();

  async increment(userId: UserId, limit: number): Promise<number | null> {
    const value = this.values.get(userId) ?? Counter.INITIAL_VALUE;
    if (value >= limit) return null;
    this.values.set(userId, value + 1);
    return value + 1;
  }

  async current(userId: UserId): Promise<number> {
    return this.values.get(userId) ?? Counter.INITIAL_VALUE;
  }

  async set(userId: UserId, value: number): Promise<void> {
    this.values.set(userId, value);
  }

  async deleteAllOf(userId: UserId): Promise<void> {
    this.values.delete(userId);
  }
}
