import { Db } from 'mongodb';
import { StorageHealth } from '../../../domain/storage-health.port';

export class MongoStorageHealth implements StorageHealth {
  readonly adapter = 'mongodb';

  constructor(private readonly db: Db) {}

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }
}
