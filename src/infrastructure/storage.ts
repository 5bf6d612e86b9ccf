import { Container } from 'inversify';
import { MongoClient } from 'mongodb';
import { InMemorySequenceRepository } from '../adapters/persistence/in-memory/in-memory-sequence-repository';
import { InMemoryStorageHealth } from '../adapters/persistence/in-memory/in-memory-storage-health';
import { InMemoryUserRepository } from '../adapters/persistence/in-memory/in-memory-user-repository';
import { MongoSequenceRepository } from '../adapters/persistence/mongodb/mongo-sequence-repository';
import { MongoStorageHealth } from '../adapters/persistence/mongodb/mongo-storage-health';
import { MongoUserRepository } from '../adapters/persistence/mongodb/mongo-user-repository';
import { GroupCommit } from '../adapters/persistence/sqlite/group-commit';
import { openSqliteDatabase } from '../adapters/persistence/sqlite/sqlite-database';
import { SqliteSequenceRepository } from '../adapters/persistence/sqlite/sqlite-sequence-repository';
import { SqliteStorageHealth } from '../adapters/persistence/sqlite/sqlite-storage-health';
import { SqliteUserRepository } from '../adapters/persistence/sqlite/sqlite-user-repository';
import { Config } from './config';
import { TOKENS } from './tokens';

/** Binds the repositories of the configured store; returns how to release it. */
export async function bindStorage(container: Container, config: Config): Promise<() => Promise<void>> {
  switch (config.storage) {
    case 'memory':
      container.bind(TOKENS.UserRepository).toConstantValue(new InMemoryUserRepository());
      container.bind(TOKENS.SequenceRepository).toConstantValue(new InMemorySequenceRepository());
      container.bind(TOKENS.StorageHealth).toConstantValue(new InMemoryStorageHealth());
      return async () => {};
    case 'sqlite': {
      const db = openSqliteDatabase(config.sqlitePath);
      // One connection and one write queue per process, shared by both repositories.
      const writes = new GroupCommit(db);
      container.bind(TOKENS.UserRepository).toConstantValue(new SqliteUserRepository(db, writes));
      container.bind(TOKENS.SequenceRepository).toConstantValue(new SqliteSequenceRepository(db, writes));
      container.bind(TOKENS.StorageHealth).toConstantValue(new SqliteStorageHealth(db));
      return async () => {
        db.close();
      };
    }
    case 'mongodb': {
      // One client per process: it owns the connection pool every repository shares.
      const client = new MongoClient(config.mongodbUrl!, { appName: 'increment', serverSelectionTimeoutMS: 5000 });
      await client.connect();
      const db = client.db(config.mongodbDb);
      const users = new MongoUserRepository(db);
      await users.ensureIndexes();
      const sequences = new MongoSequenceRepository(db);
      await sequences.ensureIndexes();
      container.bind(TOKENS.UserRepository).toConstantValue(users);
      container.bind(TOKENS.SequenceRepository).toConstantValue(sequences);
      container.bind(TOKENS.StorageHealth).toConstantValue(new MongoStorageHealth(db));
      return () => client.close();
    }
  }
}
