import Database from 'better-sqlite3';
import { EmailAlreadyRegistered } from '../../../domain/errors';
import { User, UserId } from '../../../domain/user';
import { UserRepository } from '../../../domain/user-repository.port';
import { GroupCommit } from './group-commit';
import { isUniqueViolation, translateSqliteError } from './sqlite-errors';

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
}

export class SqliteUserRepository implements UserRepository {
  private readonly insertStatement: Database.Statement;
  private readonly byEmailStatement: Database.Statement;
  private readonly deleteStatement: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly writes: GroupCommit,
  ) {
    this.insertStatement = db.prepare(
      `INSERT INTO users (id, email, password_hash, created_at)
       VALUES (@id, @email, @passwordHash, @createdAt)`,
    );
    this.byEmailStatement = db.prepare('SELECT * FROM users WHERE email = ?');
    this.deleteStatement = db.prepare('DELETE FROM users WHERE id = ?');
  }

  async add(user: User): Promise<void> {
    try {
      await this.writes.run(() => this.insertStatement.run({ ...user, createdAt: user.createdAt.getTime() }));
    } catch (error) {
      if (isUniqueViolation(error, 'users.email')) throw new EmailAlreadyRegistered();
      throw error;
    }
  }

  async findByEmail(email: string): Promise<User | null> {
    try {
      const rows = this.byEmailStatement.all(email) as UserRow[];
      return rows.length === 0 ? null : toUser(rows[0]);
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  async delete(userId: UserId): Promise<void> {
    await this.writes.run(() => this.deleteStatement.run(userId));
  }
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: new Date(row.created_at),
  };
}
