import Database from 'better-sqlite3';
import { translateSqliteError } from './sqlite-errors';

interface Pending {
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
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Groups committed and writes in them, for tests and tuning. */
  readonly stats = { groups: 0, writes: 0 };

  constructor(private readonly db: Database.Database) {}

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.queue;
    this.queue = [];
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const pending of group) pending.reject(translateSqliteError(error));
      return;
    }
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
}
