import { Clock } from '../domain/clock.port';
import { Counter } from '../domain/counter';
import { Sequence, SequenceName } from '../domain/sequence';
import { SequenceRepository } from '../domain/sequence-repository.port';
import { UserId } from '../domain/user';

export interface ResetOptions {
  /** The sequence's name as the caller wrote it; `default` when absent. */
  readonly sequence?: unknown;
  /** Set only if the value still is one of these (If-Match); unconditionally when absent. */
  readonly expected?: readonly number[];
  /** The input field the value came from, named in the error if it is invalid. */
  readonly valueField?: string;
}

export class ResetInteger {
  constructor(
    private readonly sequences: SequenceRepository,
    private readonly clock: Clock,
  ) {}

  /** `value` is the decimal text the caller sent; it is parsed exactly, never rounded. */
  async execute(userId: UserId, value: string, options: ResetOptions = {}): Promise<Sequence> {
    const name = options.sequence === undefined ? SequenceName.DEFAULT : SequenceName.parse(options.sequence);
    const target = Counter.parse(value, options.valueField);
    return this.sequences.set(userId, name, target, { expected: options.expected, now: this.clock.now() });
  }
}
