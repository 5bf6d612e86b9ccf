import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from './sqlite-database';
import { translateSqliteError } from './sqlite-errors';

interface Pending {
  /** Date.now() when it was queued: it waits for another process's lock up to BUSY_TIMEOUT_MS from then. */
  readonly since: number;
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Commits writes in groups: every write queued while the previous group was being committed
 * (better-sqlite3 is synchronous, so requests pile up during an fsync) goes into one
 * immediate transaction with one sync. Each caller still gets its own result, and none is
 * answered before its group's COMMIT has returned. A lone caller waits only for setImmediate,
 * never for a timer.
 *
 * When another process (WORKERS > 1, or a second server on the file) holds the write lock, the
 * group does not wait inside SQLite: its busy handler sleeps with the whole event loop stopped,
 * so the process could neither take requests nor answer any. The lock is tried again every
 * millisecond instead, while new writes join the waiting group; a write that has waited
 * BUSY_TIMEOUT_MS fails with SQLITE_BUSY (503, nothing written), as a blocked BEGIN would.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Groups committed and writes in them, for tests and tuning. */
  readonly stats = { groups: 0, writes: 0 };

  constructor(private readonly db: Database.Database) {}

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ since: Date.now(), run: write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.begin()) return;
    const group = this.queue;
    this.queue = [];
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      for (const pending of group) {
        // A failing statement (a unique violation) is rolled back on its own and the rest of the
        // group stands. But some errors (disk full, I/O) make SQLite roll back the whole
        // transaction; the statements after it would then commit one by one, outside the group,
        // while their callers are told they failed. So nothing of the group may stand.
        try {
          results.push({ ok: true, value: pending.run() });
        } catch (error) {
          if (!this.db.inTransaction) throw error;
          results.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const pending of group) pending.reject(translateSqliteError(error));
      return;
    }
    this.stats.groups += 1;
    this.stats.writes += group.length;
    group.forEach((pending, index) => {
      const result = results[index];
      if (result.ok) pending.resolve(result.value);
      else pending.reject(translateSqliteError(result.error));
    });
  }

  /** BEGIN IMMEDIATE without waiting; false when the group has been retried later or failed. */
  private begin(): boolean {
    let busy: unknown;
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      busy = error;
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    if (busy === undefined) return true;
    const expired = (busy as { code?: string }).code !== 'SQLITE_BUSY' ? Infinity : Date.now() - BUSY_TIMEOUT_MS;
    const waiting = this.queue.filter((pending) => pending.since > expired);
    for (const pending of this.queue) if (pending.since <= expired) pending.reject(translateSqliteError(busy));
    this.queue = waiting;
    if (waiting.length > 0) {
      this.scheduled = true;
      setTimeout(() => this.flush(), 1);
    }
    return false;
  }
}
