import Database from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import { FlexibleRateLimiter, Limit } from '../../rate-limit/flexible-rate-limiter';
import { translateSqliteError } from './sqlite-errors';

export const RATE_LIMITS_TABLE = 'rate_limits';

/**
 * Counts in the rate_limits table of the service's own database file, through
 * rate-limiter-flexible's SQLite store on our better-sqlite3 connection, so every process on
 * the file shares them. Each count is one upsert in its own short transaction, outside the
 * group commit: better-sqlite3 is synchronous, so it can never interleave with a group.
 *
 * What the store is not allowed to do: create its table (asynchronously, after the constructor
 * returns; our schema migration creates it, so `tableCreated`), and clear expired rows on its
 * own timer, whose failure (a closed database, a busy lock) would be an unhandled rejection:
 * clearExpired is called by the service on its own schedule instead.
 */
export class SqliteRateLimiter extends FlexibleRateLimiter {
  constructor(
    db: Database.Database,
    limit: Limit,
    private readonly lockWaitMs: number,
  ) {
    super(
      new RateLimiterSQLite({
        storeClient: db,
        storeType: 'better-sqlite3',
        tableName: RATE_LIMITS_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
        keyPrefix: limit.name,
        points: limit.points,
        duration: limit.durationSeconds,
      }),
      translateSqliteError,
    );
  }

  /**
   * The connection reports a lock held by another process at once (busy_timeout 0, so that no
   * wait blocks the event loop); like the group commit, a count waits for it on a timer, up to
   * the storage timeout, before it becomes a 503.
   */
  override consume(key: string): Promise<void> {
    return this.whileBusy(() => super.consume(key));
  }

  override refund(key: string): Promise<void> {
    return this.whileBusy(() => super.refund(key));
  }

  private async whileBusy(attempt: () => Promise<void>): Promise<void> {
    const deadline = performance.now() + this.lockWaitMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 25)) {
      try {
        return await attempt();
      } catch (error) {
        const code = String((error as { cause?: { code?: unknown } }).cause?.code ?? '');
        if (!/^SQLITE_(BUSY|LOCKED)/.test(code) || performance.now() + pause > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}

/** Deletes the counts of windows that are over (of every limit: they share the table). */
export function deleteExpiredRateLimits(db: Database.Database, now: Date): number {
  return db.prepare(`DELETE FROM ${RATE_LIMITS_TABLE} WHERE expire < ?`).run(now.getTime()).changes;
}
