import { CounterRepository } from '../domain/counter-repository.port';
import { UserId } from '../domain/user';

export class CurrentInteger {
  constructor(private readonly counters: CounterRepository) {}

  execute(userId: UserId): Promise<number> {
    return this.counters.current(userId);
  }
}
