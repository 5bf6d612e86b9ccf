import { Db } from 'mongodb';
import { StorageHealth } from '../../../domain/storage-health.port';
import { MissingUniqueIndexes, MongoUniqueIndexes } from './mongo-unique-indexes';

/** Readiness probes give up after a second or so; the ping must answer 503 before that, not hang. */
export const PING_TIMEOUT_MS = 800;

export class PingTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`MongoDB did not answer a ping within ${timeoutMs} ms`);
    this.name = 'PingTimeout';
  }
}

export class MongoStorageHealth implements StorageHealth {
  readonly adapter = 'mongodb';

  constructor(
    private readonly db: Db,
    private readonly timeoutMs = PING_TIMEOUT_MS,
    /** Checked on every probe: a wiped database has lost them, and writes are unsafe until they are back. */
    private readonly uniqueIndexes: readonly MongoUniqueIndexes[] = [],
    /** Told when an index was found missing, with which. */
    private readonly report: (problem: string) => void = () => {},
  ) {}

  async ping(): Promise<void> {
    // Without a server the driver waits serverSelectionTimeoutMS (5 s) before failing.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PingTimeout(this.timeoutMs)), this.timeoutMs);
    });
    try {
      await Promise.race([this.probe(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async probe(): Promise<void> {
    await this.db.command({ ping: 1 });
    for (const indexes of this.uniqueIndexes) {
      await indexes.check().catch((error: unknown) => {
        if (error instanceof MissingUniqueIndexes) this.report(error.message);
        throw error;
      });
    }
  }
}
