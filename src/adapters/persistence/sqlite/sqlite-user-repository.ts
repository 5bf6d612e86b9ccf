import Database from 'better-sqlite3';
import { EmailAlreadyRegistered } from '../../../domain/errors';
import { User } from '../../../domain/user';
import { UserRepository } from '../../../domain/user-repository.port';
import { GroupCommit } from './group-commit';
import { isUniqueViolation, translateSqliteError } from './sqlite-errors';

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  api_key_digest: string;
  created_at: number;
}

export class SqliteUserRepository implements UserRepository {
  private readonly insertStatement: Database.Statement;
  private readonly byDigestStatement: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly writes: GroupCommit,
  ) {
    this.insertStatement = db.prepare(
      `INSERT INTO users (id, email, password_hash, api_key_digest, created_at)
       VALUES (@id, @email, @passwordHash, @apiKeyDigest, @createdAt)`,
    );
    this.byDigestStatement = db.prepare('SELECT * FROM users WHERE api_key_digest = ?');
  }

  async add(user: User): Promise<void> {
    try {
      await this.writes.run(() => this.insertStatement.run({ ...user, createdAt: user.createdAt.getTime() }));
    } catch (error) {
      if (isUniqueViolation(error, 'users.email')) throw new EmailAlreadyRegistered();
      throw error;
    }
  }

  async findByApiKeyDigest(digest: string): Promise<User | null> {
    try {
      const rows = this.byDigestStatement.all(digest) as UserRow[];
      return rows.length === 0 ? null : toUser(rows[0]);
    } catch (error) {
      throw translateSqliteError(error);
    }
  }
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    apiKeyDigest: row.api_key_digest,
    createdAt: new Date(row.created_at),
  };
}
