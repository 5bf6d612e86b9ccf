import { Clock } from '../domain/clock.port';
import { Counter } from '../domain/counter';
import { Sequence, SequenceName } from '../domain/sequence';
import { SequenceRepository } from '../domain/sequence-repository.port';
import { UserId } from '../domain/user';

export class CreateSequence {
  constructor(
    private readonly sequences: SequenceRepository,
    private readonly clock: Clock,
    /** MAX_SEQUENCES: how many sequences, `default` included, one account may hold. */
    private readonly maxPerAccount: number,
  ) {}

  /** `value` is the decimal text of the starting value (0 when absent): its first `next` is value + 1. */
  async execute(userId: UserId, input: { readonly name: unknown; readonly value?: string }): Promise<Sequence> {
    const name = SequenceName.parse(input.name);
    const value = input.value === undefined ? Counter.INITIAL_VALUE : Counter.parse(input.value, 'value');
    // The store decides uniqueness and the per-account bound, so concurrent creations cannot both pass a check.
    return this.sequences.create(userId, name, value, { now: this.clock.now(), maxPerAccount: this.maxPerAccount });
  }
}
