import { Container } from 'inversify';
import { MongoClient } from 'mongodb';
import { InMemoryCounterRepository } from '../adapters/persistence/in-memory/in-memory-counter-repository';
import { InMemoryStorageHealth } from '../adapters/persistence/in-memory/in-memory-storage-health';
import { InMemoryUserRepository } from '../adapters/persistence/in-memory/in-memory-user-repository';
import { MongoCounterRepository } from '../adapters/persistence/mongodb/mongo-counter-repository';
import { MongoStorageHealth } from '../adapters/persistence/mongodb/mongo-storage-health';
import { MongoUserRepository } from '../adapters/persistence/mongodb/mongo-user-repository';
import { Config } from './config';
import { TOKENS } from './tokens';

/** Binds the repositories of the configured store; returns how to release it. */
export async function bindStorage(container: Container, config: Config): Promise<() => Promise<void>> {
  switch (config.storage) {
    case 'memory':
      container.bind(TOKENS.UserRepository).toConstantValue(new InMemoryUserRepository());
      container.bind(TOKENS.CounterRepository).toConstantValue(new InMemoryCounterRepository());
      container.bind(TOKENS.StorageHealth).toConstantValue(new InMemoryStorageHealth());
      return async () => {};
    case 'mongodb': {
      // One client per process: it owns the connection pool every repository shares.
      const client = new MongoClient(config.mongodbUrl!, { appName: 'increment', serverSelectionTimeoutMS: 5000 });
      await client.connect();
      const db = client.db(config.mongodbDb);
      const users = new MongoUserRepository(db);
      await users.ensureIndexes();
      container.bind(TOKENS.UserRepository).toConstantValue(users);
      container.bind(TOKENS.CounterRepository).toConstantValue(new MongoCounterRepository(db));
      container.bind(TOKENS.StorageHealth).toConstantValue(new MongoStorageHealth(db));
      return () => client.close();
    }
  }
}
