import Database from 'better-sqlite3';
import { SqliteStartupError } from './sqlite-errors';

/**
 * The schema, as an ordered list of migrations. PRAGMA user_version records how many have
 * run; start-up applies the rest, so a file is migrated in place. Append, never edit.
 * Tables mirror the MongoDB collections: users and incremental_counter.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
     id             TEXT    PRIMARY KEY,
     email          TEXT    NOT NULL UNIQUE,
     password_hash  TEXT    NOT NULL,
     api_key_digest TEXT    NOT NULL UNIQUE,
     created_at     INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE incremental_counter (
     user_id TEXT    PRIMARY KEY,
     value   INTEGER NOT NULL CHECK (value >= 0)
   ) STRICT;`,
  // Named sequences: one row per (account, sequence), the pair as primary key. Each existing
  // counter becomes its account's `default` in place; its timestamps were never recorded.
  // A range and its idempotency key are written in one transaction, so a key row exists
  // exactly when its range was handed out.
  `CREATE TABLE sequences (
     user_id    TEXT    NOT NULL,
     name       TEXT    NOT NULL,
     value      INTEGER NOT NULL CHECK (value >= 0),
     created_at INTEGER,
     updated_at INTEGER,
     PRIMARY KEY (user_id, name)
   ) STRICT, WITHOUT ROWID;
   INSERT INTO sequences (user_id, name, value) SELECT user_id, 'default', value FROM incremental_counter;
   DROP TABLE incremental_counter;
   ALTER TABLE sequences RENAME TO incremental_counter;
   CREATE TABLE idempotency_keys (
     user_id             TEXT    NOT NULL,
     idempotency_key     TEXT    NOT NULL,
     sequence            TEXT    NOT NULL,
     first_issued        INTEGER NOT NULL,
     last_issued         INTEGER NOT NULL,
     issued_count        INTEGER NOT NULL,
     sequence_created_at INTEGER NOT NULL,
     issued_at           INTEGER NOT NULL,
     PRIMARY KEY (user_id, idempotency_key)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX idempotency_keys_by_age ON idempotency_keys (issued_at);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  // IMMEDIATE: two processes starting together migrate one after the other, not both at once.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new SqliteStartupError(
        `SQLITE_PATH: the database schema is version ${version}, newer than this build knows (${SCHEMA_VERSION}); run a newer release`,
      );
    }
    for (let next = version; next < SCHEMA_VERSION; next += 1) db.exec(MIGRATIONS[next]);
    if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
