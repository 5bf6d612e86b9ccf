import Database from 'better-sqlite3';
import { StorageHealth } from '../../../domain/storage-health.port';

export class SqliteStorageHealth implements StorageHealth {
  readonly adapter = 'sqlite';
  private readonly probe: Database.Statement;

  constructor(db: Database.Database) {
    // Reads a page of the file itself, unlike SELECT 1, which SQLite answers without touching it.
    this.probe = db.prepare('SELECT COUNT(*) FROM sqlite_master');
  }

  async ping(): Promise<void> {
    this.probe.all();
  }
}
