import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from '../support/http-client';
import { conformsToOpenApi } from '../support/openapi-validator';
import { freePort, runMainInTerminal, startMain, startService, TerminalRun, waitFor, workerPids } from '../support/processes';

describe('the service process (dist/src/infrastructure/main.js)', () => {
  it('refuses to start on bad configuration, saying what is wrong, with a non-zero exit', async () => {
    const service = startMain({ PORT: 'eighty', STORAGE: 'floppy' });
    expect(await service.exited()).to.equal(2);
    expect(service.output()).to.contain('PORT must be a whole number');
    expect(service.output()).to.contain('STORAGE must be one of');
  });

  it('on a malformed MONGODB_URL exits 1 saying why, without quoting the password it holds', async () => {
    const service = startMain({ PORT: '0', MONGODB_URL: 'mongodb://admin:hunter2-secret@/thinkific_challenge' });
    expect(await service.exited()).to.equal(1);
    expect(service.output()).to.contain(
      'could not start: MONGODB_URL: mongodb://[redacted]@/thinkific_challenge is not a MongoDB URL (Protocol and host list are required)',
    );
    expect(service.output()).not.to.contain('hunter2-secret');
  });

  it('on SIGTERM finishes the request in flight, closes its keep-alive connection, then exits 0', async () => {
    // A high bcrypt cost keeps the registration in flight long enough to signal during it.
    const service = await startService({ STORAGE: 'memory', BCRYPT_ROUNDS: '14' });
    const inFlight = request(service.url, 'POST', '/v1/register', { body: { email: 'late@example.com', password: 'correct horse' } }, conformsToOpenApi);
    await new Promise((resolve) => setTimeout(resolve, 200));
    service.child.kill('SIGTERM');
    const reply = await inFlight;
    expect(reply.status).to.equal(201);
    // Without this the idle keep-alive connection would hold the process until the grace period ends.
    expect(reply.headers.connection).to.equal('close');
    expect(await service.exited()).to.equal(0);
    expect(service.output()).to.contain('shutting down');
    expect(service.output()).not.to.contain(reply.body.data.attributes.apiKey);
    expect(service.output()).not.to.contain('correct horse');
  });

  it('on SQLite or memory never loads the MongoDB driver, which allocates 18 MB of buffers when loaded', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'increment-driver-'));
    // Preloaded into the real entry point: on SIGUSR2, writes the modules the process has loaded.
    const probe = path.join(folder, 'probe.js');
    const report = path.join(folder, 'loaded.json');
    writeFileSync(
      probe,
      // Written whole, then renamed into place: the test never reads half of it.
      `process.on('SIGUSR2', () => { const fs = require('node:fs'); fs.writeFileSync(${JSON.stringify(`${report}.part`)}, JSON.stringify(Object.keys(require.cache))); fs.renameSync(${JSON.stringify(`${report}.part`)}, ${JSON.stringify(report)}); });`,
    );
    try {
      for (const storage of ['sqlite', 'memory']) {
        rmSync(report, { force: true });
        const service = await startService({ STORAGE: storage, SQLITE_PATH: path.join(folder, `${storage}.db`), NODE_OPTIONS: `--require ${probe}` });
        try {
          // A request that touches the store: the driver must not come in lazily either.
          const registered = await request(service.url, 'POST', '/v1/register', { body: { email: 'probe@example.com', password: 'correct horse' } });
          expect(registered.status).to.equal(201);
          service.child.kill('SIGUSR2');
          await waitFor(() => existsSync(report));
          const loaded = JSON.parse(readFileSync(report, 'utf8')) as string[];
          // The probe read this process's modules: the storage binding is among them.
          expect(loaded.some((file) => file.endsWith(path.join('infrastructure', 'storage.js'))), storage).to.equal(true);
          expect(loaded.filter((file) => /node_modules\/(mongodb|bson)\//.test(file)), storage).to.deep.equal([]);
        } finally {
          service.child.kill('SIGTERM');
          await service.exited();
        }
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  describe('with WORKERS=2', () => {
    let folder: string;
    beforeEach(() => (folder = mkdtempSync(path.join(tmpdir(), 'increment-workers-'))));
    afterEach(() => rmSync(folder, { recursive: true, force: true }));

    it('serves from two processes on one port; SIGTERM lets each finish its in-flight request, then exits 0', async () => {
      const service = await startService({ STORAGE: 'sqlite', SQLITE_PATH: path.join(folder, 'increment.db'), WORKERS: '2', BCRYPT_ROUNDS: '14' });
      expect(workerPids(service)).to.have.length(2);
      const inFlight = [1, 2].map((n) =>
        request(service.url, 'POST', '/v1/register', { body: { email: `late${n}@example.com`, password: 'correct horse' } }, conformsToOpenApi),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      service.child.kill('SIGTERM');
      const replies = await Promise.all(inFlight);
      expect(replies.map((reply) => reply.status)).to.deep.equal([201, 201]);
      expect(await service.exited()).to.equal(0);
      expect(service.output().match(/shutting down: finishing in-flight requests/g)).to.have.length(2);
    });

    it('exits 1 without restarting in a loop when the workers cannot start', async () => {
      const notSqlite = path.join(folder, 'notes.txt');
      writeFileSync(notSqlite, 'not a database '.repeat(500));
      const service = startMain({ STORAGE: 'sqlite', SQLITE_PATH: notSqlite, WORKERS: '2', PORT: '0', HOST: '127.0.0.1' });
      expect(await service.exited()).to.equal(1);
      expect(service.output()).to.contain('is not a SQLite database');
      expect(service.output()).to.contain('a worker exited before it was listening');
      expect(service.output()).not.to.contain('starting another');
    });
  });
});

describe('start-up failures a person can read', function () {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(path.join(tmpdir(), 'increment-start-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  /** Runs the service with standard error on a terminal; skips where `script` is missing. */
  async function inTerminal(this: Mocha.Context, env: Record<string, string>, cwd?: string): Promise<TerminalRun> {
    const run = await runMainInTerminal({ HOST: '127.0.0.1', PORT: '0', ...env }, cwd);
    if (!run) this.skip();
    expect(run.code).to.equal(1);
    return run;
  }
  /** The JSON line stays for machines: the sentence in its message, the cause at most once, no stack. */
  function expectLogLine(stdout: string, sentence: string, cause?: string): void {
    const lines = stdout.trim().split('\n');
    expect(lines).to.have.length(1);
    const line = JSON.parse(lines[0]);
    expect(line).to.include({ level: 60, msg: `could not start: ${sentence}` });
    expect(line).not.to.have.property('err');
    if (cause) expect(stdout.split(cause)).to.have.length(2, `${cause} once in ${stdout}`);
  }

  it('MONGODB_URL where no MongoDB answers: the hosts and "connection refused", never the password', async function () {
    const port = await freePort();
    const { terminal, stdout } = await inTerminal.call(this, { MONGODB_URL: `mongodb://admin:hunter2-secret@127.0.0.1:${port}/thinkific_challenge` });
    const sentence = `MONGODB_URL: no MongoDB answered at 127.0.0.1:${port} (connection refused); start it, or point MONGODB_URL at one that runs`;
    expect(terminal).to.equal(`${sentence}\n`);
    expectLogLine(stdout, sentence, 'ECONNREFUSED');
    expect(terminal + stdout).not.to.contain('hunter2-secret');
  });

  it('SQLITE_PATH naming a folder: says so and gives a file path in it', async function () {
    mkdirSync(path.join(folder, 'data'));
    const { terminal, stdout } = await inTerminal.call(this, { SQLITE_PATH: './data' }, folder);
    const sentence = 'SQLITE_PATH: ./data is a folder; give a file path such as ./data/increment.db';
    expect(terminal).to.equal(`${sentence}\n`);
    expectLogLine(stdout, sentence);
  });

  it('SQLITE_PATH under a regular file: names the file that is in the way', async function () {
    const aFile = path.join(folder, 'hostname');
    writeFileSync(aFile, 'not a folder\n');
    const { terminal, stdout } = await inTerminal.call(this, { SQLITE_PATH: `${aFile}/x.db` });
    const sentence = `SQLITE_PATH: ${aFile} is a file, so ${aFile}/x.db cannot be created; choose a path inside a folder`;
    expect(terminal).to.equal(`${sentence}\n`);
    expectLogLine(stdout, sentence, 'EEXIST');
  });

  it('PORT in use by another program', async function () {
    const port = await freePort();
    const squatter: Server = createServer().listen(port, '127.0.0.1');
    try {
      const { terminal, stdout } = await inTerminal.call(this, { STORAGE: 'memory', PORT: String(port) });
      const sentence = `PORT: ${port} on 127.0.0.1 is in use by another program; stop it, or choose another PORT`;
      expect(terminal).to.equal(`${sentence}\n`);
      expectLogLine(stdout, sentence, 'EADDRINUSE');
    } finally {
      squatter.close();
    }
  });

  it('without a terminal prints only the JSON line', async () => {
    mkdirSync(path.join(folder, 'data'));
    const service = startMain({ PORT: '0', SQLITE_PATH: path.join(folder, 'data') });
    expect(await service.exited()).to.equal(1);
    expectLogLine(service.output(), `SQLITE_PATH: ${path.join(folder, 'data')} is a folder; give a file path such as ${path.join(folder, 'data')}/increment.db`);
  });
});
