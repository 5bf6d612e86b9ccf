import { Counter } from '../domain/counter';
import { CounterRepository } from '../domain/counter-repository.port';
import { SequenceExhausted } from '../domain/errors';
import { UserId } from '../domain/user';

export class NextInteger {
  constructor(private readonly counters: CounterRepository) {}

  async execute(userId: UserId): Promise<number> {
    const value = await this.counters.increment(userId, Counter.MAX_VALUE);
    if (value === null) throw new SequenceExhausted(Counter.MAX_VALUE);
    return value;
  }
}
