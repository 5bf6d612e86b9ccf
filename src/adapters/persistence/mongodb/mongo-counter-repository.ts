import { Collection, Db } from 'mongodb';
import { Counter } from '../../../domain/counter';
import { CounterRepository } from '../../../domain/counter-repository.port';
import { UserId } from '../../../domain/user';
import { isDuplicateKeyError, translateMongoError } from './mongo-errors';

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

  constructor(db: Db) {
    this.counters = db.collection<CounterDocument>(COUNTERS_COLLECTION);
  }

  async increment(userId: UserId, limit: number): Promise<number | null> {
    // One findOneAndUpdate with $inc: the server applies it atomically, so concurrent
    // callers on any number of replicas each get their own value. The filter refuses
    // the increment at the limit; the upsert creates a counter on its first use.
    const filter = { _id: userId, value: { $lt: limit } };
    const update = { $inc: { value: 1 } };
    try {
      const counter = await this.counters.findOneAndUpdate(filter, update, {
        upsert: true,
        returnDocument: 'after',
      });
      return counter!.value;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw translateMongoError(error);
    }
    // A duplicate _id means the document exists but the filter missed it: either it sits
    // at the limit, or a concurrent first increment created it a moment ago. Without the
    // upsert, the same update now tells the two apart.
    try {
      const counter = await this.counters.findOneAndUpdate(filter, update, { returnDocument: 'after' });
      return counter ? counter.value : null;
    } catch (error) {
      throw translateMongoError(error);
    }
  }

  async current(userId: UserId): Promise<number> {
    try {
      const counter = await this.counters.findOne({ _id: userId });
      return counter ? counter.value : Counter.INITIAL_VALUE;
    } catch (error) {
      throw translateMongoError(error);
    }
  }

  async set(userId: UserId, value: number): Promise<void> {
    try {
      await this.counters.updateOne({ _id: userId }, { $set: { value } }, { upsert: true });
    } catch (error) {
      throw translateMongoError(error);
    }
  }

  async deleteAllOf(userId: UserId): Promise<void> {
    try {
      await this.counters.deleteOne({ _id: userId });
    } catch (error) {
      throw translateMongoError(error);
    }
  }
}
