import { Container } from 'inversify';
import { Db, MongoClient } from 'mongodb';
import { Logger } from 'pino';
import { moveApiKeyStoredInUser, moveApiKeysOutOfUsers } from '../adapters/persistence/mongodb/mongo-api-key-migration';
import { MongoApiKeyRepository } from '../adapters/persistence/mongodb/mongo-api-key-repository';
import { mongoStartupError } from '../adapters/persistence/mongodb/mongo-errors';
import { ensureRateLimitIndexes, MongoRateLimiter } from '../adapters/persistence/mongodb/mongo-rate-limiter';
import { MongoSequenceRepository } from '../adapters/persistence/mongodb/mongo-sequence-repository';
import { MongoStorageHealth, PING_TIMEOUT_MS } from '../adapters/persistence/mongodb/mongo-storage-health';
import { ensureAfterReconnection } from '../adapters/persistence/mongodb/mongo-unique-indexes';
import { MongoUserRepository } from '../adapters/persistence/mongodb/mongo-user-repository';
import { Config } from './config';
import { bindRateLimits } from './rate-limits';
import { TOKENS } from './tokens';

/** Binds MongoDB's repositories and rate limits (storage.ts loads this module only for STORAGE=mongodb); returns how to release it. */
export async function bindMongoStorage(container: Container, config: Config, logger: Logger): Promise<() => Promise<void>> {
  const { client, db, users, keys, sequences } = await connectMongo(config.mongodbUrl!, config.mongodbDb, config.storageTimeoutMs, logger);
  for (const indexes of [users.uniqueIndexes, keys.uniqueIndexes]) {
    ensureAfterReconnection(client, indexes, (error) => {
      if (error === null) logger.info({ storage: 'mongodb' }, 'reconnected: unique indexes ensured');
      else logger.error({ err: error, storage: 'mongodb' }, 'reconnected, but the unique indexes could not be ensured');
    });
  }
  container.bind(TOKENS.UserRepository).toConstantValue(users);
  container.bind(TOKENS.ApiKeyRepository).toConstantValue(keys);
  container.bind(TOKENS.SequenceRepository).toConstantValue(sequences);
  const report = (problem: string) => logger.error({ storage: 'mongodb' }, `storage unhealthy: ${problem}`);
  container
    .bind(TOKENS.StorageHealth)
    .toConstantValue(new MongoStorageHealth(db, PING_TIMEOUT_MS, [users.uniqueIndexes, keys.uniqueIndexes], report));
  bindRateLimits(container, config.rateLimits, (limit) => new MongoRateLimiter(db, limit));
  return () => client.close();
}

/** Connects, prepares the indexes and moves keys of the previous release; any failure becomes one sentence that names MONGODB_URL. */
async function connectMongo(
  url: string,
  dbName: string,
  storageTimeoutMs: number,
  logger: Logger,
): Promise<{ client: MongoClient; db: Db; users: MongoUserRepository; keys: MongoApiKeyRepository; sequences: MongoSequenceRepository }> {
  let client: MongoClient | undefined;
  try {
    // One client per process: it owns the connection pool every repository shares.
    client = new MongoClient(url, { appName: 'increment', serverSelectionTimeoutMS: 5000 });
    await client.connect();
    const db = client.db(dbName);
    const users = new MongoUserRepository(db, storageTimeoutMs);
    const keys = new MongoApiKeyRepository(db, storageTimeoutMs, (digest) => moveApiKeyStoredInUser(db, digest));
    await users.ensureIndexes();
    await keys.ensureIndexes();
    await ensureRateLimitIndexes(db);
    // After the indexes: the unique digest index guards the moved keys too.
    const moved = await moveApiKeysOutOfUsers(db);
    if (moved > 0) logger.info({ moved, storage: 'mongodb' }, 'moved API keys from users into api_keys');
    // Not among the indexes checked before each write, as users' are: sequences and idempotency
    // keys are unique by _id, which no wipe of the database can take away.
    const sequences = new MongoSequenceRepository(db, storageTimeoutMs);
    await sequences.ensureIndexes();
    return { client, db, users, keys, sequences };
  } catch (error) {
    await client?.close().catch(() => undefined);
    throw mongoStartupError(error, url);
  }
}
