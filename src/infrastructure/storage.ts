import { Container } from 'inversify';
import { Logger } from 'pino';
import { InMemoryApiKeyRepository } from '../adapters/persistence/in-memory/in-memory-api-key-repository';
import { InMemoryRateLimiter } from '../adapters/persistence/in-memory/in-memory-rate-limiter';
import { InMemorySequenceRepository } from '../adapters/persistence/in-memory/in-memory-sequence-repository';
import { InMemoryStorageHealth } from '../adapters/persistence/in-memory/in-memory-storage-health';
import { InMemoryUserRepository } from '../adapters/persistence/in-memory/in-memory-user-repository';
import { GroupCommit } from '../adapters/persistence/sqlite/group-commit';
import { ReadBatch } from '../adapters/persistence/sqlite/read-batch';
import { SqliteApiKeyRepository } from '../adapters/persistence/sqlite/sqlite-api-key-repository';
import { openSqliteDatabase } from '../adapters/persistence/sqlite/sqlite-database';
import { deleteExpiredRateLimits, SqliteRateLimiter } from '../adapters/persistence/sqlite/sqlite-rate-limiter';
import { SqliteSequenceRepository } from '../adapters/persistence/sqlite/sqlite-sequence-repository';
import { SqliteStorageHealth } from '../adapters/persistence/sqlite/sqlite-storage-health';
import { SqliteUserRepository } from '../adapters/persistence/sqlite/sqlite-user-repository';
import { Config } from './config';
import { bindRateLimits } from './rate-limits';
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
      // Loaded only here: BSON alone allocates about 18 MB of buffers when loaded (an idle SQLite
      // process held 107 MB with the driver, 96 without), which SQLite and memory have no use for.
      const { bindMongoStorage } = await import('./mongo-storage');
      return bindMongoStorage(container, config, logger);
    }
  }
}
