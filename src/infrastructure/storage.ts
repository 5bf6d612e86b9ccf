import { Container } from 'inversify';
import { Db, MongoClient } from 'mongodb';
import { Logger } from 'pino';
import { InMemorySequenceRepository } from '../adapters/persistence/in-memory/in-memory-sequence-repository';
import { InMemoryStorageHealth } from '../adapters/persistence/in-memory/in-memory-storage-health';
import { InMemoryUserRepository } from '../adapters/persistence/in-memory/in-memory-user-repository';
import { mongoStartupError } from '../adapters/persistence/mongodb/mongo-errors';
import { MongoSequenceRepository } from '../adapters/persistence/mongodb/mongo-sequence-repository';
import { MongoStorageHealth, PING_TIMEOUT_MS } from '../adapters/persistence/mongodb/mongo-storage-health';
import { ensureAfterReconnection } from '../adapters/persistence/mongodb/mongo-unique-indexes';
import { MongoUserRepository } from '../adapters/persistence/mongodb/mongo-user-repository';
import { GroupCommit } from '../adapters/persistence/sqlite/group-commit';
import { openSqliteDatabase } from '../adapters/persistence/sqlite/sqlite-database';
import { SqliteSequenceRepository } from '../adapters/persistence/sqlite/sqlite-sequence-repository';
import { SqliteStorageHealth } from '../adapters/persistence/sqlite/sqlite-storage-health';
import { SqliteUserRepository } from '../adapters/persistence/sqlite/sqlite-user-repository';
import { Config } from './config';
import { TOKENS } from './tokens';

/** Binds the repositories of the configured store; returns how to release it. */
export async function bindStorage(container: Container, config: Config, logger: Logger): Promise<() => Promise<void>> {
  switch (config.storage) {
    case 'memory':
      container.bind(TOKENS.UserRepository).toConstantValue(new InMemoryUserRepository());
      container.bind(TOKENS.SequenceRepository).toConstantValue(new InMemorySequenceRepository());
      container.bind(TOKENS.StorageHealth).toConstantValue(new InMemoryStorageHealth());
      return async () => {};
    case 'sqlite': {
      const db = openSqliteDatabase(config.sqlitePath);
      // One connection and one write queue per process, shared by both repositories.
      const writes = new GroupCommit(db, config.storageTimeoutMs);
      container.bind(TOKENS.UserRepository).toConstantValue(new SqliteUserRepository(db, writes));
      container.bind(TOKENS.SequenceRepository).toConstantValue(new SqliteSequenceRepository(db, writes));
      const report = (problem: string) => logger.error({ storage: 'sqlite' }, `storage unhealthy: ${problem}`);
      container.bind(TOKENS.StorageHealth).toConstantValue(new SqliteStorageHealth(db, config.sqlitePath, writes, report));
      return async () => {
        db.close();
      };
    }
    case 'mongodb': {
      const { client, db, users, sequences } = await connectMongo(config.mongodbUrl!, config.mongodbDb, config.storageTimeoutMs);
      ensureAfterReconnection(client, users.uniqueIndexes, (error) => {
        if (error === null) logger.info({ storage: 'mongodb' }, 'reconnected: unique indexes ensured');
        else logger.error({ err: error, storage: 'mongodb' }, 'reconnected, but the unique indexes could not be ensured');
      });
      container.bind(TOKENS.UserRepository).toConstantValue(users);
      container.bind(TOKENS.SequenceRepository).toConstantValue(sequences);
      const report = (problem: string) => logger.error({ storage: 'mongodb' }, `storage unhealthy: ${problem}`);
      container.bind(TOKENS.StorageHealth).toConstantValue(new MongoStorageHealth(db, PING_TIMEOUT_MS, [users.uniqueIndexes], report));
      return () => client.close();
    }
  }
}

/** Connects and prepares the indexes; any failure becomes one sentence that names MONGODB_URL. */
async function connectMongo(
  url: string,
  dbName: string,
  storageTimeoutMs: number,
): Promise<{ client: MongoClient; db: Db; users: MongoUserRepository; sequences: MongoSequenceRepository }> {
  let client: MongoClient | undefined;
  try {
    // One client per process: it owns the connection pool every repository shares.
    client = new MongoClient(url, { appName: 'increment', serverSelectionTimeoutMS: 5000 });
    await client.connect();
    const db = client.db(dbName);
    const users = new MongoUserRepository(db, storageTimeoutMs);
    await users.ensureIndexes();
    // Not among the indexes checked before each write, as users' are: sequences and idempotency
    // keys are unique by _id, which no wipe of the database can take away.
    const sequences = new MongoSequenceRepository(db, storageTimeoutMs);
    await sequences.ensureIndexes();
    return { client, db, users, sequences };
  } catch (error) {
    await client?.close().catch(() => undefined);
    throw mongoStartupError(error, url);
  }
}
