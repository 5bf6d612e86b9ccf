import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, Stats, statSync } from 'node:fs';
import path from 'node:path';
import { SqliteStartupError } from './sqlite-errors';
import { migrate } from './sqlite-schema';

/** How long start-up waits for another process's lock (two processes migrating one file at once). */
const STARTUP_LOCK_WAIT_MS = 5000;

/**
 * Opens (creating if needed) the database file, sets it up for durability and brings its
 * schema up to date. Every failure says plainly what is wrong with the file or its folder.
 */
export function openSqliteDatabase(file: string): Database.Database {
  if (statOrNothing(file)?.isDirectory()) {
    throw new SqliteStartupError(`SQLITE_PATH: ${file} is a folder; give a file path such as ${file.replace(/\/+$/, '')}/increment.db`);
  }
  const folder = path.dirname(path.resolve(file));
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    const blocker = fileAmongFolders(file);
    if (blocker) {
      throw new SqliteStartupError(`SQLITE_PATH: ${blocker} is a file, so ${file} cannot be created; choose a path inside a folder`, { cause: error });
    }
    throw new SqliteStartupError(`SQLITE_PATH: cannot create the folder ${folder}: ${(error as Error).message}`, { cause: error });
  }
  try {
    // The WAL and its index are files beside the database, so the folder itself must be writable.
    accessSync(folder, constants.W_OK);
  } catch (error) {
    throw new SqliteStartupError(`SQLITE_PATH: the folder ${folder} cannot be written: ${(error as Error).message}`, { cause: error });
  }
  // Two processes starting on a new file together (WORKERS, replicas) can meet a lock SQLite
  // reports at once instead of waiting for it (a journal-mode change, a schema rebuild racing a
  // read): the set-up is retried whole until the start-up wait is over.
  const deadline = Date.now() + STARTUP_LOCK_WAIT_MS;
  for (;;) {
    try {
      return setUp(file);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
      if (!/^SQLITE_(BUSY|LOCKED)/.test(code) || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); // start-up only: nothing else to serve yet
    }
  }
}

function setUp(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: STARTUP_LOCK_WAIT_MS });
  } catch (error) {
    throw new SqliteStartupError(`SQLITE_PATH: cannot open ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    // WAL lets readers and one writer work side by side, also across processes. At
    // synchronous=NORMAL a commit returns once its frames are written to the WAL; the group
    // commit has the WAL synced (wal-sync.ts) before it answers anyone, so a number that left
    // the service survives kill -9 and power loss.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // After a checkpoint, cut the WAL file back so it cannot grow without bound.
    db.pragma(`journal_size_limit = ${4 * 1024 * 1024}`);
    migrate(db);
    // From here on a busy lock is reported at once and waited for by the group commit, on a
    // timer: SQLite's own busy wait sleeps on the event loop's thread and would freeze the process.
    db.pragma('busy_timeout = 0');
    return db;
  } catch (error) {
    db.close();
    if (error instanceof SqliteStartupError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') throw new SqliteStartupError(`SQLITE_PATH: ${file} is not a SQLite database`, { cause: error });
    if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') {
      throw new SqliteStartupError(`SQLITE_PATH: ${file} cannot be written: ${(error as Error).message}`, { cause: error });
    }
    throw new SqliteStartupError(`SQLITE_PATH: cannot use ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The first of the path's would-be folders that exists as something else, as the path wrote it. */
function fileAmongFolders(file: string): string | undefined {
  const folders: string[] = [];
  for (let folder = path.dirname(file); !folders.includes(folder); folder = path.dirname(folder)) folders.unshift(folder);
  return folders.find((folder) => statOrNothing(folder)?.isDirectory() === false);
}

function statOrNothing(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
