import { StorageHealth } from '../../../domain/storage-health.port';

export class InMemoryStorageHealth implements StorageHealth {
  readonly adapter = 'memory';

  async ping(): Promise<void> {}
}
