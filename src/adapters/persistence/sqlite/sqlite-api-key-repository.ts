import Database from 'better-sqlite3';
import { ApiKey } from '../../../domain/api-key';
import { ApiKeyRepository, Revocation } from '../../../domain/api-key-repository.port';
import { UserId } from '../../../domain/user';
import { GroupCommit } from './group-commit';
import { ReadBatch } from './read-batch';
import { translateSqliteError } from './sqlite-errors';

/** The columns a key is read from, in the order of KeyColumns. */
const KEY_COLUMNS = 'id, user_id, label, prefix, digest, created_at, last_used_at';

/**
 * Keys in the api_keys table. Every write runs inside a group commit's BEGIN IMMEDIATE, which
 * holds the file's write lock: a count and the write that depends on it happen with no other
 * writer in between, in this process or any other, so the per-user limit and the last-key rule
 * hold under concurrency.
 */
export class SqliteApiKeyRepository implements ApiKeyRepository {
  private readonly insertStatement: Database.Statement;
  private readonly byDigestStatement: Database.Statement<[digest: string], KeyColumns>;
  private readonly byUserStatement: Database.Statement<[userId: string], KeyColumns>;
  private readonly ownerStatement: Database.Statement;
  private readonly countStatement: Database.Statement;
  private readonly deleteStatement: Database.Statement;
  private readonly recordUseStatement: Database.Statement;
  private readonly deleteAllStatement: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly writes: GroupCommit,
    private readonly reads: ReadBatch,
  ) {
    // The limit is in the statement itself: the row is inserted only while the user has fewer keys.
    this.insertStatement = db.prepare(
      `INSERT INTO api_keys (id, user_id, label, prefix, digest, created_at, last_used_at)
       SELECT @id, @userId, @label, @prefix, @digest, @createdAt, @lastUsedAt
       WHERE (SELECT COUNT(*) FROM api_keys WHERE user_id = @userId) < @limit`,
    );
    // Rows as arrays (raw): every authenticated request runs the digest lookup, and a row read as
    // an object names seven properties on it, each name looked up in V8's string table.
    this.byDigestStatement = db.prepare<[digest: string], KeyColumns>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE digest = ?`).raw(true);
    // rowid breaks ties between keys made in the same millisecond: the later insert is newer.
    this.byUserStatement = db
      .prepare<[userId: string], KeyColumns>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, rowid DESC`)
      .raw(true);
    this.ownerStatement = db.prepare('SELECT user_id FROM api_keys WHERE id = ?');
    this.countStatement = db.prepare('SELECT COUNT(*) AS keys FROM api_keys WHERE user_id = ?');
    this.deleteStatement = db.prepare('DELETE FROM api_keys WHERE id = ?');
    this.recordUseStatement = db.prepare(
      `UPDATE api_keys
       SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < @since THEN @at ELSE last_used_at END,
           prefix = COALESCE(prefix, @prefix)
       WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @since OR prefix IS NULL)`,
    );
    this.deleteAllStatement = db.prepare('DELETE FROM api_keys WHERE user_id = ?');
  }

  async addWithinLimit(key: ApiKey, limit: number): Promise<boolean> {
    const result = await this.writes.run(() => this.insertStatement.run({ ...toRowParameters(key), limit }));
    return result.changes === 1;
  }

  /** Every authenticated request asks this: the lookups of a turn share one read transaction. */
  findByDigest(digest: string): Promise<ApiKey | null> {
    return this.reads.run(() => {
      const columns = this.byDigestStatement.get(digest);
      return columns === undefined ? null : keyOf(columns);
    });
  }

  async listByUser(userId: UserId): Promise<ApiKey[]> {
    let rows: KeyColumns[];
    try {
      rows = this.byUserStatement.all(userId);
    } catch (error) {
      throw translateSqliteError(error);
    }
    // The list may show a key whose creation is still being synced: answered once it is on disk.
    await this.writes.durable();
    return rows.map(keyOf);
  }

  revoke(userId: UserId, keyId: string): Promise<Revocation> {
    return this.writes.run((): Revocation => {
      const owner = this.ownerStatement.all(keyId) as Array<{ user_id: string }>;
      if (owner.length === 0 || owner[0].user_id !== userId) return 'not_found';
      const [{ keys }] = this.countStatement.all(userId) as Array<{ keys: number }>;
      if (keys <= 1) return 'last_key';
      this.deleteStatement.run(keyId);
      return 'revoked';
    });
  }

  async recordUse(keyId: string, prefix: string, at: Date, unlessUsedSince: Date): Promise<void> {
    await this.writes.run(() =>
      this.recordUseStatement.run({ id: keyId, prefix, at: at.getTime(), since: unlessUsedSince.getTime() }),
    );
  }

  async revokeAllOf(userId: UserId): Promise<void> {
    await this.writes.run(() => this.deleteAllStatement.run(userId));
  }
}

/** A key's row as the lookups return it: the columns of KEY_COLUMNS, in that order. */
type KeyColumns = [id: string, userId: string, label: string | null, prefix: string | null, digest: string, createdAt: number, lastUsedAt: number | null];

function keyOf([id, userId, label, prefix, digest, createdAt, lastUsedAt]: KeyColumns): ApiKey {
  return { id, userId, label, prefix, digest, createdAt: new Date(createdAt), lastUsedAt: lastUsedAt === null ? null : new Date(lastUsedAt) };
}

function toRowParameters(key: ApiKey) {
  return {
    id: key.id,
    userId: key.userId,
    label: key.label,
    prefix: key.prefix,
    digest: key.digest,
    createdAt: key.createdAt.getTime(),
    lastUsedAt: key.lastUsedAt?.getTime() ?? null,
  };
}

