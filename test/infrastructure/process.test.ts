import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from '../support/http-client';
import { conformsToOpenApi } from '../support/openapi-validator';
import { startMain, startService, workerPids } from '../support/processes';

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
    expect(service.output()).to.contain('could not start: Protocol and host list are required');
    expect(service.output()).to.contain('mongodb://[redacted]@/thinkific_challenge');
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
