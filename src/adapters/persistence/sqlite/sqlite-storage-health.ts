import Database from 'better-sqlite3';
import { StorageHealth } from '../../../domain/storage-health.port';

export class SqliteStorageHealth implements StorageHealth {
  readonly adapter = 'sqlite';

  constructor(private readonly db: Database.Database) {}

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').all();
  }
}
