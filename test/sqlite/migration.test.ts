import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NodeCryptoApiKeyIssuer } from '../../src/adapters/crypto/node-crypto-api-key-issuer';
import { GroupCommit } from '../../src/adapters/persistence/sqlite/group-commit';
import { ReadBatch } from '../../src/adapters/persistence/sqlite/read-batch';
import { SqliteApiKeyRepository } from '../../src/adapters/persistence/sqlite/sqlite-api-key-repository';
import { openSqliteDatabase } from '../../src/adapters/persistence/sqlite/sqlite-database';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/adapters/persistence/sqlite/sqlite-schema';
import { SqliteSequenceRepository } from '../../src/adapters/persistence/sqlite/sqlite-sequence-repository';
import { SqliteUserRepository } from '../../src/adapters/persistence/sqlite/sqlite-user-repository';
import { Authenticate } from '../../src/application/authenticate.use-case';
import { ApiKey } from '../../src/domain/api-key';
import { FixedClock } from '../support/builders';

/** The schema version of the release before keys got their own table. */
const KEYS_IN_USERS_VERSION = 1;

describe('SQLite migration of a file written before api_keys', () => {
  let folder: string;
  const issuer = new NodeCryptoApiKeyIssuer();

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'increment-migration-'));
  });

  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  /** A file as the previous release left it: its schema, two users with their one key each, a counter. */
  function previousReleaseFile() {
    const file = path.join(folder, 'increment.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    for (const migration of MIGRATIONS.slice(0, KEYS_IN_USERS_VERSION)) db.exec(migration);
    db.pragma(`user_version = ${KEYS_IN_USERS_VERSION}`);
    const users = [
      { id: 'u-ada', email: 'ada@example.com', issued: issuer.issue(), createdAt: Date.UTC(2025, 5, 1) },
      { id: 'u-grace', email: 'grace@example.com', issued: issuer.issue(), createdAt: Date.UTC(2025, 6, 1) },
    ];
    const insert = db.prepare('INSERT INTO users (id, email, password_hash, api_key_digest, created_at) VALUES (?, ?, ?, ?, ?)');
    for (const user of users) insert.run(user.id, user.email, `hash of ${user.id}`, user.issued.digest, user.createdAt);
    db.prepare('INSERT INTO incremental_counter (user_id, value) VALUES (?, ?)').run('u-ada', 41);
    db.close();
    return { file, users };
  }

  it('opens, migrates to the current version, and every key issued before still authenticates', async () => {
    const { file, users } = previousReleaseFile();
    const db = openSqliteDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
      const writes = new GroupCommit(db);
      const keys = new SqliteApiKeyRepository(db, writes, new ReadBatch(db));
      const authenticate = new Authenticate(keys, issuer, new FixedClock());
      for (const user of users) expect(await authenticate.execute(user.issued.key)).to.equal(user.id);
      // The use is recorded after the answer, with the next group commit.
      await new Promise((resolve) => setImmediate(resolve));

      // The user keeps everything else; the key is a record of its own, its prefix learnt at that first use.
      expect(await new SqliteUserRepository(db, writes).findByEmail('ada@example.com')).to.deep.equal({
        id: 'u-ada',
        email: 'ada@example.com',
        passwordHash: 'hash of u-ada',
        createdAt: new Date(Date.UTC(2025, 5, 1)),
      });
      expect(await keys.listByUser('u-ada')).to.deep.equal([
        {
          id: 'u-ada',
          userId: 'u-ada',
          label: null,
          prefix: ApiKey.prefixOf(users[0].issued.key),
          digest: users[0].issued.digest,
          createdAt: new Date(Date.UTC(2025, 5, 1)),
          lastUsedAt: new FixedClock().now(),
        },
      ]);
      expect((await new SqliteSequenceRepository(db, writes).get('u-ada', 'default'))!.value).to.equal(41);
      const columns = (db.prepare('PRAGMA table_info(users)').all() as Array<{ name: string }>).map((column) => column.name);
      expect(columns).to.deep.equal(['id', 'email', 'password_hash', 'created_at']);
    } finally {
      db.close();
    }
  });

  it('keeps the rules of the old table: emails stay unique after the rebuild', async () => {
    const { file } = previousReleaseFile();
    const db = openSqliteDatabase(file);
    try {
      const insert = () => db.prepare("INSERT INTO users (id, email, password_hash, created_at) VALUES ('x', 'ada@example.com', 'h', 0)").run();
      expect(insert).to.throw(/UNIQUE constraint failed: users.email/);
    } finally {
      db.close();
    }
  });

  it('migrates once: a second process opening the file finds it current and copies no key again', async () => {
    const { file } = previousReleaseFile();
    const [first, second] = [openSqliteDatabase(file), openSqliteDatabase(file)];
    try {
      expect(first.prepare('SELECT COUNT(*) AS keys FROM api_keys').get()).to.deep.equal({ keys: 2 });
      expect(second.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
    } finally {
      first.close();
      second.close();
    }
  });
});
