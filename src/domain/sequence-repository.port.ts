import { IssuedRange, Sequence } from './sequence';
import { UserId } from './user';

export interface IssueRequest {
  readonly count: number;
  /** The largest value the sequence may reach; a range that would pass it is refused whole. */
  readonly limit: number;
  /** When given, the range and this key are stored in one atomic step (see `issue`). */
  readonly idempotencyKey?: string;
  readonly now: Date;
}

export interface Issue {
  /** The sequence as the range left it: its value is the range's last integer. */
  readonly sequence: Sequence;
  readonly issued: IssuedRange;
  /** True when the idempotency key had been used already and this is its original answer again. */
  readonly replayed: boolean;
}

/**
 * An account's named sequences. Every operation on one sequence is a single atomic storage
 * step; none reads and then writes. `default` exists for every account, stored or not.
 */
export interface SequenceRepository {
  /** Throws SequenceExists, or TooManySequences when the account would hold more than `maxPerAccount`. */
  create(userId: UserId, name: string, value: number, options: { readonly now: Date; readonly maxPerAccount: number }): Promise<Sequence>;
  /** null for an unknown name; never for `default`. */
  get(userId: UserId, name: string): Promise<Sequence | null>;
  /** Up to `size` sequences whose names sort after `after`, in name order (`default` among them). */
  list(userId: UserId, page: { readonly after?: string; readonly size: number }): Promise<Sequence[]>;
  /** False when there was no such sequence. Callers keep `default` from being deleted. */
  delete(userId: UserId, name: string): Promise<boolean>;
  /**
   * Hands out `count` consecutive integers, all or nothing. Throws SequenceNotFound, or
   * SequenceExhausted when the range would pass `limit`. With an idempotency key (scoped to
   * the account, kept at least IdempotencyKey.RETENTION_MS): a key seen before with the same
   * sequence and count returns its original range, replayed, and hands out nothing; with
   * another sequence or count it throws IdempotencyKeyReused.
   */
  issue(userId: UserId, name: string, request: IssueRequest): Promise<Issue>;
  /**
   * Sets the value. With `expected`, only if the value still is one of `expected` (none, when
   * it is empty), compared and written in one step; otherwise throws PreconditionFailed naming
   * the value found.
   * Throws SequenceNotFound for an unknown name.
   */
  set(userId: UserId, name: string, value: number, condition: { readonly expected?: readonly number[]; readonly now: Date }): Promise<Sequence>;
  /** Forgets every sequence and idempotency key of the account (account deletion). */
  deleteAllOf(userId: UserId): Promise<void>;
}
