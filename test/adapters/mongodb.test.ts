import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Db, MongoClient, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import sinon from 'sinon';
import { NodeCryptoApiKeyIssuer } from '../../src/adapters/crypto/node-crypto-api-key-issuer';
import { moveApiKeyStoredInUser, moveApiKeysOutOfUsers } from '../../src/adapters/persistence/mongodb/mongo-api-key-migration';
import { MongoApiKeyRepository } from '../../src/adapters/persistence/mongodb/mongo-api-key-repository';
import { SystemClock } from '../../src/adapters/system/system-clock';
import { Authenticate } from '../../src/application/authenticate.use-case';
import { ApiKey } from '../../src/domain/api-key';
import { ensureRateLimitIndexes, MongoRateLimiter } from '../../src/adapters/persistence/mongodb/mongo-rate-limiter';
import { mongoStartupError } from '../../src/adapters/persistence/mongodb/mongo-errors';
import { MongoSequenceRepository } from '../../src/adapters/persistence/mongodb/mongo-sequence-repository';
import { MongoStorageHealth, PingTimeout } from '../../src/adapters/persistence/mongodb/mongo-storage-health';
import { ensureAfterReconnection } from '../../src/adapters/persistence/mongodb/mongo-unique-indexes';
import { MongoUserRepository } from '../../src/adapters/persistence/mongodb/mongo-user-repository';
import {
  EmailAlreadyRegistered,
  IdempotencyKeyInUse,
  IdempotencyKeyReused,
  IdempotencyUnsupported,
  PreconditionFailed,
  SequenceExhausted,
  SequenceExists,
  SequenceNotFound,
  StorageUnavailable,
  TooManySequences,
} from '../../src/domain/errors';
import { apiKeyRepositoryContract } from '../contracts/api-key-repository.contract';
import { rateLimiterContract } from '../contracts/rate-limiter.contract';
import { sequenceRepositoryContract } from '../contracts/sequence-repository.contract';
import { userRepositoryContract } from '../contracts/user-repository.contract';
import { aUser } from '../support/builders';

const MAX = Number.MAX_SAFE_INTEGER;

/** A Db whose collections are sinon stubs, to pin the exact driver calls each adapter makes. */
function stubbedDb() {
  const collectionStub = () => ({
    findOneAndUpdate: sinon.stub(),
    findOne: sinon.stub(),
    updateOne: sinon.stub(),
    insertOne: sinon.stub(),
    deleteOne: sinon.stub(),
    deleteMany: sinon.stub(),
    countDocuments: sinon.stub(),
    find: sinon.stub(),
    createIndexes: sinon.stub().resolves([]),
    indexes: sinon.stub().resolves([{ name: '_id_' }, { name: 'email_unique' }, { name: 'api_key_digest_unique' }]),
    collectionName: 'users',
  });
  const collection = collectionStub();
  const keys = collectionStub();
  // A session that runs the callback once, as the driver does when nothing conflicts.
  const session = {
    withTransaction: sinon.stub().callsFake(async (fn: (s: unknown) => Promise<unknown>) => fn(session)),
    endSession: sinon.stub().resolves(),
  };
  const client = { startSession: sinon.stub().returns(session) };
  const db = {
    collection: sinon.stub().callsFake((name: string) => (name === 'idempotency_keys' ? keys : collection)),
    command: sinon.stub(),
    client,
  };
  return { db: db as unknown as Db, collection, keys, session, client, dbStub: db };
}

function duplicateKey(keyPattern: Record<string, number>): MongoServerError {
  return new MongoServerError({ message: 'E11000 duplicate key error', code: 11000, keyPattern });
}

/** As Amazon DocumentDB and MongoDB before 4.2 report it: no keyPattern, the index named in the message. */
function duplicateKeyByIndexName(index: string): MongoServerError {
  return new MongoServerError({
    message: `E11000 duplicate key error collection: thinkific_challenge.users index: ${index} dup key: { : "x" }`,
    code: 11000,
  });
}

const never = () => new Promise<never>(() => {});

const now = new Date('2026-01-02T03:04:05.000Z');
const one = (extra: { count?: number; idempotencyKey?: string } = {}) => ({ count: 1, limit: MAX, now, ...extra });
const stamps = { $set: { updatedAt: now }, $min: { createdAt: now } };

describe('MongoSequenceRepository, at the driver level', () => {
  it('uses incremental_counter and idempotency_keys, with a unique index on (userId, name) and a TTL on keys', async () => {
    const { db, dbStub, collection, keys } = stubbedDb();
    await new MongoSequenceRepository(db).ensureIndexes();
    expect(dbStub.collection.args.map((args) => args[0])).to.deep.equal(['incremental_counter', 'idempotency_keys']);
    expect(collection.createIndexes.firstCall.args).to.deep.equal([
      [
        {
          key: { userId: 1, name: 1 },
          name: 'user_sequence_unique',
          unique: true,
          // Default documents written by releases before named sequences have neither field.
          partialFilterExpression: { userId: { $exists: true } },
        },
      ],
    ]);
    expect(keys.createIndexes.firstCall.args).to.deep.equal([
      [{ key: { issuedAt: 1 }, name: 'expire_after_retention', expireAfterSeconds: 86_400 }],
    ]);
  });

  it("issues from default with one findOneAndUpdate on the document old replicas $inc: _id is the user id", async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.resolves({ _id: 'ada', value: 13 });
    const issue = await new MongoSequenceRepository(db).issue('ada', 'default', one());
    expect(issue).to.deep.equal({
      sequence: { name: 'default', value: 13, createdAt: null, updatedAt: null },
      issued: { first: 13, last: 13, count: 1 },
      replayed: false,
    });
    expect(collection.findOneAndUpdate.callCount).to.equal(1);
    expect(collection.findOneAndUpdate.firstCall.args).to.deep.equal([
      { _id: 'ada', value: { $lte: MAX - 1 } },
      { $inc: { value: 1 }, ...stamps },
      { returnDocument: 'after', upsert: true },
    ]);
    expect(collection.findOne.called).to.equal(false);
  });

  it('issues a range of a named sequence by its own _id, without creating it', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.resolves({ _id: 'ada/orders', userId: 'ada', name: 'orders', value: 250, createdAt: now, updatedAt: now });
    const issue = await new MongoSequenceRepository(db).issue('ada', 'orders', one({ count: 250 }));
    expect(issue.issued).to.deep.equal({ first: 1, last: 250, count: 250 });
    expect(collection.findOneAndUpdate.firstCall.args).to.deep.equal([
      { _id: 'ada/orders', value: { $lte: MAX - 250 } },
      { $inc: { value: 250 }, ...stamps },
      { returnDocument: 'after' },
    ]);
  });

  it('tells an exhausted sequence from a missing one only after the update changed nothing', async () => {
    const { db, collection } = stubbedDb();
    const sequences = new MongoSequenceRepository(db);
    collection.findOneAndUpdate.resolves(null);
    collection.findOne.onFirstCall().resolves({ _id: 'ada/orders' });
    collection.findOne.onSecondCall().resolves(null);
    expect(await sequences.issue('ada', 'orders', one()).catch((e: unknown) => e)).to.be.instanceOf(SequenceExhausted);
    expect(await sequences.issue('ada', 'orders', one()).catch((e: unknown) => e)).to.be.instanceOf(SequenceNotFound);
    expect(collection.findOne.firstCall.args).to.deep.equal([{ _id: 'ada/orders' }, { session: undefined, projection: { _id: 1 } }]);
  });

  it('on a duplicate _id for default retries the same update without upsert, and reports the ceiling', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.onFirstCall().rejects(duplicateKey({ _id: 1 }));
    collection.findOneAndUpdate.onSecondCall().resolves(null);
    collection.findOne.resolves({ _id: 'ada' });
    expect(await new MongoSequenceRepository(db).issue('ada', 'default', one()).catch((e: unknown) => e)).to.be.instanceOf(SequenceExhausted);
    expect(collection.findOneAndUpdate.secondCall.args).to.deep.equal([
      { _id: 'ada', value: { $lte: MAX - 1 } },
      { $inc: { value: 1 }, ...stamps },
      { returnDocument: 'after' },
    ]);
  });

  it('refuses a range larger than the ceiling without a round trip', async () => {
    const { db, collection } = stubbedDb();
    const refused = await new MongoSequenceRepository(db).issue('ada', 'default', { count: 6, limit: 5, now }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(SequenceExhausted);
    expect(collection.findOneAndUpdate.called).to.equal(false);
  });

  it('compares and sets in one findOneAndUpdate: the expected value is in the filter', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.resolves({ _id: 'ada/orders', value: 1000, createdAt: now, updatedAt: now });
    await new MongoSequenceRepository(db).set('ada', 'orders', 1000, { expected: [42], now });
    expect(collection.findOneAndUpdate.firstCall.args).to.deep.equal([
      { _id: 'ada/orders', value: { $in: [42] } },
      { $set: { value: 1000, updatedAt: now }, $min: { createdAt: now } },
      { returnDocument: 'after' },
    ]);
    expect(collection.findOne.called).to.equal(false);
  });

  it('creates the default by a conditional write expecting 0; a duplicate _id then means the value differs', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.onFirstCall().rejects(duplicateKey({ _id: 1 }));
    collection.findOneAndUpdate.onSecondCall().resolves(null);
    collection.findOne.resolves({ _id: 'ada', value: 5 });
    const refused = await new MongoSequenceRepository(db).set('ada', 'default', 7, { expected: [0], now }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(PreconditionFailed);
    expect((refused as PreconditionFailed).current).to.equal(5);
    expect(collection.findOneAndUpdate.firstCall.args[0]).to.deep.equal({ _id: 'ada', value: { $in: [0] } });
    expect(collection.findOneAndUpdate.firstCall.args[2]).to.deep.equal({ returnDocument: 'after', upsert: true });
  });

  it('never creates the default by a write expecting anything but 0', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.resolves(null);
    collection.findOne.resolves(null);
    const refused = await new MongoSequenceRepository(db).set('ada', 'default', 7, { expected: [3], now }).catch((e: unknown) => e);
    expect((refused as PreconditionFailed).current).to.equal(0);
    expect(collection.findOneAndUpdate.firstCall.args[2]).to.deep.equal({ returnDocument: 'after' });
  });

  it('creates a named sequence with insertOne, and maps duplicate key 11000 to SequenceExists', async () => {
    const { db, collection } = stubbedDb();
    collection.insertOne.onFirstCall().resolves({ acknowledged: true });
    collection.countDocuments.resolves(1);
    const sequences = new MongoSequenceRepository(db);
    await sequences.create('ada', 'orders', 5, { now, maxPerAccount: 10 });
    expect(collection.insertOne.firstCall.args).to.deep.equal([
      { _id: 'ada/orders', userId: 'ada', name: 'orders', value: 5, createdAt: now, updatedAt: now },
    ]);
    expect(collection.countDocuments.firstCall.args).to.deep.equal([{ _id: { $gt: 'ada/', $lt: 'ada0' } }]);
    collection.insertOne.onSecondCall().rejects(duplicateKey({ _id: 1 }));
    expect(await sequences.create('ada', 'orders', 5, { now, maxPerAccount: 10 }).catch((e: unknown) => e)).to.be.instanceOf(SequenceExists);
  });

  it('withdraws a creation that finds the account over its bound', async () => {
    const { db, collection } = stubbedDb();
    collection.insertOne.resolves({ acknowledged: true });
    collection.countDocuments.resolves(3);
    collection.deleteOne.resolves({ deletedCount: 1 });
    const refused = await new MongoSequenceRepository(db).create('ada', 'four', 0, { now, maxPerAccount: 3 }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(TooManySequences);
    expect(collection.deleteOne.firstCall.args).to.deep.equal([{ _id: 'ada/four' }]);
  });

  it('lists named sequences by an _id range in _id order, with the default merged in by name', async () => {
    const { db, collection } = stubbedDb();
    const cursor = { sort: sinon.stub(), limit: sinon.stub(), toArray: sinon.stub() };
    cursor.sort.returns(cursor);
    cursor.limit.returns(cursor);
    cursor.toArray.resolves([
      { _id: 'ada/alpha', userId: 'ada', name: 'alpha', value: 1, createdAt: now, updatedAt: now },
      { _id: 'ada/zeta', userId: 'ada', name: 'zeta', value: 2, createdAt: now, updatedAt: now },
    ]);
    collection.find.returns(cursor);
    collection.findOne.resolves({ _id: 'ada', value: 9 });
    const listed = await new MongoSequenceRepository(db).list('ada', { after: 'a', size: 2 });
    expect(listed.map((sequence) => [sequence.name, sequence.value])).to.deep.equal([['alpha', 1], ['default', 9]]);
    expect(collection.find.firstCall.args).to.deep.equal([{ _id: { $gt: 'ada/a', $lt: 'ada0' } }]);
    expect(cursor.sort.firstCall.args).to.deep.equal([{ _id: 1 }]);
    expect(cursor.limit.firstCall.args).to.deep.equal([2]);
    expect(collection.findOne.firstCall.args).to.deep.equal([{ _id: 'ada' }]);
  });

  it('stores an idempotent range and its key in one transaction, creating nothing by upsert inside it', async () => {
    const { db, collection, keys, session, client } = stubbedDb();
    keys.findOne.resolves(null);
    collection.findOneAndUpdate.resolves({ _id: 'ada/orders', value: 5, createdAt: now, updatedAt: now });
    keys.insertOne.resolves({ acknowledged: true });
    const issue = await new MongoSequenceRepository(db).issue('ada', 'orders', one({ count: 5, idempotencyKey: 'k/1' }));
    expect(issue.issued).to.deep.equal({ first: 1, last: 5, count: 5 });
    expect(client.startSession.calledOnce).to.equal(true);
    expect(session.withTransaction.calledOnce).to.equal(true);
    expect(keys.findOne.firstCall.args).to.deep.equal([{ _id: 'ada/k/1' }, { session }]);
    expect(collection.findOneAndUpdate.firstCall.args).to.deep.equal([
      { _id: 'ada/orders', value: { $lte: MAX - 5 } },
      { $inc: { value: 5 }, ...stamps },
      { returnDocument: 'after', session },
    ]);
    expect(keys.insertOne.firstCall.args).to.deep.equal([
      { _id: 'ada/k/1', sequence: 'orders', first: 1, last: 5, count: 5, sequenceCreatedAt: now, issuedAt: now },
      { session },
    ]);
    expect(session.endSession.calledOnce).to.equal(true);
  });

  it('creates a default never written by an insert inside the transaction', async () => {
    const { db, collection, keys, session } = stubbedDb();
    keys.findOne.resolves(null);
    collection.findOneAndUpdate.resolves(null);
    collection.findOne.resolves(null);
    collection.insertOne.resolves({ acknowledged: true });
    keys.insertOne.resolves({ acknowledged: true });
    const issue = await new MongoSequenceRepository(db).issue('ada', 'default', one({ count: 3, idempotencyKey: 'k' }));
    expect(issue.issued).to.deep.equal({ first: 1, last: 3, count: 3 });
    expect(collection.insertOne.firstCall.args).to.deep.equal([{ _id: 'ada', value: 3, createdAt: now, updatedAt: now }, { session }]);
  });

  it('replays a recorded key without touching the sequence, and refuses it with another count', async () => {
    const { db, collection, keys } = stubbedDb();
    keys.findOne.resolves({ _id: 'ada/k', sequence: 'orders', first: 1, last: 5, count: 5, sequenceCreatedAt: now, issuedAt: now });
    const sequences = new MongoSequenceRepository(db);
    expect(await sequences.issue('ada', 'orders', one({ count: 5, idempotencyKey: 'k' }))).to.deep.equal({
      sequence: { name: 'orders', value: 5, createdAt: now, updatedAt: now },
      issued: { first: 1, last: 5, count: 5 },
      replayed: true,
    });
    expect(await sequences.issue('ada', 'orders', one({ count: 4, idempotencyKey: 'k' })).catch((e: unknown) => e)).to.be.instanceOf(IdempotencyKeyReused);
    expect(collection.findOneAndUpdate.called).to.equal(false);
  });

  it("turns a standalone server's refusal of the transaction into IdempotencyUnsupported, closing the session", async () => {
    const { db, collection, keys, session } = stubbedDb();
    // What a standalone mongod answers to the transaction's first command.
    keys.findOne.rejects(
      new MongoServerError({ message: 'Transaction numbers are only allowed on a replica set member or mongos', code: 20, codeName: 'IllegalOperation' }),
    );
    const refused = await new MongoSequenceRepository(db).issue('ada', 'default', one({ idempotencyKey: 'k' })).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(IdempotencyUnsupported);
    expect(collection.findOneAndUpdate.called).to.equal(false);
    expect(session.endSession.calledOnce).to.equal(true);
  });

  it('reports a key still contended when the driver stops re-running the transaction as IdempotencyKeyInUse', async () => {
    const { db, session } = stubbedDb();
    const conflict = new MongoServerError({ message: 'WriteConflict', code: 112, codeName: 'WriteConflict' });
    conflict.addErrorLabel('TransientTransactionError');
    session.withTransaction.rejects(conflict);
    const refused = await new MongoSequenceRepository(db).issue('ada', 'default', one({ idempotencyKey: 'k' })).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(IdempotencyKeyInUse);
  });

  it("deletes an account's named sequences, its default and its keys", async () => {
    const { db, collection, keys } = stubbedDb();
    collection.deleteMany.resolves({ deletedCount: 2 });
    collection.deleteOne.resolves({ deletedCount: 1 });
    keys.deleteMany.resolves({ deletedCount: 1 });
    await new MongoSequenceRepository(db).deleteAllOf('ada');
    expect(collection.deleteMany.firstCall.args).to.deep.equal([{ _id: { $gt: 'ada/', $lt: 'ada0' } }]);
    expect(collection.deleteOne.firstCall.args).to.deep.equal([{ _id: 'ada' }]);
    expect(keys.deleteMany.firstCall.args).to.deep.equal([{ _id: { $gt: 'ada/', $lt: 'ada0' } }]);
  });

  it('turns network failures into StorageUnavailable and lets other errors through', async () => {
    const { db, collection } = stubbedDb();
    const sequences = new MongoSequenceRepository(db);
    collection.findOneAndUpdate.rejects(new MongoNetworkError('connection reset'));
    expect(await sequences.issue('ada', 'default', one()).catch((e: unknown) => e)).to.be.instanceOf(StorageUnavailable);
    const other = new MongoServerError({ message: 'not authorized', code: 13 });
    collection.findOne.rejects(other);
    expect(await sequences.get('ada', 'default').catch((e: unknown) => e)).to.equal(other);
  });
  it('gives up on a next after STORAGE_TIMEOUT_MS with StorageUnavailable saying the outcome is unknown', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.returns(never());
    const failure = await new MongoSequenceRepository(db, 30).issue('ada', 'default', one()).catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(StorageUnavailable);
    expect((failure as StorageUnavailable).outcomeUnknown).to.equal(true);
  });

  it('gives up on a read after STORAGE_TIMEOUT_MS with a plain StorageUnavailable', async () => {
    const { db, collection } = stubbedDb();
    collection.findOne.returns(never());
    const failure = await new MongoSequenceRepository(db, 30).get('ada', 'default').catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(StorageUnavailable);
    expect((failure as StorageUnavailable).outcomeUnknown).to.equal(false);
  });

  it('reports a next whose connection broke with its outcome unknown, and a server never found as not applied', async () => {
    const { db, collection } = stubbedDb();
    const sequences = new MongoSequenceRepository(db);
    collection.findOneAndUpdate.rejects(new MongoNetworkError('connection reset'));
    expect(await sequences.issue('ada', 'default', one()).catch((e: StorageUnavailable) => e.outcomeUnknown)).to.equal(true);
    collection.findOneAndUpdate.rejects(new MongoServerSelectionError('no server', { servers: new Map() } as never));
    expect(await sequences.issue('ada', 'default', one()).catch((e: StorageUnavailable) => e.outcomeUnknown)).to.equal(false);
  });
});

describe('MongoUserRepository, at the driver level', () => {
  it('creates a unique index on email (keys have their own collection)', async () => {
    const { db, collection, dbStub } = stubbedDb();
    await new MongoUserRepository(db).ensureIndexes();
    expect(dbStub.collection.calledOnceWithExactly('users')).to.equal(true);
    expect(collection.createIndexes.firstCall.args).to.deep.equal([[{ key: { email: 1 }, name: 'email_unique', unique: true }]]);
  });

  it('inserts the user as one document keyed by its id', async () => {
    const { db, collection } = stubbedDb();
    collection.insertOne.resolves({ acknowledged: true });
    const user = aUser();
    await new MongoUserRepository(db).add(user);
    expect(collection.insertOne.firstCall.args).to.deep.equal([
      { _id: user.id, email: user.email, passwordHash: user.passwordHash, createdAt: user.createdAt },
    ]);
  });

  it('maps duplicate key 11000 on email to EmailAlreadyRegistered', async () => {
    const { db, collection } = stubbedDb();
    collection.insertOne.rejects(duplicateKey({ email: 1 }));
    expect(await new MongoUserRepository(db).add(aUser()).catch((e: unknown) => e)).to.be.instanceOf(EmailAlreadyRegistered);
  });

  it('does not call a duplicate _id an email conflict', async () => {
    const { db, collection } = stubbedDb();
    const error = duplicateKey({ _id: 1 });
    collection.insertOne.rejects(error);
    expect(await new MongoUserRepository(db).add(aUser()).catch((e: unknown) => e)).to.equal(error);
  });

  it('maps a duplicate email without keyPattern (DocumentDB, MongoDB < 4.2) by the index named in the message', async () => {
    const { db, collection } = stubbedDb();
    collection.insertOne.rejects(duplicateKeyByIndexName('email_unique'));
    expect(await new MongoUserRepository(db).add(aUser()).catch((e: unknown) => e)).to.be.instanceOf(EmailAlreadyRegistered);
    const digest = duplicateKeyByIndexName('api_key_digest_unique');
    collection.insertOne.rejects(digest);
    expect(await new MongoUserRepository(db).add(aUser()).catch((e: unknown) => e)).to.equal(digest);
  });

  it('checks the unique indexes before inserting, and recreates a missing one first', async () => {
    const { db, collection } = stubbedDb();
    collection.indexes.resolves([{ name: '_id_' }, { name: 'api_key_digest_unique' }]);
    collection.insertOne.resolves({ acknowledged: true });
    await new MongoUserRepository(db).add(aUser());
    expect(collection.createIndexes.calledOnce).to.equal(true);
    expect(collection.createIndexes.calledBefore(collection.insertOne)).to.equal(true);
  });

  it('recreates the indexes of a collection that was dropped, once for concurrent registrations', async () => {
    const { db, collection } = stubbedDb();
    collection.indexes.rejects(new MongoServerError({ message: 'ns does not exist', code: 26, codeName: 'NamespaceNotFound' }));
    collection.insertOne.resolves({ acknowledged: true });
    const users = new MongoUserRepository(db);
    await Promise.all(Array.from({ length: 20 }, () => users.add(aUser())));
    expect(collection.createIndexes.callCount).to.equal(1);
    expect(collection.insertOne.callCount).to.equal(20);
  });

  it('refuses the registration with StorageUnavailable, inserting nothing, while the index cannot be recreated', async () => {
    const { db, collection } = stubbedDb();
    collection.indexes.resolves([{ name: '_id_' }]);
    collection.createIndexes.rejects(duplicateKey({ email: 1 }));
    expect(await new MongoUserRepository(db).add(aUser()).catch((e: unknown) => e)).to.be.instanceOf(StorageUnavailable);
    expect(collection.insertOne.called).to.equal(false);
  });

  it('ensures the indexes again when a data-bearing server is reachable again', async () => {
    const { db, collection } = stubbedDb();
    const users = new MongoUserRepository(db);
    const client = new EventEmitter();
    const outcomes: unknown[] = [];
    ensureAfterReconnection(client, users.uniqueIndexes, (error) => outcomes.push(error));
    const described = (up: boolean) => ({ hasDataBearingServers: up });
    client.emit('topologyDescriptionChanged', { previousDescription: described(true), newDescription: described(true) });
    client.emit('topologyDescriptionChanged', { previousDescription: described(true), newDescription: described(false) });
    expect(collection.createIndexes.called).to.equal(false);
    client.emit('topologyDescriptionChanged', { previousDescription: described(false), newDescription: described(true) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(collection.createIndexes.calledOnce).to.equal(true);
    expect(outcomes).to.deep.equal([null]);
  });

  it('looks a user up by email only, and maps the document back without fields of older releases', async () => {
    const { db, collection } = stubbedDb();
    const user = aUser();
    collection.findOne.resolves({ _id: user.id, email: user.email, passwordHash: user.passwordHash, createdAt: user.createdAt, apiKeyDigest: 'old' });
    expect(await new MongoUserRepository(db).findByEmail(user.email)).to.deep.equal(user);
    expect(collection.findOne.firstCall.args).to.deep.equal([{ email: user.email }]);
  });

  it('deletes a user with one deleteOne by _id', async () => {
    const { db, collection } = stubbedDb();
    collection.deleteOne.resolves({ deletedCount: 1 });
    await new MongoUserRepository(db).delete('ada');
    expect(collection.deleteOne.firstCall.args).to.deep.equal([{ _id: 'ada' }]);
  });
});

describe('mongoStartupError: why MongoDB could not be used at start-up, for a person', () => {
  const url = 'mongodb://app:hunter2-secret@db-0.db:27017,db-1.db:27017/?replicaSet=rs0';

  it('a refused user name or password names the hosts, never the password', () => {
    const refused = new MongoServerError({ code: 18, codeName: 'AuthenticationFailed', errmsg: 'Authentication failed.' });
    expect(mongoStartupError(refused, url).message).to.equal('MONGODB_URL: MongoDB at db-0.db:27017,db-1.db:27017 refused the user name or password in the URL');
  });

  it('anything else quotes the driver, redacted, and keeps it as the cause', () => {
    const denied = new MongoServerError({ code: 13, errmsg: 'not authorized on thinkific_challenge to execute command' });
    const error = mongoStartupError(denied, url);
    expect(error.message).to.equal('MONGODB_URL: MongoDB at db-0.db:27017,db-1.db:27017 could not be used: not authorized on thinkific_challenge to execute command');
    expect(error.cause).to.equal(denied);
    expect(error.message).not.to.contain('hunter2');
  });
});

describe('MongoStorageHealth, at the driver level', () => {
  it('pings the server', async () => {
    const { db, dbStub } = stubbedDb();
    dbStub.command.resolves({ ok: 1 });
    await new MongoStorageHealth(db).ping();
    expect(dbStub.command.firstCall.args).to.deep.equal([{ ping: 1 }]);
  });

  it('fails while a unique index is missing, says which, and recreates it', async () => {
    const { db, dbStub, collection } = stubbedDb();
    dbStub.command.resolves({ ok: 1 });
    const users = new MongoUserRepository(db);
    const problems: string[] = [];
    const health = new MongoStorageHealth(db, 800, [users.uniqueIndexes], (problem) => problems.push(problem));
    await health.ping();
    collection.indexes.resolves([{ name: '_id_' }]);
    expect(await health.ping().catch((error: Error) => error.name)).to.equal('MissingUniqueIndexes');
    expect(collection.createIndexes.calledOnce).to.equal(true);
    expect(problems).to.have.length(1);
    // users keeps one unique index since keys moved to api_keys.
    expect(problems[0]).to.contain('the unique indexes email_unique of users');
    collection.indexes.resolves([{ name: '_id_' }, { name: 'email_unique' }, { name: 'api_key_digest_unique' }]);
    await health.ping();
  });

  it('gives up with PingTimeout when the server does not answer in time, instead of waiting for server selection', async () => {
    const { db, dbStub } = stubbedDb();
    dbStub.command.returns(new Promise(() => {}));
    const failure = await new MongoStorageHealth(db, 20).ping().catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(PingTimeout);
  });
});

const mongodbUrl = process.env.MONGODB_URL;
if (!mongodbUrl) {
  describe('MongoDB contract suites', () => {
    it('are skipped: set MONGODB_URL to run them against a real server');
  });
  console.log('  [mongodb] MONGODB_URL is not set: the MongoDB contract run was skipped.');
} else {
  describe('MongoDB adapters against a real server', function () {
    let client: MongoClient;
    const databases: Db[] = [];
    const freshDb = () => {
      const db = client.db(`increment_test_${randomUUID().slice(0, 8)}`);
      databases.push(db);
      return db;
    };

    before(async () => {
      client = await new MongoClient(mongodbUrl).connect();
    });

    after(async () => {
      await Promise.all(databases.map((db) => db.dropDatabase()));
      await client.close();
    });

    userRepositoryContract('mongodb', async () => {
      const users = new MongoUserRepository(freshDb());
      await users.ensureIndexes();
      return users;
    });
    sequenceRepositoryContract('mongodb', async () => {
      const sequences = new MongoSequenceRepository(freshDb());
      await sequences.ensureIndexes();
      return sequences;
    });

    it('hands out each integer once while a replica of the release before named sequences increments the same default', async () => {
      const db = freshDb();
      const sequences = new MongoSequenceRepository(db);
      await sequences.ensureIndexes();
      const legacy = db.collection<{ _id: string; value: number }>('incremental_counter');
      // Exactly what that release runs for /v1/next.
      const oldNext = async () => {
        const filter = { _id: 'ada', value: { $lt: MAX } };
        const update = { $inc: { value: 1 } };
        try {
          return (await legacy.findOneAndUpdate(filter, update, { upsert: true, returnDocument: 'after' }))!.value;
        } catch {
          return (await legacy.findOneAndUpdate(filter, update, { returnDocument: 'after' }))!.value;
        }
      };
      const newNext = async (count: number) => (await sequences.issue('ada', 'default', { count, limit: MAX, now: new Date() })).issued;
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? oldNext().then((value) => ({ first: value, last: value })) : newNext(1 + (i % 7)))),
      );
      const ranges = outcomes.sort((a, b) => a.first - b.first);
      let expected = 1;
      for (const range of ranges) {
        expect(range.first).to.equal(expected);
        expected = range.last + 1;
      }
      expect((await sequences.get('ada', 'default'))!.value).to.equal(expected - 1);
    });

    apiKeyRepositoryContract('mongodb', async () => {
      const keys = new MongoApiKeyRepository(freshDb());
      await keys.ensureIndexes();
      return keys;
    });
    rateLimiterContract('mongodb', async (limit) => {
      const db = freshDb();
      await ensureRateLimitIndexes(db);
      return new MongoRateLimiter(db, limit);
    });

    it("moves the keys of a previous release's users into api_keys, twice at once as two replicas would, and they authenticate", async () => {
      const db = freshDb();
      const issuer = new NodeCryptoApiKeyIssuer();
      // Users as the previous release wrote them, with its unique index on the digest.
      const legacy = Array.from({ length: 30 }, (_, i) => ({ issued: issuer.issue(), id: `legacy-${i}` }));
      await db.collection('users').createIndexes([
        { key: { email: 1 }, name: 'email_unique', unique: true },
        { key: { apiKeyDigest: 1 }, name: 'api_key_digest_unique', unique: true },
      ]);
      await db.collection<{ _id: string }>('users').insertMany(
        legacy.map(({ issued, id }) => ({ _id: id, email: `${id}@example.com`, passwordHash: 'h', apiKeyDigest: issued.digest, createdAt: new Date() })),
      );
      const keys = new MongoApiKeyRepository(db);
      await keys.ensureIndexes();
      const moved = await Promise.all([moveApiKeysOutOfUsers(db), moveApiKeysOutOfUsers(db)]);
      expect(moved[0] + moved[1]).to.be.at.least(30);
      expect(await moveApiKeysOutOfUsers(db)).to.equal(0);
      // A user the previous release registers after the move, during the rollout.
      const late = issuer.issue();
      await db.collection<{ _id: string; email: string; passwordHash: string; apiKeyDigest: string; createdAt: Date }>('users').insertOne({ _id: 'late', email: 'late@example.com', passwordHash: 'h', apiKeyDigest: late.digest, createdAt: new Date() });
      const movingKeys = new MongoApiKeyRepository(db, 1000, (digest) => moveApiKeyStoredInUser(db, digest));
      const authenticate = new Authenticate(movingKeys, issuer, new SystemClock());
      for (const { issued, id } of legacy) expect(await authenticate.execute(issued.key)).to.equal(id);
      expect(await authenticate.execute(late.key)).to.equal('late');
      expect(await db.collection('users').countDocuments({ $or: [{ apiKeyDigest: { $exists: true } }, { movingApiKeyDigest: { $exists: true } }] })).to.equal(0);
      expect(await db.collection('api_keys').countDocuments()).to.equal(31);
      expect((await keys.listByUser('legacy-0'))[0].prefix).to.equal(ApiKey.prefixOf(legacy[0].issued.key));
    });

    it('a database wiped under a running repository: /health fails, the indexes come back, one of 20 registrations wins', async () => {
      const db = freshDb();
      const users = new MongoUserRepository(db);
      await users.ensureIndexes();
      const health = new MongoStorageHealth(db, 800, [users.uniqueIndexes]);
      await health.ping();
      await db.dropDatabase();
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => users.add(aUser({ email: 'wiped@example.com' }))));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
      for (const outcome of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
        expect(outcome.reason).to.be.instanceOf(EmailAlreadyRegistered);
      }
      await db.dropDatabase();
      expect(await health.ping().catch((error: Error) => error.name)).to.equal('MissingUniqueIndexes');
      // The failing probe started recreating them.
      for (let attempt = 0; attempt < 50 && (await users.uniqueIndexes.missing()).length > 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await health.ping();
    });
  });
}
