import { Collection, Db } from 'mongodb';
import { Counter } from '../../../domain/counter';
import { CounterRepository } from '../../../domain/counter-repository.port';
import { UserId } from '../../../domain/user';
import { isDuplicateKeyError, translateMongoError, withinTimeout } from './mongo-errors';

export const COUNTERS_COLLECTION = 'incremental_counter';

/**
 * One document per user, keyed by the user id. Values are stored as BSON numbers:
 * doubles hold every integer up to 2^53-1 exactly, which is the domain's ceiling.
 */
export interface CounterDocument {
  _id: string;
  value: number;
}

export class MongoCounterRepository implements CounterRepository {
  private readonly counters: Collection<CounterDocument>;

  constructor(
    db: Db,
    private readonly timeoutMs = 1000,
  ) {
    this.counters = db.collection<CounterDocument>(COUNTERS_COLLECTION);
  }

  increment(userId: UserId, limit: number): Promise<number | null> {
    return withinTimeout(this.timeoutMs, 'write', () => this.incrementNow(userId, limit));
  }

  private async incrementNow(userId: UserId, limit: number): Promise<number | null> {
    // One findOneAndUpdate with $inc: the server applies it atomically, so concurrent
    // callers on any number of replicas each get their own value. The filter refuses
    // the increment at the limit; the upsert creates a counter on its first use.
    const filter = { _id: userId, value: { $lt: limit } };
    const update = { $inc: { value: 1 } };
    // The upsert copies only _id from the filter and stores 1, so it may run only where 1 is
    // within the limit: at a limit of 0 a counter never written must stay unwritten.
    if (limit >= Counter.INITIAL_VALUE + 1) {
      try {
        const counter = await this.counters.findOneAndUpdate(filter, update, {
          upsert: true,
          returnDocument: 'after',
        });
        return counter!.value;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw translateMongoError(error, 'write');
      }
    }
    // A duplicate _id means the document exists but the filter missed it: either it sits
    // at the limit, or a concurrent first increment created it a moment ago. Without the
    // upsert, the same update now tells the two apart.
    try {
      const counter = await this.counters.findOneAndUpdate(filter, update, { returnDocument: 'after' });
      return counter ? counter.value : null;
    } catch (error) {
      throw translateMongoError(error, 'write');
    }
  }

  current(userId: UserId): Promise<number> {
    return withinTimeout(this.timeoutMs, 'read', async () => {
      try {
        const counter = await this.counters.findOne({ _id: userId });
        return counter ? counter.value : Counter.INITIAL_VALUE;
      } catch (error) {
        throw translateMongoError(error);
      }
    });
  }

  set(userId: UserId, value: number): Promise<void> {
    return withinTimeout(this.timeoutMs, 'write', async () => {
      try {
        await this.counters.updateOne({ _id: userId }, { $set: { value } }, { upsert: true });
      } catch (error) {
        throw translateMongoError(error, 'write');
      }
    });
  }

  deleteAllOf(userId: UserId): Promise<void> {
    return withinTimeout(this.timeoutMs, 'write', async () => {
      try {
        await this.counters.deleteOne({ _id: userId });
      } catch (error) {
        throw translateMongoError(error, 'write');
      }
    });
  }
}
