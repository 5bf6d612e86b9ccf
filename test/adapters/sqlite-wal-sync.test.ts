import { expect } from 'chai';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GroupCommit } from '../../src/adapters/persistence/sqlite/group-commit';
import { openSqliteDatabase } from '../../src/adapters/persistence/sqlite/sqlite-database';
import { SqliteSequenceRepository } from '../../src/adapters/persistence/sqlite/sqlite-sequence-repository';
import { SqliteStorageHealth } from '../../src/adapters/persistence/sqlite/sqlite-storage-health';
import { Durability, WalSync } from '../../src/adapters/persistence/sqlite/wal-sync';
import { StorageUnavailable } from '../../src/domain/errors';

const MAX = Number.MAX_SAFE_INTEGER;

/** A sync that returns only when the test says: what a slow disk does, under the test's control. */
class HeldSync implements Durability {
  readonly failure = null;
  private held: Array<() => void> = [];
  durable(): Promise<void> {
    return new Promise((resolve) => this.held.push(resolve));
  }
  get waiting(): number {
    return this.held.length;
  }
  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
  walReplaced(): boolean {
    return false;
  }
  async close(): Promise<void> {}
}

const settledYet = async (promise: Promise<unknown>) => {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return settled;
};

describe('SQLite WAL sync', () => {
  let folder: string;
  let file: string;
  let db: Database.Database;
  const closing: Array<() => Promise<void>> = [];

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'increment-wal-sync-'));
    file = path.join(folder, 'increment.db');
    db = openSqliteDatabase(file);
  });

  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
    if (db.open) db.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const groupCommit = (sync?: Durability) => {
    const writes = new GroupCommit(db, 1000, sync);
    closing.push(() => writes.close());
    return writes;
  };
  const issue = (sequences: SqliteSequenceRepository) => sequences.issue('ada', 'default', { count: 1, limit: MAX, now: new Date() });
  /** The value as another connection on the file (another process) reads it now. */
  const storedValue = () => {
    const other = new Database(file, { readonly: true });
    try {
      return (other.prepare("SELECT value FROM incremental_counter WHERE user_id = 'ada'").get() as { value: number } | undefined)?.value;
    } finally {
      other.close();
    }
  };

  it('answers no write before the sync that follows its COMMIT has returned, and commits the next group meanwhile', async () => {
    const sync = new HeldSync();
    const sequences = new SqliteSequenceRepository(db, groupCommit(sync));
    const first = issue(sequences);
    expect(await settledYet(first)).to.equal(false);
    expect(storedValue()).to.equal(1); // committed, so the next group builds on it
    const second = issue(sequences);
    expect(await settledYet(second)).to.equal(false);
    expect(storedValue()).to.equal(2);
    expect(sync.waiting).to.equal(2);
    sync.release();
    expect([(await first).issued.last, (await second).issued.last]).to.deep.equal([1, 2]);
  });

  it('answers a refused write after the sync too, since the refusal may rest on a write of its group', async () => {
    const sync = new HeldSync();
    const sequences = new SqliteSequenceRepository(db, groupCommit(sync));
    const missing = sequences.issue('ada', 'orders', { count: 1, limit: MAX, now: new Date() });
    expect(await settledYet(missing)).to.equal(false);
    sync.release();
    expect(await missing.then(() => 'issued', (error: Error) => error.name)).to.equal('SequenceNotFound');
  });

  it('answers a read of a value once a sync begun after the read has returned', async () => {
    const sync = new HeldSync();
    const sequences = new SqliteSequenceRepository(db, groupCommit(sync));
    const issued = issue(sequences);
    await new Promise((resolve) => setImmediate(resolve));
    const read = sequences.get('ada', 'default');
    expect(await settledYet(read)).to.equal(false);
    sync.release();
    await issued;
    expect((await read)!.value).to.equal(1);
  });

  it('covers every write of a turn with one sync, and each later group with one more', async () => {
    const sync = new WalSync(`${file}-wal`);
    const writes = groupCommit(sync);
    const sequences = new SqliteSequenceRepository(db, writes);
    const first = await Promise.all(Array.from({ length: 50 }, () => issue(sequences)));
    expect(first.map(({ issued }) => issued.last).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(sync.stats.syncs).to.equal(1);
    const a = issue(sequences);
    await new Promise((resolve) => setImmediate(resolve));
    const b = issue(sequences);
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.issued.last, rb.issued.last]).to.deep.equal([51, 52]);
    expect(writes.stats.groups).to.equal(3);
    expect(sync.stats.syncs).to.equal(3);
  });

  it('makes a durable() asked while a sync runs wait for the next one', async () => {
    const sync = new WalSync(`${file}-wal`);
    closing.push(() => sync.close());
    const first = sync.durable();
    const second = sync.durable(); // the first sync has been signalled already: this one waits
    await first;
    expect(sync.stats.syncs).to.equal(2); // the second began once the first had returned
    await second;
    expect(sync.stats.syncs).to.equal(2);
  });

  describe('when a sync fails', () => {
    // fdatasync of a FIFO fails (EINVAL) on the real sync thread, as an I/O error on the disk would.
    const failingSync = () => {
      const fifo = path.join(folder, 'not-a-wal');
      execFileSync('mkfifo', [fifo]);
      return new WalSync(fifo);
    };

    it('tells the callers their outcome is unknown, then refuses every write and changes nothing', async () => {
      const sync = failingSync();
      const writes = groupCommit(sync);
      const sequences = new SqliteSequenceRepository(db, writes);
      const error = await issue(sequences).then(() => null, (reason: unknown) => reason);
      expect(error).to.be.instanceOf(StorageUnavailable);
      expect((error as StorageUnavailable).outcomeUnknown).to.equal(true);
      expect(storedValue()).to.equal(1); // committed, not known to be on disk
      const later = await issue(sequences).then(() => null, (reason: unknown) => reason);
      expect(later).to.be.instanceOf(StorageUnavailable);
      expect((later as StorageUnavailable).outcomeUnknown).to.equal(false);
      expect(storedValue()).to.equal(1);
      const read = await sequences.get('ada', 'default').then(() => null, (reason: unknown) => reason);
      expect(read).to.be.instanceOf(StorageUnavailable);
      expect((read as StorageUnavailable).outcomeUnknown).to.equal(false);
    });

    it('fails /health until the service restarts, saying why', async () => {
      const writes = groupCommit(failingSync());
      const health = new SqliteStorageHealth(db, file, writes);
      await health.ping();
      await issue(new SqliteSequenceRepository(db, writes)).catch(() => undefined);
      for (let probe = 0; probe < 2; probe += 1) {
        expect(await health.ping().then(() => 'healthy', (error: Error) => error.message)).to.match(/syncing the WAL .* failed .*until the service restarts/);
      }
    });
  });

  it('fails /health when the WAL was deleted under the running process: its syncs would miss the commits', async () => {
    const health = new SqliteStorageHealth(db, file, groupCommit());
    await health.ping();
    unlinkSync(`${file}-wal`);
    expect(await health.ping().then(() => 'healthy', (error: Error) => error.message)).to.match(/-wal was deleted or replaced/);
  });

  it('on close, makes what was committed durable, then refuses', async () => {
    const sync = new WalSync(`${file}-wal`);
    const sequences = new SqliteSequenceRepository(db, new GroupCommit(db, 1000, sync));
    const issued = issue(sequences);
    await new Promise((resolve) => setImmediate(resolve));
    await sync.close();
    expect((await issued).issued.last).to.equal(1);
    expect(await sync.durable().then(() => 'durable', () => 'refused')).to.equal('refused');
  });
});
