import Database from 'better-sqlite3';
import { SqliteStartupError } from './sqlite-errors';

/**
 * The schema, as an ordered list of migrations. PRAGMA user_version records how many have
 * run; start-up applies the rest, so a file is migrated in place. Append, never edit.
 * Tables mirror the MongoDB collections: users and incremental_counter.
 */
const MIGRATIONS: readonly string[] = [
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
