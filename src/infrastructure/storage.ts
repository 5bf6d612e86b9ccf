import { Container } from 'inversify';
import { Db, MongoClient } from 'mongodb';
import { Logger } from 'pino';
import { InMemoryApiKeyRepository } from '../adapters/persistence/in-memory/in-memory-api-key-repository';
import { InMemoryRateLimiter } from '../adapters/persistence/in-memory/in-memory-rate-limiter';
import { InMemorySequenceRepository } from '../adapters/persistence/in-memory/in-memory-sequence-repository';
import { InMemoryStorageHealth } from '../adapters/persistence/in-memory/in-memory-storage-health';
import { InMemoryUserRepository } from '../adapters/persistence/in-memory/in-memory-user-repository';
import { moveApiKeyStoredInUser, moveApiKeysOutOfUsers } from '../adapters/persistence/mongodb/mongo-api-key-migration';
import { MongoApiKeyRepository } from '../adapters/persistence/mongodb/mongo-api-key-repository';
import { mongoStartupError } from '../adapters/persistence/mongodb/mongo-errors';
import { ensureRateLimitIndexes, MongoRateLimiter } from '../adapters/persistence/mongodb/mongo-rate-limiter';
import { MongoSequenceRepository } from '../adapters/persistence/mongodb/mongo-sequence-repository';
import { MongoStorageHealth, PING_TIMEOUT_MS } from '../adapters/persistence/mongodb/mongo-storage-health';
import { ensureAfterReconnection } from '../adapters/persistence/mongodb/mongo-unique-indexes';
import { MongoUserRepository } from '../adapters/persistence/mongodb/mongo-user-repository';
import { GroupCommit } from '../adapters/persistence/sqlite/group-commit';
import { ReadBatch } from '../adapters/persistence/sqlite/read-batch';
import { SqliteApiKeyRepository } from '../adapters/persistence/sqlite/sqlite-api-key-repository';
import { openSqliteDatabase } from '../adapters/persistence/sqlite/sqlite-database';
import { deleteExpiredRateLimits, SqliteRateLimiter } from '../adapters/persistence/sqlite/sqlite-rate-limiter';
import { SqliteSequenceRepository } from '../adapters/persistence/sqlite/sqlite-sequence-repository';
import { SqliteStorageHealth } from '../adapters/persistence/sqlite/sqlite-storage-health';
import { SqliteUserRepository } from '../adapters/persistence/sqlite/sqlite-user-repository';
import { Limit } from '../adapters/rate-limit/flexible-rate-limiter';
import { UnlimitedRateLimiter } from '../adapters/rate-limit/unlimited-rate-limiter';
import { RateLimiter } from '../domain/rate-limiter.port';
import { Config, RateLimitsConfig } from './config';
import { TOKENS } from './tokens';

/** How often SQLite forgets the counts of rate-limit windows that are over. */
const EXPIRED_RATE_LIMITS_SWEEP_MS = 10 * 60_000;

/** Binds the repositories and rate limits of the configured store; returns how to release it. */
export async function bindStorage(container: Container, config: Config, logger: Logger): Promise<() => Promise<void>> {
  switch (config.storage) {
    case 'memory':
      container.bind(TOKENS.UserRepository).toConstantValue(new InMemoryUserRepository());
      container.bind(TOKENS.ApiKeyRepository).toConstantValue(new InMemoryApiKeyRepository());
      container.bind(TOKENS.SequenceRepository).toConstantValue(new InMemorySequenceRepository());
      container.bind(TOKENS.StorageHealth).toConstantValue(new InMemoryStorageHealth());
      bindRateLimits(container, config.rateLimits, (limit) => new InMemoryRateLimiter(limit));
      return async () => {};
    case 'sqlite': {
      const db = openSqliteDatabase(config.sqlitePath);
      // One connection, one write queue and one read batch per process, shared by every repository.
      const writes = new GroupCommit(db, config.storageTimeoutMs);
      const reads = new ReadBatch(db);
      container.bind(TOKENS.UserRepository).toConstantValue(new SqliteUserRepository(db, writes));
      container.bind(TOKENS.ApiKeyRepository).toConstantValue(new SqliteApiKeyRepository(db, writes, reads));
      container.bind(TOKENS.SequenceRepository).toConstantValue(new SqliteSequenceRepository(db, writes));
      const report = (problem: string) => logger.error({ storage: 'sqlite' }, `storage unhealthy: ${problem}`);
      container.bind(TOKENS.StorageHealth).toConstantValue(new SqliteStorageHealth(db, config.sqlitePath, writes, report));
      bindRateLimits(container, config.rateLimits, (limit) => new SqliteRateLimiter(db, limit, config.storageTimeoutMs));
      const sweep = setInterval(() => {
        try {
          deleteExpiredRateLimits(db, new Date());
        } catch (error) {
          // Another process holding the write lock, say: the next sweep will do.
          logger.warn({ err: error, storage: 'sqlite' }, 'could not delete expired rate-limit counts');
        }
      }, EXPIRED_RATE_LIMITS_SWEEP_MS);
      sweep.unref();
      return async () => {
        clearInterval(sweep);
        await writes.close();
        db.close();
      };
    }
    case 'mongodb': {
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
  }
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

/** Names are the key prefixes in the store: they must stay stable across releases, or counts reset. */
function bindRateLimits(container: Container, limits: RateLimitsConfig, store: (limit: Limit) => RateLimiter): void {
  const bind = (token: symbol, name: string, { points, durationSeconds }: { points: number; durationSeconds: number }) =>
    container.bind(token).toConstantValue(points === 0 ? new UnlimitedRateLimiter() : store({ name, points, durationSeconds }));
  bind(TOKENS.FailedPasswordsPerAccount, 'failed_passwords_account', limits.failedPasswordsPerAccount);
  bind(TOKENS.FailedPasswordsPerAddress, 'failed_passwords_address', limits.failedPasswordsPerAddress);
  bind(TOKENS.RegistrationsPerAddress, 'registrations_address', limits.registrationsPerAddress);
}
