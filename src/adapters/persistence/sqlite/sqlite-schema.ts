import Database from 'better-sqlite3';
import { SqliteStartupError } from './sqlite-errors';

/**
 * The schema, as an ordered list of migrations. PRAGMA user_version records how many have
 * run; start-up applies the rest, so a file is migrated in place. Append, never edit (tests
 * build files of earlier versions from the first entries).
 * Tables mirror the MongoDB collections: users, incremental_counter, api_keys, rate_limits.
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

  // Several keys per user: keys move out of users into api_keys. The one key each user had
  // keeps working (its digest moves; its id is the user's, its prefix is filled in at its next
  // use, since only the digest was ever stored). SQLite cannot drop a UNIQUE column, so users
  // is rebuilt without api_key_digest. rate_limits has the columns rate-limiter-flexible's
  // SQLite store reads and writes (it is told the table exists, so it never creates its own).
  `CREATE TABLE api_keys (
     id           TEXT    PRIMARY KEY,
     user_id      TEXT    NOT NULL,
     label        TEXT,
     prefix       TEXT,
     digest       TEXT    NOT NULL UNIQUE,
     created_at   INTEGER NOT NULL,
     last_used_at INTEGER
   ) STRICT;
   CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at);
   INSERT INTO api_keys (id, user_id, label, prefix, digest, created_at, last_used_at)
     SELECT id, id, NULL, NULL, api_key_digest, created_at, NULL FROM users;
   CREATE TABLE users_without_key (
     id            TEXT    PRIMARY KEY,
     email         TEXT    NOT NULL UNIQUE,
     password_hash TEXT    NOT NULL,
     created_at    INTEGER NOT NULL
   ) STRICT;
   INSERT INTO users_without_key (id, email, password_hash, created_at)
     SELECT id, email, password_hash, created_at FROM users;
   DROP TABLE users;
   ALTER TABLE users_without_key RENAME TO users;
   CREATE TABLE rate_limits (
     key    TEXT    PRIMARY KEY,
     points INTEGER NOT NULL DEFAULT 0,
     expire INTEGER
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
