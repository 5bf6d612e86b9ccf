import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GroupCommit } from '../../src/adapters/persistence/sqlite/group-commit';
import { ReadBatch } from '../../src/adapters/persistence/sqlite/read-batch';
import { openSqliteDatabase } from '../../src/adapters/persistence/sqlite/sqlite-database';
import { SqliteStartupError } from '../../src/adapters/persistence/sqlite/sqlite-errors';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/adapters/persistence/sqlite/sqlite-schema';
import { SqliteApiKeyRepository } from '../../src/adapters/persistence/sqlite/sqlite-api-key-repository';
import { deleteExpiredRateLimits, SqliteRateLimiter } from '../../src/adapters/persistence/sqlite/sqlite-rate-limiter';
import { SqliteSequenceRepository } from '../../src/adapters/persistence/sqlite/sqlite-sequence-repository';
import { SqliteStorageHealth } from '../../src/adapters/persistence/sqlite/sqlite-storage-health';
import { SqliteUserRepository } from '../../src/adapters/persistence/sqlite/sqlite-user-repository';
import { EmailAlreadyRegistered, IdempotencyKeyReused, StorageUnavailable, TooManyRequests } from '../../src/domain/errors';
import { IdempotencyKey } from '../../src/domain/sequence';
import { apiKeyRepositoryContract } from '../contracts/api-key-repository.contract';
import { rateLimiterContract } from '../contracts/rate-limiter.contract';
import { sequenceRepositoryContract } from '../contracts/sequence-repository.contract';
import { userRepositoryContract } from '../contracts/user-repository.contract';
import { anApiKey, aUser } from '../support/builders';
import { mountSmallDisk, SmallDisk } from '../support/small-disk';

const MAX = Number.MAX_SAFE_INTEGER;

/** The default sequence's next integer, as /v1/next asks for it. */
const next = async (sequences: SqliteSequenceRepository, user: string, idempotencyKey?: string, now = new Date()) =>
  (await sequences.issue(user, 'default', { count: 1, limit: MAX, idempotencyKey, now })).issued.last;
const current = async (sequences: SqliteSequenceRepository, user: string) => (await sequences.get(user, 'default'))!.value;
const folders: string[] = [];
const open: Database.Database[] = [];

function freshFile(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'increment-sqlite-'));
  folders.push(folder);
  return path.join(folder, 'increment.db');
}

function openDatabase(file = freshFile()): Database.Database {
  const db = openSqliteDatabase(file);
  open.push(db);
  return db;
}

after(() => {
  for (const db of open) if (db.open) db.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

userRepositoryContract('sqlite', async () => {
  const db = openDatabase();
  return new SqliteUserRepository(db, new GroupCommit(db));
});
sequenceRepositoryContract('sqlite', async () => {
  const db = openDatabase();
  return new SqliteSequenceRepository(db, new GroupCommit(db));
});
apiKeyRepositoryContract('sqlite', async () => {
  const db = openDatabase();
  return new SqliteApiKeyRepository(db, new GroupCommit(db), new ReadBatch(db));
});
rateLimiterContract('sqlite', async (limit) => new SqliteRateLimiter(openDatabase(), limit, 1000));

describe('SQLite storage', () => {
  it('keeps users, keys and counters when the file is closed and opened again', async () => {
    const file = freshFile();
    let db = openSqliteDatabase(file);
    const user = aUser();
    const key = anApiKey({ userId: user.id });
    await new SqliteUserRepository(db, new GroupCommit(db)).add(user);
    await new SqliteApiKeyRepository(db, new GroupCommit(db), new ReadBatch(db)).addWithinLimit(key, 20);
    await new SqliteSequenceRepository(db, new GroupCommit(db)).set(user.id, 'default', 41, { now: new Date() });
    db.close();
    db = openDatabase(file);
    expect(await new SqliteUserRepository(db, new GroupCommit(db)).findByEmail(user.email)).to.deep.equal(user);
    expect(await new SqliteApiKeyRepository(db, new GroupCommit(db), new ReadBatch(db)).findByDigest(key.digest)).to.deep.equal(key);
    expect(await next(new SqliteSequenceRepository(db, new GroupCommit(db)), user.id)).to.equal(42);
  });

  it('runs in WAL mode with synchronous=NORMAL (the group commit syncs the WAL), and records the schema version', () => {
    const db = openDatabase();
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    expect(db.pragma('synchronous', { simple: true })).to.equal(1); // NORMAL: see wal-sync.ts
    expect(db.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
  });

  it('migrates idempotently: opening a file twice changes nothing', () => {
    const file = freshFile();
    openSqliteDatabase(file).close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables).to.deep.equal([{ name: 'api_keys' }, { name: 'idempotency_keys' }, { name: 'incremental_counter' }, { name: 'rate_limits' }, { name: 'users' }]);
  });

  it('refuses a schema newer than the code, a file that is not SQLite, a path under a file, and a folder', () => {
    const newer = freshFile();
    const db = openSqliteDatabase(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteDatabase(newer)).to.throw(SqliteStartupError, /newer than this build/);

    const notSqlite = freshFile();
    writeFileSync(notSqlite, 'this is a text file, not a database '.repeat(200));
    expect(() => openSqliteDatabase(notSqlite)).to.throw(SqliteStartupError, /is not a SQLite database/);

    const aFile = freshFile();
    writeFileSync(aFile, '');
    expect(() => openSqliteDatabase(path.join(aFile, 'sub', 'x.db'))).to.throw(
      SqliteStartupError,
      `SQLITE_PATH: ${aFile} is a file, so ${path.join(aFile, 'sub', 'x.db')} cannot be created; choose a path inside a folder`,
    );
    expect(() => openSqliteDatabase(tmpdir())).to.throw(SqliteStartupError, `SQLITE_PATH: ${tmpdir()} is a folder; give a file path such as ${tmpdir()}/increment.db`);
  });

  it('commits concurrent increments together: fewer groups than writes, each caller its own number', async () => {
    const db = openDatabase();
    const writes = new GroupCommit(db);
    const counters = new SqliteSequenceRepository(db, writes);
    const values = await Promise.all(Array.from({ length: 100 }, () => next(counters, 'ada')));
    expect([...values].sort((a, b) => a! - b!)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(writes.stats.writes).to.equal(100);
    expect(writes.stats.groups).to.equal(1);
  });

  it('keeps the rest of a group when one write breaks a constraint', async () => {
    const db = openDatabase();
    const writes = new GroupCommit(db);
    const users = new SqliteUserRepository(db, writes);
    const counters = new SqliteSequenceRepository(db, writes);
    const taken = aUser({ email: 'taken@example.com' });
    await users.add(taken);
    const outcomes = await Promise.allSettled([
      next(counters, 'ada'),
      users.add(aUser({ email: 'taken@example.com' })),
      next(counters, 'ada'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).to.be.instanceOf(EmailAlreadyRegistered);
    expect(await current(counters, 'ada')).to.equal(2);
  });

  it('fails the whole group, and stores none of it, when SQLite rolls the transaction back midway', async () => {
    const db = openDatabase();
    const writes = new GroupCommit(db);
    const users = new SqliteUserRepository(db, writes);
    const counters = new SqliteSequenceRepository(db, writes);
    // What a full disk or an I/O error does to a transaction, made reproducible with a trigger.
    db.exec(`CREATE TEMP TRIGGER roll_back BEFORE INSERT ON users WHEN NEW.email = 'rollback@example.com'
             BEGIN SELECT RAISE(ROLLBACK, 'simulated failure'); END`);
    const outcomes = await Promise.allSettled([
      next(counters, 'ada'),
      users.add(aUser({ email: 'rollback@example.com' })),
      next(counters, 'ada'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    expect(await current(counters, 'ada')).to.equal(0);
    expect(db.inTransaction).to.equal(false);
  });

  it('commits a lone increment at once, in a group of its own', async () => {
    const db = openDatabase();
    const writes = new GroupCommit(db);
    const counters = new SqliteSequenceRepository(db, writes);
    expect(await next(counters, 'ada')).to.equal(1);
    expect(await next(counters, 'ada')).to.equal(2);
    expect(writes.stats).to.deep.equal({ groups: 2, writes: 2 });
  });

  describe('while another connection holds the write lock', () => {
    let file: string;
    let db: Database.Database;
    let other: Database.Database;
    beforeEach(() => {
      file = freshFile();
      db = openDatabase(file);
      other = new Database(file);
      other.exec('BEGIN IMMEDIATE');
    });
    afterEach(() => {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    });

    it('reports StorageUnavailable after the wait, and hands out nothing', async () => {
      const counters = new SqliteSequenceRepository(db, new GroupCommit(db, 50));
      expect(await next(counters, 'ada').catch((e: unknown) => e)).to.be.instanceOf(StorageUnavailable);
      other.exec('ROLLBACK');
      expect(await current(counters, 'ada')).to.equal(0);
      expect(await next(counters, 'ada')).to.equal(1);
    });

    it('keeps the event loop running while a write waits, and reads answer meanwhile', async () => {
      // better-sqlite3's busy_timeout waits by sleeping on the only thread: no timer would fire.
      const counters = new SqliteSequenceRepository(db, new GroupCommit(db, 400));
      let ticks = 0;
      const ticker = setInterval(() => (ticks += 1), 10);
      const waiting = next(counters, 'ada').catch((e: unknown) => e);
      const readDuringWait = await current(counters, 'ada');
      await waiting;
      clearInterval(ticker);
      expect(readDuringWait).to.equal(0);
      expect(ticks, 'timer ticks while the write waited').to.be.at.least(10);
    });

    it('gives each waiting write its own deadline, counted from when it arrived', async () => {
      const counters = new SqliteSequenceRepository(db, new GroupCommit(db, 300));
      const started = performance.now();
      const outcomes = await Promise.all(
        [0, 100, 200].map(async (delay) => {
          await new Promise((resolve) => setTimeout(resolve, delay));
          const sent = performance.now();
          const error = await next(counters, 'ada').catch((e: unknown) => e);
          expect(error).to.be.instanceOf(StorageUnavailable);
          return { waited: performance.now() - sent, answeredAt: performance.now() - started };
        }),
      );
      for (const { waited } of outcomes) expect(waited).to.be.within(290, 450);
      // One after another, each would wait out the one before it: 300, 600, 900 ms.
      expect(outcomes[2].answeredAt).to.be.below(700);
    });

    it('commits a waiting write once the lock is released', async () => {
      const writes = new GroupCommit(db, 2000);
      const counters = new SqliteSequenceRepository(db, writes);
      const waiting = next(counters, 'ada');
      setTimeout(() => other.exec('ROLLBACK'), 100);
      expect(await waiting).to.equal(1);
      expect(writes.stats).to.deep.equal({ groups: 1, writes: 1 });
    });
  });

  it('migrates a file of schema version 1 in place: each counter becomes its account\'s default, values kept', async () => {
    const file = freshFile();
    const old = new Database(file);
    // Today's schema is version 1: its tables, written as the release before named sequences wrote them.
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO incremental_counter (user_id, value) VALUES (?, ?)').run('ada', 41);
    old.prepare('INSERT INTO incremental_counter (user_id, value) VALUES (?, ?)').run('grace', MAX);
    old.close();

    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
    const sequences = new SqliteSequenceRepository(db, new GroupCommit(db));
    expect(await sequences.list('ada', { size: 10 })).to.deep.equal([{ name: 'default', value: 41, createdAt: null, updatedAt: null }]);
    expect(await next(sequences, 'ada')).to.equal(42);
    expect(await current(sequences, 'grace')).to.equal(MAX);
    expect(await current(sequences, 'nobody')).to.equal(0);
  });

  it('stores a range and its idempotency key together: when the group fails, neither is stored', async () => {
    const db = openDatabase();
    const sequences = new SqliteSequenceRepository(db, new GroupCommit(db));
    await next(sequences, 'ada');
    // What a full disk does to the transaction, at the instant the key is written.
    db.exec(`CREATE TEMP TRIGGER roll_back BEFORE INSERT ON idempotency_keys WHEN NEW.idempotency_key = 'doomed'
             BEGIN SELECT RAISE(ROLLBACK, 'simulated failure'); END`);
    const outcomes = await Promise.allSettled([next(sequences, 'ada'), next(sequences, 'ada', 'doomed')]);
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected']);
    expect(await current(sequences, 'ada')).to.equal(1);
    db.exec('DROP TRIGGER roll_back');
    expect(await next(sequences, 'ada', 'doomed')).to.equal(2);
  });

  it('takes back the range of a request whose key could not be stored, and keeps the rest of its group', async () => {
    const db = openDatabase();
    const sequences = new SqliteSequenceRepository(db, new GroupCommit(db));
    // A statement-level failure after the range was taken: without a savepoint of its own
    // the range would commit with the group while its caller is told it failed.
    db.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON idempotency_keys WHEN NEW.idempotency_key = 'doomed'
             BEGIN SELECT RAISE(ABORT, 'simulated constraint'); END`);
    const outcomes = await Promise.allSettled([next(sequences, 'ada'), next(sequences, 'ada', 'doomed'), next(sequences, 'ada')]);
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null))).to.deep.equal([1, null, 2]);
    expect(await current(sequences, 'ada')).to.equal(2);
  });

  it('keeps the rest of a group when one idempotent request is refused, and that one changes nothing', async () => {
    const db = openDatabase();
    const writes = new GroupCommit(db);
    const sequences = new SqliteSequenceRepository(db, writes);
    await next(sequences, 'ada', 'k');
    const outcomes = await Promise.allSettled([
      next(sequences, 'ada'),
      sequences.issue('ada', 'default', { count: 5, limit: MAX, idempotencyKey: 'k', now: new Date() }),
      next(sequences, 'ada'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).to.be.instanceOf(IdempotencyKeyReused);
    expect(await current(sequences, 'ada')).to.equal(3);
    expect(writes.stats.groups).to.equal(2);
  });

  it('forgets idempotency keys once they are older than the retention, not before', async () => {
    const db = openDatabase();
    const sequences = new SqliteSequenceRepository(db, new GroupCommit(db));
    const start = new Date('2026-01-02T00:00:00Z');
    const at = (ms: number) => new Date(start.getTime() + ms);
    expect(await next(sequences, 'ada', 'k', start)).to.equal(1);
    expect(await next(sequences, 'ada', 'k', at(IdempotencyKey.RETENTION_MS - 1000))).to.equal(1);
    // The sweep runs with some later write; the key is then served as new.
    await next(sequences, 'grace', undefined, at(IdempotencyKey.RETENTION_MS + 120_000));
    expect(await next(sequences, 'ada', 'k', at(IdempotencyKey.RETENTION_MS + 180_000))).to.equal(2);
    expect(db.prepare('SELECT COUNT(*) AS n FROM idempotency_keys').get()).to.deep.equal({ n: 1 });
  });

  describe('on a full disk', () => {
    let disk: SmallDisk | null;
    let db: Database.Database | undefined;
    beforeEach(function () {
      disk = mountSmallDisk(4);
      if (disk === null) this.skip(); // mocha prints it as pending: tmpfs cannot be mounted here (not root)
    });
    afterEach(() => {
      if (db?.open) db.close();
      disk?.unmount();
    });

    it('fails writes with StorageUnavailable and /health with them, and recovers once a write succeeds', async () => {
      const file = path.join(disk!.folder, 'increment.db');
      db = openSqliteDatabase(file);
      const writes = new GroupCommit(db);
      const counters = new SqliteSequenceRepository(db, writes);
      const health = new SqliteStorageHealth(db, file, writes);
      await health.ping();
      disk!.fill();
      let stored = 0;
      let failure: unknown;
      // Each commit appends to the WAL; one of the next few finds no room.
      while (failure === undefined && stored < 5000) {
        await next(counters, 'ada').then((value) => (stored = value!), (error: unknown) => (failure = error));
      }
      expect(failure).to.be.instanceOf(StorageUnavailable);
      expect((failure as StorageUnavailable).cause).to.have.property('code').that.matches(/^SQLITE_(FULL|IOERR)/);
      expect(await health.ping().then(() => 'healthy', (error: Error) => error.message)).to.match(/writes to .* fail/);
      expect(await current(counters, 'ada')).to.equal(stored);

      disk!.free();
      await health.ping();
      expect(writes.fault).to.equal(null);
      expect(await next(counters, 'ada')).to.equal(stored + 1);
    });
  });

  describe('health', () => {
    it('answers the ping while the database is open, and fails it once it is not', async () => {
      const file = freshFile();
      const db = openDatabase(file);
      const health = new SqliteStorageHealth(db, file, new GroupCommit(db));
      await health.ping();
      db.close();
      expect(await health.ping().then(() => 'answered', (error: unknown) => error)).to.be.instanceOf(Error);
    });

    it('fails, and says why once, when the file was deleted under the running process', async () => {
      const file = freshFile();
      const db = openDatabase(file);
      const problems: string[] = [];
      const health = new SqliteStorageHealth(db, file, new GroupCommit(db), (problem) => problems.push(problem));
      await health.ping();
      unlinkSync(file);
      for (let probe = 0; probe < 3; probe += 1) {
        expect(await health.ping().then(() => 'healthy', (error: Error) => error.message)).to.match(/was deleted/);
      }
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain(file);
    });

    it('fails when another file was put in place of the one the process has open', async () => {
      const file = freshFile();
      const db = openDatabase(file);
      const health = new SqliteStorageHealth(db, file, new GroupCommit(db));
      const replacement = `${file}.restored`;
      new Database(replacement).close();
      renameSync(replacement, file);
      expect(await health.ping().then(() => 'healthy', (error: Error) => error.message)).to.match(/was replaced/);
    });
  });

  it('keeps the WAL bounded over 50 000 increments', async function () {
    this.timeout(120_000);
    const file = freshFile();
    const db = openDatabase(file);
    const counters = new SqliteSequenceRepository(db, new GroupCommit(db));
    // Small groups mean many commits: 5 000 of them, one WAL frame or more each, about 20 MB of
    // WAL if nothing checkpointed it (measured with wal_autocheckpoint=0). Reads run alongside,
    // as they do under real load.
    for (let round = 0; round < 5_000; round += 1) {
      await Promise.all([...Array.from({ length: 10 }, () => next(counters, 'ada')), current(counters, 'ada')]);
    }
    expect(await current(counters, 'ada')).to.equal(50_000);
    const walBytes = statSync(`${file}-wal`).size;
    expect(walBytes).to.be.below(6 * 1024 * 1024);
    expect(statSync(file).size).to.be.below(1024 * 1024);
  });

  it('shares rate-limit counts between connections to one file, as between processes', async () => {
    const file = freshFile();
    const limit = { name: 'failed_passwords_account', points: 2, durationSeconds: 900 };
    const here = new SqliteRateLimiter(openDatabase(file), limit, 1000);
    const there = new SqliteRateLimiter(openDatabase(file), limit, 1000);
    const elsewhere = new SqliteRateLimiter(openDatabase(file), { ...limit, name: 'registrations_address' }, 1000);
    await here.consume('ada@example.com');
    await there.consume('ada@example.com');
    expect(await here.consume('ada@example.com').catch((e: unknown) => e)).to.be.instanceOf(TooManyRequests);
    expect(await elsewhere.consume('ada@example.com').then(() => 'allowed')).to.equal('allowed');
  });

  it('deletes the counts of windows that are over, and keeps the others', async () => {
    const db = openDatabase();
    await new SqliteRateLimiter(db, { name: 'short', points: 5, durationSeconds: 1 }, 1000).consume('ada');
    await new SqliteRateLimiter(db, { name: 'long', points: 5, durationSeconds: 3600 }, 1000).consume('ada');
    expect(deleteExpiredRateLimits(db, new Date(Date.now() + 2000))).to.equal(1);
    expect(db.prepare('SELECT key FROM rate_limits').all()).to.deep.equal([{ key: 'long:ada' }]);
  });

  it('reports StorageUnavailable when another process holds the write lock past the timeout of a rate-limit count', async () => {
    const file = freshFile();
    const db = openDatabase(file);
    db.pragma('busy_timeout = 50');
    const limiter = new SqliteRateLimiter(db, { name: 'busy', points: 5, durationSeconds: 900 }, 100);
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      expect(await limiter.consume('ada').catch((e: unknown) => e)).to.be.instanceOf(StorageUnavailable);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('waits for another process\'s write lock on a timer, within the storage timeout, and then counts', async () => {
    const file = freshFile();
    const db = openDatabase(file);
    db.pragma('busy_timeout = 0');
    const limiter = new SqliteRateLimiter(db, { name: 'waits', points: 5, durationSeconds: 900 }, 2000);
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const released = new Promise<void>((resolve) => setTimeout(() => {
      other.exec('ROLLBACK');
      other.close();
      resolve();
    }, 150));
    await limiter.consume('ada');
    await released;
    expect(db.prepare('SELECT points FROM rate_limits WHERE key = ?').get('waits:ada')).to.deep.equal({ points: 1 });
  });
});
