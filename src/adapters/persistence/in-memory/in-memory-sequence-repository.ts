import {
  IdempotencyKeyReused,
  PreconditionFailed,
  SequenceExhausted,
  SequenceExists,
  SequenceNotFound,
  TooManySequences,
} from '../../../domain/errors';
import { IdempotencyKey, IssuedRange, Sequence, SequenceName, Sequences } from '../../../domain/sequence';
import { Issue, IssueRequest, SequenceRepository } from '../../../domain/sequence-repository.port';
import { UserId } from '../../../domain/user';

interface KeyRecord {
  readonly sequence: Sequence;
  readonly issued: IssuedRange;
  readonly at: number;
}

/**
 * Sequences in process memory. Each operation runs to completion on the event loop without
 * awaiting, so it is atomic, as one storage operation is in the real stores.
 */
export class InMemorySequenceRepository implements SequenceRepository {
  private readonly accounts = new Map<UserId, Map<string, Sequence>>();
  private readonly keys = new Map<UserId, Map<string, KeyRecord>>();

  async create(userId: UserId, name: string, value: number, options: { now: Date; maxPerAccount: number }): Promise<Sequence> {
    const sequences = this.sequencesOf(userId);
    if (name === SequenceName.DEFAULT || sequences.has(name)) throw new SequenceExists(name);
    // `default` counts whether it is stored or not.
    const held = sequences.size + (sequences.has(SequenceName.DEFAULT) ? 0 : 1);
    if (held >= options.maxPerAccount) throw new TooManySequences(options.maxPerAccount);
    const sequence = { name, value, createdAt: options.now, updatedAt: options.now };
    sequences.set(name, sequence);
    return copy(sequence);
  }

  async get(userId: UserId, name: string): Promise<Sequence | null> {
    const sequence = this.find(userId, name);
    return sequence ? copy(sequence) : null;
  }

  async list(userId: UserId, page: { after?: string; size: number }): Promise<Sequence[]> {
    const names = new Set([SequenceName.DEFAULT, ...this.sequencesOf(userId).keys()]);
    return [...names]
      .filter((name) => page.after === undefined || name > page.after)
      .sort()
      .slice(0, page.size)
      .map((name) => copy(this.find(userId, name)!));
  }

  async delete(userId: UserId, name: string): Promise<boolean> {
    return this.sequencesOf(userId).delete(name);
  }

  async issue(userId: UserId, name: string, request: IssueRequest): Promise<Issue> {
    const keys = this.keysOf(userId, request.now);
    const recorded = request.idempotencyKey === undefined ? undefined : keys.get(request.idempotencyKey);
    if (recorded) {
      if (recorded.sequence.name !== name || recorded.issued.count !== request.count) throw new IdempotencyKeyReused();
      return { sequence: copy(recorded.sequence), issued: { ...recorded.issued }, replayed: true };
    }
    const current = this.find(userId, name);
    if (!current) throw new SequenceNotFound(name);
    if (current.value > request.limit - request.count) throw new SequenceExhausted(request.limit, request.count);
    const sequence = this.store(userId, current, current.value + request.count, request.now);
    const issued = { first: current.value + 1, last: sequence.value, count: request.count };
    if (request.idempotencyKey !== undefined) keys.set(request.idempotencyKey, { sequence, issued, at: request.now.getTime() });
    return { sequence: copy(sequence), issued: { ...issued }, replayed: false };
  }

  async set(userId: UserId, name: string, value: number, condition: { expected?: readonly number[]; now: Date }): Promise<Sequence> {
    const current = this.find(userId, name);
    if (!current) throw new SequenceNotFound(name);
    if (condition.expected !== undefined && !condition.expected.includes(current.value)) {
      throw new PreconditionFailed(current.value, condition.expected);
    }
    return copy(this.store(userId, current, value, condition.now));
  }

  async deleteAllOf(userId: UserId): Promise<void> {
    this.accounts.delete(userId);
    this.keys.delete(userId);
  }

  /** The stored sequence, or the untouched `default` every account has. */
  private find(userId: UserId, name: string): Sequence | undefined {
    const stored = this.accounts.get(userId)?.get(name);
    if (stored || name !== SequenceName.DEFAULT) return stored;
    return Sequences.untouchedDefault();
  }

  private store(userId: UserId, current: Sequence, value: number, now: Date): Sequence {
    const sequence = { name: current.name, value, createdAt: current.createdAt ?? now, updatedAt: now };
    this.sequencesOf(userId).set(current.name, sequence);
    return sequence;
  }

  private sequencesOf(userId: UserId): Map<string, Sequence> {
    let sequences = this.accounts.get(userId);
    if (!sequences) this.accounts.set(userId, (sequences = new Map()));
    return sequences;
  }

  /** The account's keys, without those past their retention. */
  private keysOf(userId: UserId, now: Date): Map<string, KeyRecord> {
    let keys = this.keys.get(userId);
    if (!keys) this.keys.set(userId, (keys = new Map()));
    // Keys are kept in the order they were recorded, so the expired ones come first.
    for (const [key, record] of keys) {
      if (now.getTime() - record.at <= IdempotencyKey.RETENTION_MS) break;
      keys.delete(key);
    }
    return keys;
  }
}

/** Copies in and out, so nobody can change a stored sequence by keeping a reference. */
function copy(sequence: Sequence): Sequence {
  return {
    ...sequence,
    createdAt: sequence.createdAt && new Date(sequence.createdAt),
    updatedAt: sequence.updatedAt && new Date(sequence.updatedAt),
  };
}
