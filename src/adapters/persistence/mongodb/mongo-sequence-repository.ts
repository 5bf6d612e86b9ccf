import { ClientSession, Collection, Db, MongoClient, MongoError } from 'mongodb';
import { Counter } from '../../../domain/counter';
import {
  IdempotencyKeyInUse,
  IdempotencyKeyReused,
  IdempotencyUnsupported,
  PreconditionFailed,
  SequenceExhausted,
  SequenceExists,
  SequenceNotFound,
  TooManySequences,
} from '../../../domain/errors';
import { IdempotencyKey, Sequence, SequenceName, Sequences } from '../../../domain/sequence';
import { Issue, IssueRequest, SequenceRepository } from '../../../domain/sequence-repository.port';
import { UserId } from '../../../domain/user';
import { isDuplicateKeyError, isTransactionUnsupported, translateMongoError, withinTimeout } from './mongo-errors';

export const COUNTERS_COLLECTION = 'incremental_counter';
export const IDEMPOTENCY_KEYS_COLLECTION = 'idempotency_keys';

/**
 * One document per (account, sequence). An account's `default` keeps the shape and `_id` (the
 * user id) that releases before named sequences read and `$inc`, so during a rolling upgrade
 * old and new replicas increment the very same document. Other sequences live under
 * `<userId>/<name>` ('/' occurs in neither a user id nor a name), with `userId` and `name`
 * under a unique index on the pair; the partial filter leaves the default documents, which
 * old replicas create without those fields, out of it.
 * Values are BSON numbers: doubles hold every integer up to 2^53-1 exactly, the domain's ceiling.
 */
export interface SequenceDocument {
  _id: string;
  value: number;
  userId?: string;
  name?: string;
  /** Absent on documents last written by a release before named sequences. */
  createdAt?: Date;
  updatedAt?: Date;
}

/** The record of an idempotent `next`: its account and key in `_id` (`<userId>/<key>`), and its answer. */
export interface IdempotencyKeyDocument {
  _id: string;
  sequence: string;
  first: number;
  last: number;
  count: number;
  sequenceCreatedAt: Date;
  issuedAt: Date;
}

export class MongoSequenceRepository implements SequenceRepository {
  private readonly client: MongoClient;
  private readonly counters: Collection<SequenceDocument>;
  private readonly keys: Collection<IdempotencyKeyDocument>;

  constructor(
    db: Db,
    /** STORAGE_TIMEOUT_MS: a request gets its 503 after this long rather than wait for the driver. */
    private readonly timeoutMs = 1000,
  ) {
    this.client = db.client;
    this.counters = db.collection<SequenceDocument>(COUNTERS_COLLECTION);
    this.keys = db.collection<IdempotencyKeyDocument>(IDEMPOTENCY_KEYS_COLLECTION);
  }

  /** Created at start-up, idempotently; also creates both collections, which a transaction cannot do on servers before 4.4. */
  async ensureIndexes(): Promise<void> {
    await this.counters.createIndexes([
      {
        key: { userId: 1, name: 1 },
        name: 'user_sequence_unique',
        unique: true,
        partialFilterExpression: { userId: { $exists: true } },
      },
    ]);
    // The TTL monitor removes a key some time after its retention, never before.
    await this.keys.createIndexes([
      { key: { issuedAt: 1 }, name: 'expire_after_retention', expireAfterSeconds: IdempotencyKey.RETENTION_MS / 1000 },
    ]);
  }

  create(userId: UserId, name: string, value: number, options: { now: Date; maxPerAccount: number }): Promise<Sequence> {
    return withinTimeout(this.timeoutMs, 'write', () => this.createNow(userId, name, value, options));
  }

  private async createNow(userId: UserId, name: string, value: number, options: { now: Date; maxPerAccount: number }): Promise<Sequence> {
    if (name === SequenceName.DEFAULT) throw new SequenceExists(name);
    const document: SequenceDocument = { _id: idOf(userId, name), userId, name, value, createdAt: options.now, updatedAt: options.now };
    try {
      await this.counters.insertOne(document);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new SequenceExists(name);
      throw translateMongoError(error, 'write');
    }
    // Inserted first, counted after: of concurrent creations past the bound, each sees the
    // others and withdraws, so the bound holds without a transaction (at worst both withdraw).
    try {
      const named = await this.counters.countDocuments(namedOf(userId));
      if (named + 1 > options.maxPerAccount) {
        await this.counters.deleteOne({ _id: document._id });
        throw new TooManySequences(options.maxPerAccount);
      }
    } catch (error) {
      throw translateMongoError(error, 'write');
    }
    return toSequence(name, document);
  }

  get(userId: UserId, name: string): Promise<Sequence | null> {
    return withinTimeout(this.timeoutMs, 'read', () => this.getNow(userId, name));
  }

  private async getNow(userId: UserId, name: string): Promise<Sequence | null> {
    try {
      const document = await this.counters.findOne({ _id: idOf(userId, name) });
      if (document) return toSequence(name, document);
      return name === SequenceName.DEFAULT ? Sequences.untouchedDefault() : null;
    } catch (error) {
      throw translateMongoError(error);
    }
  }

  list(userId: UserId, page: { after?: string; size: number }): Promise<Sequence[]> {
    return withinTimeout(this.timeoutMs, 'read', () => this.listNow(userId, page));
  }

  private async listNow(userId: UserId, page: { after?: string; size: number }): Promise<Sequence[]> {
    const after = page.after ?? '';
    try {
      // Named ids share the prefix `<userId>/`, so id order is name order and the _id index serves the page.
      const named = await this.counters
        .find({ _id: { $gt: idOf(userId, after), $lt: `${userId}0` } })
        .sort({ _id: 1 })
        .limit(page.size)
        .toArray();
      const sequences = named.map((document) => toSequence(document.name!, document));
      if (SequenceName.DEFAULT > after) {
        sequences.push((await this.getNow(userId, SequenceName.DEFAULT))!);
        sequences.sort((a, b) => (a.name < b.name ? -1 : 1));
      }
      return sequences.slice(0, page.size);
    } catch (error) {
      throw translateMongoError(error);
    }
  }

  delete(userId: UserId, name: string): Promise<boolean> {
    return withinTimeout(this.timeoutMs, 'write', async () => {
      try {
        const result = await this.counters.deleteOne({ _id: idOf(userId, name) });
        return result.deletedCount > 0;
      } catch (error) {
        throw translateMongoError(error, 'write');
      }
    });
  }

  issue(userId: UserId, name: string, request: IssueRequest): Promise<Issue> {
    return withinTimeout(this.timeoutMs, 'write', async () => {
      // Also keeps the upsert below from creating a default over the limit (it stores `count`).
      if (request.count > request.limit) throw new SequenceExhausted(request.limit, request.count);
      const { idempotencyKey } = request;
      try {
        if (idempotencyKey === undefined) return await this.advance(userId, name, request);
        return await this.issueOnce(userId, name, request, idempotencyKey);
      } catch (error) {
        throw translateMongoError(error, 'write');
      }
    });
  }

  set(userId: UserId, name: string, value: number, condition: { expected?: readonly number[]; now: Date }): Promise<Sequence> {
    return withinTimeout(this.timeoutMs, 'write', () => this.setNow(userId, name, value, condition));
  }

  private async setNow(userId: UserId, name: string, value: number, condition: { expected?: readonly number[]; now: Date }): Promise<Sequence> {
    const { expected, now } = condition;
    const _id = idOf(userId, name);
    // Compare and set in one findOneAndUpdate: the expected values are part of the filter.
    const filter = expected === undefined ? { _id } : { _id, value: { $in: [...expected] } };
    const update = { $set: { value, updatedAt: now }, $min: { createdAt: now } };
    // An untouched default reads 0: only a write that would succeed on 0 may create it.
    const mayCreate = name === SequenceName.DEFAULT && (expected === undefined || expected.includes(Counter.INITIAL_VALUE));
    try {
      const document = await this.updateOrCreate(filter, update, mayCreate);
      if (document) return toSequence(name, document);
      const stored = await this.counters.findOne({ _id });
      if (stored) throw new PreconditionFailed(stored.value, expected!);
      if (name === SequenceName.DEFAULT) throw new PreconditionFailed(Counter.INITIAL_VALUE, expected!);
      throw new SequenceNotFound(name);
    } catch (error) {
      throw translateMongoError(error, 'write');
    }
  }

  deleteAllOf(userId: UserId): Promise<void> {
    return withinTimeout(this.timeoutMs, 'write', async () => {
      try {
        await this.counters.deleteMany(namedOf(userId));
        await this.counters.deleteOne({ _id: userId });
        await this.keys.deleteMany(namedOf(userId));
      } catch (error) {
        throw translateMongoError(error, 'write');
      }
    });
  }

  /**
   * The range and the record of its key in one transaction: committed together or not at
   * all, on every member that acknowledges it. A concurrent request with the same key makes
   * one of the two transactions fail with a write conflict; the driver runs the loser again,
   * and it then finds the winner's record and replays it.
   */
  private async issueOnce(userId: UserId, name: string, request: IssueRequest, key: string): Promise<Issue> {
    const session = this.client.startSession();
    try {
      return await session.withTransaction(async () => {
        const recorded = await this.keys.findOne({ _id: `${userId}/${key}` }, { session });
        if (recorded) return replay(recorded, name, request.count);
        const issue = await this.advance(userId, name, request, session);
        await this.keys.insertOne(
          {
            _id: `${userId}/${key}`,
            sequence: name,
            ...issue.issued,
            sequenceCreatedAt: issue.sequence.createdAt!,
            issuedAt: request.now,
          },
          { session },
        );
        return issue;
      });
    } catch (error) {
      if (isTransactionUnsupported(error)) throw new IdempotencyUnsupported(error);
      // The driver gave up re-running after its 120 s: the key stayed contended all along.
      if (error instanceof MongoError && error.hasErrorLabel('TransientTransactionError')) throw new IdempotencyKeyInUse();
      throw error;
    } finally {
      await session.endSession();
    }
  }

  /** Hands out the range with one findOneAndUpdate; the headroom in the filter makes it all or nothing. */
  private async advance(userId: UserId, name: string, request: IssueRequest, session?: ClientSession): Promise<Issue> {
    const { count, limit, now } = request;
    const _id = idOf(userId, name);
    const filter = { _id, value: { $lte: limit - count } };
    const update = { $inc: { value: count }, $set: { updatedAt: now }, $min: { createdAt: now } };
    // Inside a transaction a failed upsert would abort it, so there the default is created by
    // an explicit insert below instead.
    let document = await this.updateOrCreate(filter, update, name === SequenceName.DEFAULT && !session, session);
    if (!document) {
      const stored = await this.counters.findOne({ _id }, { session, projection: { _id: 1 } });
      if (stored) throw new SequenceExhausted(limit, count);
      if (name !== SequenceName.DEFAULT) throw new SequenceNotFound(name);
      document = { _id, value: count, createdAt: now, updatedAt: now };
      await this.counters.insertOne(document, { session });
    }
    const issued = { first: document.value - count + 1, last: document.value, count };
    return { sequence: toSequence(name, document), issued, replayed: false };
  }

  /**
   * One findOneAndUpdate, creating the document when `create` allows. An upsert copies only
   * the filter's equality fields (`_id`, and an expected `value` when it is the only one) into
   * the new document; the update's `$set` then writes the value.
   * A duplicate _id means the document exists but the filter missed it (or a concurrent
   * first write created it a moment ago); without the upsert, the same update tells which.
   */
  private async updateOrCreate(
    filter: object,
    update: object,
    create: boolean,
    session?: ClientSession,
  ): Promise<SequenceDocument | null> {
    const options = { returnDocument: 'after' as const, ...(session ? { session } : {}) };
    if (create) {
      try {
        return await this.counters.findOneAndUpdate(filter, update, { ...options, upsert: true });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    return this.counters.findOneAndUpdate(filter, update, options);
  }
}

function idOf(userId: UserId, name: string): string {
  return name === SequenceName.DEFAULT ? userId : `${userId}/${name}`;
}

/** Every `<userId>/…` id of the account (named sequences, keys): they sort between `<userId>/` and `<userId>0`. */
function namedOf(userId: UserId) {
  return { _id: { $gt: `${userId}/`, $lt: `${userId}0` } };
}

function replay(document: IdempotencyKeyDocument, name: string, count: number): Issue {
  if (document.sequence !== name || document.count !== count) throw new IdempotencyKeyReused();
  return {
    sequence: { name, value: document.last, createdAt: document.sequenceCreatedAt, updatedAt: document.issuedAt },
    issued: { first: document.first, last: document.last, count },
    replayed: true,
  };
}

function toSequence(name: string, document: SequenceDocument): Sequence {
  return { name, value: document.value, createdAt: document.createdAt ?? null, updatedAt: document.updatedAt ?? null };
}
