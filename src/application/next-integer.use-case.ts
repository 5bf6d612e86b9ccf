import { Clock } from '../domain/clock.port';
import { Counter } from '../domain/counter';
import { IdempotencyKey, IssueCount, SequenceName } from '../domain/sequence';
import { Issue, SequenceRepository } from '../domain/sequence-repository.port';
import { UserId } from '../domain/user';

export interface NextRequest {
  /** The sequence's name as the caller wrote it; `default` when absent. */
  readonly sequence?: unknown;
  /** The decimal text of how many integers to hand out; one when absent. */
  readonly count?: string;
  readonly idempotencyKey?: string;
}

/** Hands out the next integer, or a contiguous range of them, of one of the caller's sequences. */
export class NextInteger {
  constructor(
    private readonly sequences: SequenceRepository,
    private readonly clock: Clock,
  ) {}

  async execute(userId: UserId, request: NextRequest = {}): Promise<Issue> {
    const name = request.sequence === undefined ? SequenceName.DEFAULT : SequenceName.parse(request.sequence);
    const count = request.count === undefined ? IssueCount.DEFAULT : IssueCount.parse(request.count);
    const idempotencyKey = request.idempotencyKey === undefined ? undefined : IdempotencyKey.parse(request.idempotencyKey);
    return this.sequences.issue(userId, name, { count, limit: Counter.MAX_VALUE, idempotencyKey, now: this.clock.now() });
  }
}
