import Database from 'better-sqlite3';
import { StorageUnavailable } from '../../../domain/errors';
import { isLockBusy, isStorageFault, translateSqliteError } from './sqlite-errors';
import { Durability, WalSync } from './wal-sync';

interface Pending {
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** performance.now() after which this write stops waiting for the lock. */
  deadline: number;
}

/** First and longest pause between two attempts at the write lock. */
const FIRST_RETRY_MS = 1;
const LONGEST_RETRY_MS = 25;

/**
 * Commits writes in groups: every write queued in one turn of the event loop goes into one
 * immediate transaction, made durable by one sync of the WAL (wal-sync.ts), which runs on a
 * thread of its own while the next group forms and commits. Each caller still gets its own
 * result, and none is answered before a sync begun after its group's COMMIT has returned. A
 * lone caller waits only for setImmediate, never for a timer.
 *
 * The connection's busy_timeout is 0: SQLite's own wait for a lock held by another process
 * is a sleep on Node's only thread, which would stop every request, /health/live included.
 * Instead, a BEGIN that finds the lock taken is tried again on a timer with growing pauses,
 * and each write gives up lockWaitMs after it arrived, on its own.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private retryPause = 0;
  /** Groups committed and writes in them, for tests and tuning. */
  readonly stats = { groups: 0, writes: 0 };
  /** The disk fault (full, I/O error) that failed the last group, until a group commits again. */
  fault: unknown = null;

  constructor(
    private readonly db: Database.Database,
    private readonly lockWaitMs = 1000,
    readonly sync: Durability = new WalSync(`${db.name}-wal`),
  ) {}

  /** Resolves once every commit made before the call, by any process on the file, is on disk. */
  durable(): Promise<void> {
    return this.sync.durable();
  }

  /** Makes every commit so far durable and stops the sync thread; the connection stays open. */
  close(): Promise<void> {
    return this.sync.close();
  }

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline = performance.now() + this.lockWaitMs;
      this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject, deadline });
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
    if (this.sync.failure !== null) {
      // A failed sync leaves the WAL's state on disk unknown: nothing more is written.
      this.fault = this.sync.failure;
      for (const pending of group) pending.reject(new StorageUnavailable(this.sync.failure));
      return;
    }
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      if (isLockBusy(error)) return this.waitForLock(group, error);
      if (isStorageFault(error)) this.fault = error;
      for (const pending of group) pending.reject(translateSqliteError(error));
      return;
    }
    this.retryPause = 0;
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
      if (isStorageFault(error)) this.fault = error;
      for (const pending of group) pending.reject(translateSqliteError(error));
      return;
    }
    this.fault = null;
    this.stats.groups += 1;
    this.stats.writes += group.length;
    // A refusal is answered after the sync too: it may rest on a write not yet on disk (an
    // email taken by a registration of this group).
    this.sync.durable().then(
      () =>
        group.forEach((pending, index) => {
          const result = results[index];
          if (result.ok) pending.resolve(result.value);
          else {
            if (isStorageFault(result.error)) this.fault = result.error;
            pending.reject(translateSqliteError(result.error));
          }
        }),
      (error: unknown) => {
        this.fault = this.sync.failure;
        for (const pending of group) pending.reject(error);
      },
    );
  }

  /** Another connection holds the write lock: fail the writes that waited long enough, retry the rest later. */
  private waitForLock(group: Pending[], busy: unknown): void {
    const now = performance.now();
    const waiting: Pending[] = [];
    for (const pending of group) {
      if (pending.deadline <= now) pending.reject(new StorageUnavailable(busy));
      else waiting.push(pending);
    }
    // Writes that arrived meanwhile queue behind the ones that have waited longer.
    this.queue = [...waiting, ...this.queue];
    if (this.queue.length === 0) {
      this.retryPause = 0;
      return;
    }
    this.retryPause = Math.min(Math.max(this.retryPause * 2, FIRST_RETRY_MS), LONGEST_RETRY_MS);
    const firstDeadline = this.queue.reduce((first, pending) => Math.min(first, pending.deadline), Infinity);
    const pause = Math.max(0, Math.min(this.retryPause, firstDeadline - now));
    this.scheduled = true;
    setTimeout(() => this.flush(), pause);
  }
}
