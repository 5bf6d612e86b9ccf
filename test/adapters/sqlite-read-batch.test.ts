import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ReadBatch } from '../../src/adapters/persistence/sqlite/read-batch';
import { openSqliteDatabase } from '../../src/adapters/persistence/sqlite/sqlite-database';
import { StorageUnavailable } from '../../src/domain/errors';

describe('SQLite read batch', () => {
  let folder: string;
  let file: string;
  let db: Database.Database;
  let other: Database.Database;
  let reads: ReadBatch;

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'increment-read-batch-'));
    file = path.join(folder, 'increment.db');
    db = openSqliteDatabase(file);
    db.exec("CREATE TABLE keys (digest TEXT PRIMARY KEY); INSERT INTO keys VALUES ('a'), ('b'), ('c')");
    // A second connection on the file: another worker or another replica.
    other = openSqliteDatabase(file);
    reads = new ReadBatch(db);
  });

  afterEach(() => {
    for (const connection of [db, other]) if (connection.open) connection.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const lookup = (digest: string) => () => db.prepare('SELECT digest FROM keys WHERE digest = ?').get(digest) ?? null;

  it('runs the reads asked for in one turn inside one read transaction, and ends it before answering', async () => {
    const seenInTransaction: boolean[] = [];
    const read = (digest: string) =>
      reads.run(() => {
        seenInTransaction.push(db.inTransaction);
        return lookup(digest)();
      });

    const answers = await Promise.all([read('a'), read('b'), read('z')]);

    expect(answers).to.deep.equal([{ digest: 'a' }, { digest: 'b' }, null]);
    expect(seenInTransaction).to.deep.equal([true, true, true]);
    expect(reads.stats).to.deep.equal({ batches: 1, reads: 3 });
    expect(db.inTransaction).to.equal(false);
  });

  it('runs a lone read as a statement of its own, outside a transaction', async () => {
    let inTransaction: boolean | undefined;
    const answer = await reads.run(() => {
      inTransaction = db.inTransaction;
      return lookup('c')();
    });

    expect(answer).to.deep.equal({ digest: 'c' });
    expect(inTransaction).to.equal(false);
  });

  it('answers from a snapshot taken after every read in it was asked for', async () => {
    await reads.run(lookup('a')); // the connection has read the file before
    const asked = [reads.run(lookup('a')), reads.run(lookup('b'))];
    // Another process revokes the key after the request arrived but in the same turn.
    other.prepare("DELETE FROM keys WHERE digest = 'a'").run();

    expect(await Promise.all(asked)).to.deep.equal([null, { digest: 'b' }]);
  });

  it('holds no snapshot from one turn to the next', async () => {
    expect(await Promise.all([reads.run(lookup('b')), reads.run(lookup('c'))])).to.deep.equal([{ digest: 'b' }, { digest: 'c' }]);
    other.prepare("DELETE FROM keys WHERE digest = 'b'").run();

    expect(await Promise.all([reads.run(lookup('b')), reads.run(lookup('c'))])).to.deep.equal([null, { digest: 'c' }]);
    // A read transaction left open would make this connection's next write fail on a stale snapshot.
    db.prepare("INSERT INTO keys VALUES ('d')").run();
    expect(other.prepare("SELECT digest FROM keys WHERE digest = 'd'").get()).to.deep.equal({ digest: 'd' });
  });

  it('fails only the read that threw; the others of its batch are answered', async () => {
    const broken = new Error('no such column: digests');
    const settled = await Promise.allSettled([
      reads.run(lookup('a')),
      reads.run(() => {
        throw broken;
      }),
      reads.run(lookup('c')),
    ]);

    expect(settled).to.deep.equal([
      { status: 'fulfilled', value: { digest: 'a' } },
      { status: 'rejected', reason: broken },
      { status: 'fulfilled', value: { digest: 'c' } },
    ]);
    expect(db.inTransaction).to.equal(false);
  });

  it('reports a disk fault as storage unavailable', async () => {
    const fault = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_READ' });
    const settled = await Promise.allSettled([
      reads.run(() => {
        throw fault;
      }),
      reads.run(lookup('a')),
    ]);

    expect(settled[0].status).to.equal('rejected');
    expect((settled[0] as PromiseRejectedResult).reason).to.be.instanceOf(StorageUnavailable);
    expect(settled[1]).to.deep.equal({ status: 'fulfilled', value: { digest: 'a' } });
  });

  it('rejects every read once the connection is closed, and keeps serving none of them', async () => {
    const statement = db.prepare('SELECT digest FROM keys WHERE digest = ?');
    db.close();

    const settled = await Promise.allSettled([reads.run(() => statement.get('a')), reads.run(() => statement.get('b'))]);

    expect(settled.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).to.match(/not open/);
  });
});
