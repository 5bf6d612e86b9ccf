import { expect } from 'chai';
import { Db, MongoNetworkError, MongoServerError } from 'mongodb';
import sinon from 'sinon';
import { moveApiKeyStoredInUser, moveApiKeysOutOfUsers } from '../../src/adapters/persistence/mongodb/mongo-api-key-migration';
import { MongoApiKeyRepository } from '../../src/adapters/persistence/mongodb/mongo-api-key-repository';
import { ensureRateLimitIndexes, MongoRateLimiter } from '../../src/adapters/persistence/mongodb/mongo-rate-limiter';
import { StorageUnavailable, TooManyRequests } from '../../src/domain/errors';
import { anApiKey } from '../support/builders';

/** A cursor over `documents`, as find() returns it: toArray, sort, and for await. */
function cursor(documents: object[]) {
  const stub = {
    sort: sinon.stub(),
    toArray: sinon.stub().resolves(documents),
    async *[Symbol.asyncIterator]() {
      yield* documents;
    },
  };
  stub.sort.returns(stub);
  return stub;
}

function collectionStub() {
  return {
    find: sinon.stub().returns(cursor([])),
    findOne: sinon.stub(),
    findOneAndUpdate: sinon.stub(),
    findOneAndDelete: sinon.stub(),
    insertOne: sinon.stub().resolves({ acknowledged: true }),
    updateOne: sinon.stub().resolves({ matchedCount: 1, modifiedCount: 1 }),
    deleteMany: sinon.stub().resolves({ deletedCount: 0 }),
    countDocuments: sinon.stub(),
    createIndexes: sinon.stub().resolves([]),
    createIndex: sinon.stub().resolves('name'),
    dropIndex: sinon.stub().resolves({ ok: 1 }),
    // Every unique index there: the repositories check before writes that rely on them.
    indexes: sinon.stub().resolves(['_id_', 'email_unique', 'digest_unique', 'user_slot_unique'].map((name) => ({ name }))),
  };
}

/** A Db handing out one stubbed collection per name. */
function stubbedDb() {
  const collections = new Map<string, ReturnType<typeof collectionStub>>();
  const of = (name: string) => {
    if (!collections.has(name)) collections.set(name, collectionStub());
    return collections.get(name)!;
  };
  const db = { collection: sinon.stub().callsFake(of) };
  return { db: db as unknown as Db, of };
}

const duplicateKey = (keyPattern: Record<string, number>) =>
  new MongoServerError({ message: 'E11000 duplicate key error', code: 11000, keyPattern });

describe('MongoApiKeyRepository, at the driver level', () => {
  it('creates a unique index on the digest and a unique (userId, slot) index that also serves listing by user', async () => {
    const { db, of } = stubbedDb();
    await new MongoApiKeyRepository(db).ensureIndexes();
    expect(of('api_keys').createIndexes.firstCall.args).to.deep.equal([
      [
        { key: { digest: 1 }, name: 'digest_unique', unique: true },
        { key: { userId: 1, slot: 1 }, name: 'user_slot_unique', unique: true },
      ],
    ]);
  });

  it('adds a key in a free slot: the slots taken are read, one free slot is inserted with the key', async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    keys.find.returns(cursor([{ slot: 0 }, { slot: 2 }]));
    const key = anApiKey();
    expect(await new MongoApiKeyRepository(db).addWithinLimit(key, 3)).to.equal(true);
    expect(keys.find.firstCall.args).to.deep.equal([{ userId: key.userId }, { projection: { slot: 1 } }]);
    const { id, ...fields } = key;
    expect(keys.insertOne.firstCall.args).to.deep.equal([{ _id: id, slot: 1, ...fields }]);
  });

  it('stores nothing when every slot is taken', async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    keys.find.returns(cursor([{ slot: 0 }, { slot: 1 }, { slot: 2 }]));
    expect(await new MongoApiKeyRepository(db).addWithinLimit(anApiKey(), 3)).to.equal(false);
    expect(keys.insertOne.called).to.equal(false);
  });

  it('tries another slot when a concurrent add took the chosen one, and stops when none is left', async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    keys.find.onFirstCall().returns(cursor([{ slot: 0 }]));
    keys.find.onSecondCall().returns(cursor([{ slot: 0 }, { slot: 1 }]));
    keys.insertOne.onFirstCall().rejects(duplicateKey({ userId: 1, slot: 1 }));
    expect(await new MongoApiKeyRepository(db).addWithinLimit(anApiKey(), 2)).to.equal(false);
    expect(keys.insertOne.callCount).to.equal(1);
    expect(keys.find.callCount).to.equal(2);
  });

  it('lets a duplicate digest through as an error, not as a lost slot race', async () => {
    const { db, of } = stubbedDb();
    const error = duplicateKey({ digest: 1 });
    of('api_keys').insertOne.rejects(error);
    expect(await new MongoApiKeyRepository(db).addWithinLimit(anApiKey(), 20).catch((e: unknown) => e)).to.equal(error);
  });

  it('finds by digest and lists by user newest first, mapping documents back without the slot', async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    const key = anApiKey();
    const { id, ...fields } = key;
    keys.findOne.resolves({ _id: id, slot: 4, ...fields });
    keys.find.returns(cursor([{ _id: id, slot: 4, ...fields }]));
    const repository = new MongoApiKeyRepository(db);
    expect(await repository.findByDigest(key.digest)).to.deep.equal(key);
    expect(keys.findOne.firstCall.args).to.deep.equal([{ digest: key.digest }]);
    expect(await repository.listByUser('ada')).to.deep.equal([key]);
    expect(keys.find.firstCall.args).to.deep.equal([{ userId: 'ada' }]);
  });

  it('asks about a digest it does not hold, and finds the key once it has been moved there', async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    const key = anApiKey();
    const { id, ...fields } = key;
    keys.findOne.onFirstCall().resolves(null);
    keys.findOne.onSecondCall().resolves({ _id: id, slot: 0, ...fields });
    const moveStoredElsewhere = sinon.stub().resolves(true);
    expect(await new MongoApiKeyRepository(db, 1000, moveStoredElsewhere).findByDigest(key.digest)).to.deep.equal(key);
    expect(moveStoredElsewhere.firstCall.args).to.deep.equal([key.digest]);
    keys.findOne.resolves(null);
    moveStoredElsewhere.resolves(false);
    expect(await new MongoApiKeyRepository(db, 1000, moveStoredElsewhere).findByDigest('unknown')).to.equal(null);
    expect(keys.findOne.callCount).to.equal(3);
  });

  it("revokes with findOneAndDelete on the key's id and user, and keeps the deletion when a key is left", async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    keys.findOneAndDelete.resolves({ _id: 'k1', userId: 'ada', slot: 3 });
    keys.countDocuments.resolves(1);
    expect(await new MongoApiKeyRepository(db).revoke('ada', 'k1')).to.equal('revoked');
    expect(keys.findOneAndDelete.firstCall.args).to.deep.equal([{ _id: 'k1', userId: 'ada' }]);
    expect(keys.countDocuments.firstCall.args).to.deep.equal([{ userId: 'ada' }, { limit: 1 }]);
    expect(keys.insertOne.called).to.equal(false);
  });

  it('answers not_found when no key of that id belongs to the user', async () => {
    const { db, of } = stubbedDb();
    of('api_keys').findOneAndDelete.resolves(null);
    expect(await new MongoApiKeyRepository(db).revoke('grace', 'k1')).to.equal('not_found');
    expect(of('api_keys').countDocuments.called).to.equal(false);
  });

  it('puts the last key back, as it was, and answers last_key', async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    const document = { _id: 'k1', userId: 'ada', slot: 0, digest: 'd', label: null, prefix: 'abcdefgh', createdAt: new Date(), lastUsedAt: null };
    keys.findOneAndDelete.resolves(document);
    keys.countDocuments.resolves(0);
    expect(await new MongoApiKeyRepository(db).revoke('ada', 'k1')).to.equal('last_key');
    expect(keys.insertOne.firstCall.args).to.deep.equal([document]);
  });

  it('keeps the revocation when a concurrent add filled the freed slot before the key could be put back', async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    keys.findOneAndDelete.resolves({ _id: 'k1', userId: 'ada', slot: 0 });
    keys.countDocuments.resolves(0);
    keys.insertOne.rejects(duplicateKey({ userId: 1, slot: 1 }));
    expect(await new MongoApiKeyRepository(db).revoke('ada', 'k1')).to.equal('revoked');
  });

  it('records a use with one updateOne whose filter matches only a stale use or a missing prefix', async () => {
    const { db, of } = stubbedDb();
    const at = new Date('2026-01-05T10:01:00.000Z');
    const since = new Date('2026-01-05T10:00:00.000Z');
    await new MongoApiKeyRepository(db).recordUse('k1', 'abcdefgh', at, since);
    expect(of('api_keys').updateOne.firstCall.args).to.deep.equal([
      { _id: 'k1', $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: since } }, { prefix: null }] },
      [
        {
          $set: {
            lastUsedAt: { $cond: [{ $lt: [{ $ifNull: ['$lastUsedAt', new Date(0)] }, since] }, at, '$lastUsedAt'] },
            prefix: { $ifNull: ['$prefix', 'abcdefgh'] },
          },
        },
      ],
    ]);
  });

  it("deletes an account's keys with one deleteMany by user, and reports a lost connection as StorageUnavailable", async () => {
    const { db, of } = stubbedDb();
    const keys = of('api_keys');
    const repository = new MongoApiKeyRepository(db);
    await repository.revokeAllOf('ada');
    expect(keys.deleteMany.firstCall.args).to.deep.equal([{ userId: 'ada' }]);
    keys.findOne.rejects(new MongoNetworkError('connection reset'));
    expect(await repository.findByDigest('d').catch((e: unknown) => e)).to.be.instanceOf(StorageUnavailable);
  });
});

describe('Moving API keys out of users (MongoDB start-up migration), at the driver level', () => {
  const createdAt = new Date('2025-06-01T00:00:00.000Z');

  it("claims each user's key by renaming the field, copies it into api_keys with an upsert on the user's id, then drops the claim", async () => {
    const { db, of } = stubbedDb();
    const users = of('users');
    const keys = of('api_keys');
    users.find.returns(cursor([{ _id: 'u1', createdAt, apiKeyDigest: 'd1' }]));
    expect(await moveApiKeysOutOfUsers(db)).to.equal(1);
    expect(users.dropIndex.firstCall.args).to.deep.equal(['api_key_digest_unique']);
    expect(users.createIndexes.firstCall.args).to.deep.equal([[{ key: { apiKeyDigest: 1 }, name: 'api_key_digest_not_moved', sparse: true }]]);
    expect(users.find.firstCall.args[0]).to.deep.equal({
      $or: [{ apiKeyDigest: { $exists: true } }, { movingApiKeyDigest: { $exists: true } }],
    });
    expect(users.updateOne.firstCall.args).to.deep.equal([
      { _id: 'u1', apiKeyDigest: 'd1' },
      { $rename: { apiKeyDigest: 'movingApiKeyDigest' } },
    ]);
    expect(keys.updateOne.firstCall.args).to.deep.equal([
      { _id: 'u1' },
      { $setOnInsert: { userId: 'u1', slot: 0, label: null, prefix: null, digest: 'd1', createdAt, lastUsedAt: null } },
      { upsert: true },
    ]);
    expect(users.updateOne.secondCall.args).to.deep.equal([
      { _id: 'u1', movingApiKeyDigest: 'd1' },
      { $unset: { movingApiKeyDigest: '' } },
    ]);
    // The index went before any field did: unique on a missing field, two moved users would collide.
    expect(users.dropIndex.calledBefore(users.updateOne)).to.equal(true);
  });

  it('leaves a user another replica claimed first to that replica', async () => {
    const { db, of } = stubbedDb();
    const users = of('users');
    users.find.returns(cursor([{ _id: 'u1', createdAt, apiKeyDigest: 'd1' }]));
    users.updateOne.resolves({ matchedCount: 0, modifiedCount: 0 });
    expect(await moveApiKeysOutOfUsers(db)).to.equal(0);
    expect(of('api_keys').updateOne.called).to.equal(false);
  });

  it('finishes a move a stopped replica left claimed, and takes a key copied already as done', async () => {
    const { db, of } = stubbedDb();
    const users = of('users');
    users.find.returns(cursor([{ _id: 'u1', createdAt, movingApiKeyDigest: 'd1' }]));
    of('api_keys').updateOne.rejects(duplicateKey({ _id: 1 }));
    expect(await moveApiKeysOutOfUsers(db)).to.equal(1);
    expect(users.updateOne.callCount).to.equal(1);
    expect(users.updateOne.firstCall.args).to.deep.equal([{ _id: 'u1', movingApiKeyDigest: 'd1' }, { $unset: { movingApiKeyDigest: '' } }]);
  });

  it('does nothing, without failing, once done: no old index, nobody left to move', async () => {
    const { db, of } = stubbedDb();
    of('users').dropIndex.rejects(new MongoServerError({ message: 'index not found with name [api_key_digest_unique]', code: 27 }));
    expect(await moveApiKeysOutOfUsers(db)).to.equal(0);
    expect(of('api_keys').updateOne.called).to.equal(false);
  });

  it('moves one key found by its digest in users, for a key the previous release issued after the start-up move', async () => {
    const { db, of } = stubbedDb();
    const users = of('users');
    users.findOne.resolves({ _id: 'u9', createdAt, apiKeyDigest: 'd9' });
    expect(await moveApiKeyStoredInUser(db, 'd9')).to.equal(true);
    expect(users.findOne.firstCall.args).to.deep.equal([{ apiKeyDigest: 'd9' }, { projection: { createdAt: 1, apiKeyDigest: 1 } }]);
    expect(of('api_keys').updateOne.firstCall.args[0]).to.deep.equal({ _id: 'u9' });
    users.findOne.resolves(null);
    expect(await moveApiKeyStoredInUser(db, 'unknown')).to.equal(false);
  });

  it('stops start-up on any other error', async () => {
    const { db, of } = stubbedDb();
    of('users').dropIndex.rejects(new MongoNetworkError('connection reset'));
    expect(await moveApiKeysOutOfUsers(db).catch((e: unknown) => e)).to.be.instanceOf(StorageUnavailable);
  });
});

describe('MongoRateLimiter, at the driver level', () => {
  it('counts in rate_limits with one findOneAndUpdate $inc per attempt, and creates no index on its own', async () => {
    const { db, of } = stubbedDb();
    const limits = of('rate_limits');
    limits.findOneAndUpdate.resolves({ key: 'failed_passwords_account:ada', points: 1, expire: new Date(Date.now() + 900_000) });
    await new MongoRateLimiter(db, { name: 'failed_passwords_account', points: 5, durationSeconds: 900 }).consume('ada');
    const [filter, update, options] = limits.findOneAndUpdate.firstCall.args;
    expect(filter.key).to.equal('failed_passwords_account:ada');
    expect(update.$inc).to.deep.equal({ points: 1 });
    expect(options).to.deep.equal({ upsert: true, returnDocument: 'after' });
    expect(limits.createIndex.called).to.equal(false);
  });

  it('answers TooManyRequests with the seconds left once the count passes the limit', async () => {
    const { db, of } = stubbedDb();
    of('rate_limits').findOneAndUpdate.resolves({ key: 'x:ada', points: 6, expire: new Date(Date.now() + 120_500) });
    const error = await new MongoRateLimiter(db, { name: 'x', points: 5, durationSeconds: 900 }).consume('ada').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TooManyRequests);
    expect((error as TooManyRequests).retryAfterSeconds).to.be.oneOf([120, 121]);
  });

  it('reports a lost connection as StorageUnavailable', async () => {
    const { db, of } = stubbedDb();
    of('rate_limits').findOneAndUpdate.rejects(new MongoNetworkError('connection reset'));
    const error = await new MongoRateLimiter(db, { name: 'x', points: 5, durationSeconds: 900 }).consume('ada').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(StorageUnavailable);
  });

  it('creates, at start-up, a TTL index on the end of the window and a unique index on the key', async () => {
    const { db, of } = stubbedDb();
    await ensureRateLimitIndexes(db);
    expect(of('rate_limits').createIndex.args).to.deep.equal([
      [{ expire: -1 }, { expireAfterSeconds: 0 }],
      [{ key: 1 }, { unique: true }],
    ]);
  });
});
