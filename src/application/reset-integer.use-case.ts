import { Counter } from '../domain/counter';
import { CounterRepository } from '../domain/counter-repository.port';
import { UserId } from '../domain/user';

export class ResetInteger {
  constructor(private readonly counters: CounterRepository) {}

  /** `value` is the decimal text the caller sent; it is parsed exactly, never rounded. */
  async execute(userId: UserId, value: string): Promise<number> {
    const current = Counter.parse(value);
    await this.counters.set(userId, current);
    return current;
  }
}
