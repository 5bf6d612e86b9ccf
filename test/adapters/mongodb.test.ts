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
import { MongoCounterRepository } from '../../src/adapters/persistence/mongodb/mongo-counter-repository';
import { ensureRateLimitIndexes, MongoRateLimiter } from '../../src/adapters/persistence/mongodb/mongo-rate-limiter';
import { mongoStartupError } from '../../src/adapters/persistence/mongodb/mongo-errors';
import { MongoStorageHealth, PingTimeout } from '../../src/adapters/persistence/mongodb/mongo-storage-health';
import { ensureAfterReconnection } from '../../src/adapters/persistence/mongodb/mongo-unique-indexes';
import { MongoUserRepository } from '../../src/adapters/persistence/mongodb/mongo-user-repository';
import { EmailAlreadyRegistered, StorageUnavailable } from '../../src/domain/errors';
import { apiKeyRepositoryContract } from '../contracts/api-key-repository.contract';
import { counterRepositoryContract } from '../contracts/counter-repository.contract';
import { rateLimiterContract } from '../contracts/rate-limiter.contract';
import { userRepositoryContract } from '../contracts/user-repository.contract';
import { aUser } from '../support/builders';

const MAX = Number.MAX_SAFE_INTEGER;

/** A Db whose collections are sinon stubs, to pin the exact driver calls each adapter makes. */
function stubbedDb() {
  const collection = {
    findOneAndUpdate: sinon.stub(),
    findOne: sinon.stub(),
    updateOne: sinon.stub(),
    insertOne: sinon.stub(),
    deleteOne: sinon.stub(),
    createIndexes: sinon.stub().resolves([]),
    indexes: sinon.stub().resolves([{ name: '_id_' }, { name: 'email_unique' }, { name: 'api_key_digest_unique' }]),
    collectionName: 'users',
  };
  const db = { collection: sinon.stub().returns(collection), command: sinon.stub() };
  return { db: db as unknown as Db, collection, dbStub: db };
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

describe('MongoCounterRepository, at the driver level', () => {
  it('uses the incremental_counter collection', () => {
    const { db, dbStub } = stubbedDb();
    new MongoCounterRepository(db);
    expect(dbStub.collection.calledOnceWithExactly('incremental_counter')).to.equal(true);
  });

  it('increments with one findOneAndUpdate: $inc below the limit, upsert, returning the new document', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.resolves({ _id: 'ada', value: 13 });
    expect(await new MongoCounterRepository(db).increment('ada', MAX)).to.equal(13);
    expect(collection.findOneAndUpdate.callCount).to.equal(1);
    expect(collection.findOneAndUpdate.firstCall.args).to.deep.equal([
      { _id: 'ada', value: { $lt: MAX } },
      { $inc: { value: 1 } },
      { upsert: true, returnDocument: 'after' },
    ]);
    expect(collection.findOne.called).to.equal(false);
    expect(collection.updateOne.called).to.equal(false);
  });

  it('on a duplicate _id retries the same update without upsert and reports the limit as null', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.onFirstCall().rejects(duplicateKey({ _id: 1 }));
    collection.findOneAndUpdate.onSecondCall().resolves(null);
    expect(await new MongoCounterRepository(db).increment('ada', MAX)).to.equal(null);
    expect(collection.findOneAndUpdate.secondCall.args).to.deep.equal([
      { _id: 'ada', value: { $lt: MAX } },
      { $inc: { value: 1 } },
      { returnDocument: 'after' },
    ]);
  });

  it('on a duplicate _id from a concurrent first increment returns the retried value', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.onFirstCall().rejects(duplicateKey({ _id: 1 }));
    collection.findOneAndUpdate.onSecondCall().resolves({ _id: 'ada', value: 2 });
    expect(await new MongoCounterRepository(db).increment('ada', MAX)).to.equal(2);
  });

  it('reads the current value with findOne by _id, and 0 when there is no document', async () => {
    const { db, collection } = stubbedDb();
    collection.findOne.onFirstCall().resolves({ _id: 'ada', value: 7 });
    collection.findOne.onSecondCall().resolves(null);
    const counters = new MongoCounterRepository(db);
    expect(await counters.current('ada')).to.equal(7);
    expect(await counters.current('ada')).to.equal(0);
    expect(collection.findOne.firstCall.args).to.deep.equal([{ _id: 'ada' }]);
  });

  it('at a limit of 0 never upserts: a counter never written stays unwritten', async () => {
    // A real server's upsert copies only _id from the filter and would store 1, above the limit.
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.resolves(null);
    expect(await new MongoCounterRepository(db).increment('fresh', 0)).to.equal(null);
    expect(collection.findOneAndUpdate.callCount).to.equal(1);
    expect(collection.findOneAndUpdate.firstCall.args).to.deep.equal([
      { _id: 'fresh', value: { $lt: 0 } },
      { $inc: { value: 1 } },
      { returnDocument: 'after' },
    ]);
  });

  it('gives up on a next after STORAGE_TIMEOUT_MS with StorageUnavailable saying the outcome is unknown', async () => {
    const { db, collection } = stubbedDb();
    collection.findOneAndUpdate.returns(never());
    const started = performance.now();
    const failure = await new MongoCounterRepository(db, 30).increment('ada', MAX).catch((error: unknown) => error);
    expect(performance.now() - started).to.be.below(1000);
    expect(failure).to.be.instanceOf(StorageUnavailable);
    expect((failure as StorageUnavailable).outcomeUnknown).to.equal(true);
    expect((failure as StorageUnavailable).message).to.match(/may or may not have been applied/);
  });

  it('gives up on a read after STORAGE_TIMEOUT_MS with a plain StorageUnavailable', async () => {
    const { db, collection } = stubbedDb();
    collection.findOne.returns(never());
    const failure = await new MongoCounterRepository(db, 30).current('ada').catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(StorageUnavailable);
    expect((failure as StorageUnavailable).outcomeUnknown).to.equal(false);
  });

  it('reports a next whose connection broke with its outcome unknown, and a server never found as not applied', async () => {
    const { db, collection } = stubbedDb();
    const counters = new MongoCounterRepository(db);
    collection.findOneAndUpdate.rejects(new MongoNetworkError('connection reset'));
    expect(await counters.increment('ada', MAX).catch((e: StorageUnavailable) => e.outcomeUnknown)).to.equal(true);
    collection.findOneAndUpdate.rejects(new MongoServerSelectionError('no server', { servers: new Map() } as never));
    expect(await counters.increment('ada', MAX).catch((e: StorageUnavailable) => e.outcomeUnknown)).to.equal(false);
  });

  it('sets with one upserting updateOne', async () => {
    const { db, collection } = stubbedDb();
    collection.updateOne.resolves({ acknowledged: true });
    await new MongoCounterRepository(db).set('ada', 1000);
    expect(collection.updateOne.firstCall.args).to.deep.equal([{ _id: 'ada' }, { $set: { value: 1000 } }, { upsert: true }]);
  });

  it("forgets a deleted account's counter with one deleteOne by _id", async () => {
    const { db, collection } = stubbedDb();
    collection.deleteOne.resolves({ deletedCount: 1 });
    await new MongoCounterRepository(db).deleteAllOf('ada');
    expect(collection.deleteOne.firstCall.args).to.deep.equal([{ _id: 'ada' }]);
  });

  it('turns network failures into StorageUnavailable and lets other errors through', async () => {
    const { db, collection } = stubbedDb();
    const counters = new MongoCounterRepository(db);
    collection.findOneAndUpdate.rejects(new MongoNetworkError('connection reset'));
    expect(await counters.increment('ada', MAX).catch((e: unknown) => e)).to.be.instanceOf(StorageUnavailable);
    const other = new MongoServerError({ message: 'not authorized', code: 13 });
    collection.findOne.rejects(other);
    expect(await counters.current('ada').catch((e: unknown) => e)).to.equal(other);
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
    counterRepositoryContract('mongodb', async () => new MongoCounterRepository(freshDb()));
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
