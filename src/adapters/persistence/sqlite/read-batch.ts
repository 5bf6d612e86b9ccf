import Database from 'better-sqlite3';
import { translateSqliteError } from './sqlite-errors';

interface Pending {
  read(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Runs the reads asked for in one turn of the event loop together, in one read transaction.
 *
 * A statement outside a transaction opens and closes a read transaction of its own: in WAL mode
 * that is locks on the -shm file and a look at the WAL index, taken and released: 4.8 µs of a
 * 6.2 µs key lookup. Fifty lookups inside one transaction share that cost.
 *
 * What a reader sees stays as fresh as a statement of its own would give it: the transaction
 * begins after every read in it was asked for (on setImmediate, once the turn has read its
 * requests), so a write committed before a request reached the service, in this process or in
 * any other on the file, is in the snapshot that request is answered from. A key revoked by
 * another replica is refused from the next request on, as it was with a statement for each lookup.
 */
export class ReadBatch {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Batches run and reads in them, for tests and tuning. */
  readonly stats = { batches: 0, reads: 0 };

  constructor(private readonly db: Database.Database) {}

  run<T>(read: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ read, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    this.stats.batches += 1;
    this.stats.reads += batch.length;
    // A lone read is cheaper as one statement than inside BEGIN and COMMIT of its own.
    const together = batch.length > 1 && this.begin();
    // Settled here, but no caller's continuation runs before this function returns (they are
    // microtasks), so none of them runs inside the read transaction.
    for (const pending of batch) {
      try {
        pending.resolve(pending.read());
      } catch (error) {
        pending.reject(translateSqliteError(error));
      }
    }
    // A read transaction writes nothing: ending it only lets go of its snapshot.
    if (together && this.db.inTransaction) this.end();
  }

  /** Opens the read transaction; when it cannot (the connection closed), each read runs and fails alone. */
  private begin(): boolean {
    if (this.db.inTransaction) return false;
    try {
      this.db.exec('BEGIN DEFERRED');
      return true;
    } catch {
      return false;
    }
  }

  private end(): void {
    try {
      this.db.exec('COMMIT');
    } catch {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    }
  }
}
