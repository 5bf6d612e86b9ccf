import { StorageHealth } from '../domain/storage-health.port';

export interface HealthReport {
  readonly healthy: boolean;
  readonly storage: { readonly adapter: string; readonly status: 'ok' | 'fail'; readonly error?: string };
}

export class CheckHealth {
  constructor(private readonly storage: StorageHealth) {}

  async execute(): Promise<HealthReport> {
    try {
      await this.storage.ping();
      return { healthy: true, storage: { adapter: this.storage.adapter, status: 'ok' } };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      return { healthy: false, storage: { adapter: this.storage.adapter, status: 'fail', error: name } };
    }
  }
}
