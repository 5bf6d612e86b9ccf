import { expect } from 'chai';
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SCHEMA_VERSION } from '../../src/adapters/persistence/sqlite/sqlite-schema';
import { Reply, request } from '../support/http-client';
import { conformsToOpenApi } from '../support/openapi-validator';
import { boundedAgent, ServiceProcess, startMain, startService } from '../support/processes';

/**
 * GET /v1/next through a given agent; resolves with the value, or null when the connection
 * fails (the process was killed). A reply that breaks the OpenAPI document rejects.
 */
function next(url: string, key: string, agent: http.Agent): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/v1/next`, { agent, headers: { Authorization: `Bearer ${key}` } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => {
        const body = JSON.parse(text);
        try {
          conformsToOpenApi({ method: 'GET', path: '/v1/next', status: res.statusCode!, contentType: res.headers['content-type'], body, text });
        } catch (error) {
          reject(error);
          return;
        }
        resolve(res.statusCode === 200 ? body.data.attributes.value : null);
      });
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
  });
}

async function register(url: string): Promise<string> {
  const reply = await request(url, 'POST', '/v1/register', { body: { email: 'durable@example.com', password: 'correct horse' } }, conformsToOpenApi);
  return reply.body.data.attributes.apiKey;
}

async function current(url: string, key: string): Promise<number> {
  const reply = await request(url, 'GET', '/v1/current', { headers: { Authorization: `Bearer ${key}` } }, conformsToOpenApi);
  return reply.body.data.attributes.value;
}

describe('SQLite durability, with real server processes', function () {
  this.timeout(120_000);
  let folder: string;
  let file: string;
  const services: ServiceProcess[] = [];

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'increment-durability-'));
    file = path.join(folder, 'data', 'increment.db');
  });

  afterEach(async () => {
    for (const service of services.splice(0)) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await service.exited();
      }
    }
    rmSync(folder, { recursive: true, force: true });
  });

  const start = async () => {
    const service = await startService({ STORAGE: 'sqlite', SQLITE_PATH: file });
    services.push(service);
    return service;
  };

  it('three processes on one file hand out exactly 1..3000 to 3000 concurrent calls', async () => {
    const [a, b, c] = [await start(), await start(), await start()];
    const key = await register(a.url);
    const agents = [boundedAgent(), boundedAgent(), boundedAgent()];
    const targets = [a, b, c];
    const values = await Promise.all(Array.from({ length: 3000 }, (_, i) => next(targets[i % 3].url, key, agents[i % 3])));
    agents.forEach((agent) => agent.destroy());
    expect(values.filter((value) => value === null), 'failed calls').to.have.length(0);
    expect([...values].sort((x, y) => x! - y!)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(await current(b.url, key)).to.equal(3000);
  });

  it('after kill -9 mid-load, no number any client received is handed out again', async () => {
    const first = await start();
    const key = await register(first.url);
    const agent = boundedAgent();
    const received: number[] = [];
    let stop = false;
    const clients = Array.from({ length: 20 }, async () => {
      while (!stop) {
        const value = await next(first.url, key, agent);
        if (value === null) return;
        received.push(value);
      }
    });
    while (received.length < 500) await new Promise((resolve) => setTimeout(resolve, 10));
    first.child.kill('SIGKILL');
    await first.exited();
    stop = true;
    await Promise.all(clients);
    agent.destroy();

    const restarted = await start();
    const afterRestart = await current(restarted.url, key);
    expect(received.length).to.be.at.least(500);
    expect(new Set(received).size, 'no duplicates before the crash').to.equal(received.length);
    expect(Math.max(...received)).to.be.at.most(afterRestart);
    const later = await Promise.all(Array.from({ length: 50 }, () => next(restarted.url, key, http.globalAgent)));
    const seen = new Set(received);
    for (const value of later) {
      expect(value).to.be.a('number');
      expect(seen.has(value!), `${value} was handed out twice`).to.equal(false);
    }
  });

  it('answers 503 with Retry-After, and uses up nothing, while another process holds the write lock too long', async () => {
    const service = await start();
    const key = await register(service.url);
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    let blocked: Reply;
    try {
      blocked = await request(service.url, 'GET', '/v1/next', { headers: { Authorization: `Bearer ${key}` } }, conformsToOpenApi);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(blocked.status).to.equal(503);
    expect(blocked.headers['retry-after']).to.equal('1');
    expect(blocked.body.errors[0].code).to.equal('storage_unavailable');
    expect(await current(service.url, key)).to.equal(0);
    expect(await next(service.url, key, http.globalAgent)).to.equal(1);
  });

  describe('bad start-up cases exit non-zero with a clear message', () => {
    // Root writes through file permissions, so as root the service runs as nobody to meet them.
    const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    beforeEach(() => chmodSync(folder, 0o755)); // mkdtemp makes it private to its owner
    const expectRefusal = async (sqlitePath: string, message: RegExp, user = {}) => {
      const service = startMain({ STORAGE: 'sqlite', SQLITE_PATH: sqlitePath, PORT: '0', HOST: '127.0.0.1' }, user);
      expect(await service.exited()).to.equal(1);
      expect(service.output()).to.match(message);
    };

    it('a path under a regular file', async () => {
      const aFile = path.join(folder, 'plain-file');
      writeFileSync(aFile, '');
      await expectRefusal(path.join(aFile, 'increment.db'), /plain-file is a file, so .*plain-file\/increment.db cannot be created/);
    });

    it('a folder that cannot be created', async () => {
      const readOnly = path.join(folder, 'read-only');
      mkdirSync(readOnly, { mode: 0o555 });
      await expectRefusal(path.join(readOnly, 'data', 'increment.db'), /cannot create the folder .*read-only\/data: EACCES/, unprivileged);
    });

    it('a folder given as the database file', async () => {
      await expectRefusal(folder, /is a folder; give a file path such as .*\/increment.db/);
    });

    it('a file that is not a SQLite database', async () => {
      const notSqlite = path.join(folder, 'notes.txt');
      writeFileSync(notSqlite, 'not a database '.repeat(500));
      await expectRefusal(notSqlite, /is not a SQLite database/);
    });

    it('a schema newer than the code', async () => {
      const newer = path.join(folder, 'newer.db');
      const db = new Database(newer);
      db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
      db.close();
      await expectRefusal(newer, /newer than this build knows/);
    });

    it('a database file that cannot be written', async () => {
      const readOnly = path.join(folder, 'read-only');
      mkdirSync(readOnly);
      const file = path.join(readOnly, 'increment.db');
      new Database(file).close();
      chmodSync(file, 0o444);
      chmodSync(readOnly, 0o555);
      await expectRefusal(file, /cannot be written/, unprivileged);
    });

    it('a folder in which the file cannot be created', async () => {
      const readOnly = path.join(folder, 'read-only');
      mkdirSync(readOnly, { mode: 0o555 });
      await expectRefusal(path.join(readOnly, 'increment.db'), /the folder .* cannot be written/, unprivileged);
    });
  });
});
