import Database from 'better-sqlite3';
import { Counter } from '../../../domain/counter';
import { CounterRepository } from '../../../domain/counter-repository.port';
import { UserId } from '../../../domain/user';
import { GroupCommit } from './group-commit';
import { translateSqliteError } from './sqlite-errors';

export class SqliteCounterRepository implements CounterRepository {
  private readonly incrementStatement: Database.Statement;
  private readonly setStatement: Database.Statement;
  private readonly currentStatement: Database.Statement;
  private readonly deleteStatement: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly writes: GroupCommit,
  ) {
    // One statement does the whole increment: it creates a first counter at 1, adds one
    // below the limit, and returns nothing (so changes nothing) at the limit. Run with
    // .all(), which steps it to completion: a write left half-stepped would hold the WAL.
    this.incrementStatement = db.prepare(
      `INSERT INTO incremental_counter (user_id, value) SELECT @userId, 1 WHERE @limit >= 1
       ON CONFLICT (user_id) DO UPDATE SET value = value + 1 WHERE value < @limit
       RETURNING value`,
    );
    this.setStatement = db.prepare(
      `INSERT INTO incremental_counter (user_id, value) VALUES (@userId, @value)
       ON CONFLICT (user_id) DO UPDATE SET value = excluded.value`,
    );
    this.currentStatement = db.prepare('SELECT value FROM incremental_counter WHERE user_id = ?');
    this.deleteStatement = db.prepare('DELETE FROM incremental_counter WHERE user_id = ?');
  }

  increment(userId: UserId, limit: number): Promise<number | null> {
    return this.writes.run(() => {
      const rows = this.incrementStatement.all({ userId, limit }) as Array<{ value: number }>;
      return rows.length === 0 ? null : rows[0].value;
    });
  }

  async current(userId: UserId): Promise<number> {
    try {
      const rows = this.currentStatement.all(userId) as Array<{ value: number }>;
      return rows.length === 0 ? Counter.INITIAL_VALUE : rows[0].value;
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  async set(userId: UserId, value: number): Promise<void> {
    await this.writes.run(() => this.setStatement.run({ userId, value }));
  }

  async deleteAllOf(userId: UserId): Promise<void> {
    await this.writes.run(() => this.deleteStatement.run(userId));
  }
}
