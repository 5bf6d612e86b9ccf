import { Collection, Document, TopologyDescriptionChangedEvent } from 'mongodb';
import { StorageUnavailable } from '../../../domain/errors';
import { isNamespaceNotFound, UniqueIndexName } from './mongo-errors';

export interface UniqueIndex extends UniqueIndexName {
  readonly key: Record<string, 1>;
}

/** The unique indexes are missing: writes that rely on them would let duplicates in. */
export class MissingUniqueIndexes extends Error {
  constructor(collection: string, names: string[]) {
    super(`the unique indexes ${names.join(', ')} of ${collection} were missing (database wiped or restored?); recreating them`);
    this.name = 'MissingUniqueIndexes';
  }
}

/**
 * The unique indexes a collection's writes rely on. They exist only if someone created them:
 * a database wiped or restored under running replicas comes back without them, and then 20
 * concurrent registrations of one email would all succeed. So they are checked before each
 * such write, by /health, and recreated after a reconnection.
 */
export class MongoUniqueIndexes {
  private ensuring: Promise<void> | null = null;

  constructor(
    private readonly collection: Collection<Document>,
    readonly indexes: readonly UniqueIndex[],
  ) {}

  /** Creates what is missing (createIndexes is idempotent); concurrent callers share one call. */
  ensure(): Promise<void> {
    this.ensuring ??= this.collection
      .createIndexes(this.indexes.map(({ key, name }) => ({ key, name, unique: true })))
      .then(() => undefined)
      .finally(() => (this.ensuring = null));
    return this.ensuring;
  }

  /** Names of the indexes that are not there. A collection that does not exist has none. */
  async missing(): Promise<string[]> {
    const present: Array<string | undefined> = await this.collection.indexes().then(
      (described) => described.map((index) => index.name),
      (error: unknown): string[] => {
        if (isNamespaceNotFound(error)) return [];
        throw error;
      },
    );
    return this.indexes.filter((index) => !present.includes(index.name)).map((index) => index.name);
  }

  /** Before a write that relies on uniqueness: the indexes are there, or made again, or the write is refused with StorageUnavailable. */
  async require(): Promise<void> {
    if ((await this.missing()).length === 0) return;
    try {
      await this.ensure();
    } catch (error) {
      // Another replica building the same index at the same moment may make this call fail;
      // what matters is whether the index is there now.
      if ((await this.missing()).length === 0) return;
      // E.g. duplicates already let in stop the unique index from being built: an operator must look.
      throw new StorageUnavailable(error);
    }
  }

  /** For /health: rejects when an index was missing, after starting to recreate it. */
  async check(): Promise<void> {
    const missing = await this.missing();
    if (missing.length === 0) return;
    this.ensure().catch(() => undefined);
    throw new MissingUniqueIndexes(this.collection.collectionName, missing);
  }
}

/** The part of MongoClient that tells when the server is reachable again. */
export interface TopologyEvents {
  on(event: 'topologyDescriptionChanged', listener: (event: TopologyDescriptionChangedEvent) => void): unknown;
}

/**
 * After an outage the database may come back as another one (restored, or wiped meanwhile):
 * once a data-bearing server is reachable again, the indexes are ensured at once rather than
 * at the next write or probe.
 */
export function ensureAfterReconnection(client: TopologyEvents, indexes: MongoUniqueIndexes, log: (error: unknown) => void): void {
  client.on('topologyDescriptionChanged', (event) => {
    if (event.previousDescription.hasDataBearingServers || !event.newDescription.hasDataBearingServers) return;
    indexes.ensure().then(() => log(null), log);
  });
}
