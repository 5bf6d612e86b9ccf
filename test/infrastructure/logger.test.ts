import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { StorageUnavailable } from '../../src/domain/errors';
import { createLogger, linesByTurn } from '../../src/infrastructure/logger';

describe('the logger', () => {
  const KEY = `inc_${'k'.repeat(43)}`;
  let lines: string[];
  let logger: pino.Logger;

  beforeEach(() => {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    logger = createLogger('info', sink as unknown as pino.DestinationStream);
  });

  it('takes URL passwords and API keys out of a logged error: message, stack, cause and properties', () => {
    const cause = new Error(`auth failed for mongodb://app:cause-secret@db:27017/x`);
    const error = Object.assign(new Error(`cannot parse "mongodb://admin:hunter2@/db" near ${KEY}`, { cause }), {
      uri: 'mongodb+srv://root:prop-secret@cluster.example.net/',
    });
    logger.error({ err: error }, 'request failed');
    const logged = lines.join('');
    for (const secret of ['hunter2', 'cause-secret', 'prop-secret', KEY]) expect(logged).not.to.contain(secret);
    const entry = JSON.parse(logged);
    // pino appends the cause's message to the error's own.
    expect(entry.err.message).to.equal('cannot parse "mongodb://[redacted]@/db" near inc_[redacted]: auth failed for mongodb://[redacted]@db:27017/x');
    expect(entry.err.stack).to.contain('mongodb://[redacted]@/db');
    expect(entry.err.uri).to.equal('mongodb+srv://[redacted]@cluster.example.net/');
  });

  it('logs identical storage errors once per interval, with the count of those left out', () => {
    let clock = 0;
    const quiet: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        quiet.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const throttled = createLogger('info', sink as unknown as pino.DestinationStream, { repeatIntervalMs: 10_000, now: () => clock });
    const diskFull = () => new StorageUnavailable(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    for (let i = 0; i < 1000; i += 1) throttled.warn({ err: diskFull(), reqId: String(i) }, 'storage unavailable');
    throttled.warn({ err: new StorageUnavailable(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })) }, 'storage unavailable');
    throttled.warn({ reqId: 'other' }, 'not a storage error');
    throttled.warn({ reqId: 'other' }, 'not a storage error');
    clock = 10_000;
    throttled.warn({ err: diskFull() }, 'storage unavailable');
    const entries = quiet.map((line) => JSON.parse(line));
    expect(entries.map((entry) => [entry.msg, entry.err?.cause?.code ?? entry.err?.message, entry.suppressed])).to.deep.equal([
      ['storage unavailable', 'Storage is temporarily unavailable; retry shortly.: database or disk is full', 0],
      ['storage unavailable', 'Storage is temporarily unavailable; retry shortly.: disk I/O error', 0],
      ['not a storage error', undefined, undefined],
      ['not a storage error', undefined, undefined],
      ['storage unavailable', 'Storage is temporarily unavailable; retry shortly.: database or disk is full', 999],
    ]);
  });

  it('drops the raw request body a body parser attaches to its errors', () => {
    const parseError = Object.assign(new Error('invalid JSON'), { status: 400, body: '{"email":"a@b.c","password":"body-secret"' });
    logger.warn({ err: parseError }, 'bad body');
    expect(lines.join('')).not.to.contain('body-secret');
    expect(JSON.parse(lines[0]).err.message).to.equal('invalid JSON');
  });

  it('redacts passwords, API keys and credentials headers wherever a log call puts them', () => {
    logger.info(
      { user: { email: 'a@example.com', password: 'field-secret' }, created: { apiKey: KEY }, req: { headers: { authorization: `Bearer ${KEY}` } } },
      'careless',
    );
    const logged = lines.join('');
    expect(logged).not.to.contain('field-secret');
    expect(logged).not.to.contain(KEY);
    expect(JSON.parse(logged).user).to.deep.equal({ email: 'a@example.com', password: '[redacted]' });
  });

  describe('lines coalesced by turn of the event loop', () => {
    const writes: string[] = [];
    const target = { write: (text: string) => void writes.push(text) };
    beforeEach(() => (writes.length = 0));

    it('writes a turn\'s lines together at its end, in order, in one write', async () => {
      const destination = linesByTurn(target);
      const turnLogger = pino({ base: null }, destination);
      for (let index = 0; index < 5; index += 1) turnLogger.info({ index }, 'request');
      expect(writes).to.deep.equal([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).to.have.length(1);
      expect(writes[0].trimEnd().split('\n').map((line) => JSON.parse(line).index)).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it('never writes more than 4096 bytes at once, and only whole lines, counting bytes, not characters', async () => {
      const destination = linesByTurn(target);
      const turnLogger = pino({ base: null }, destination);
      // 'é' is two bytes in UTF-8: 100 lines of about 300 bytes but 200 characters.
      for (let index = 0; index < 100; index += 1) turnLogger.info({ index, text: 'é'.repeat(150) }, 'request');
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes.length).to.be.greaterThan(5);
      for (const write of writes) {
        expect(Buffer.byteLength(write)).to.be.at.most(4096);
        expect(write.endsWith('\n')).to.equal(true);
      }
      expect(writes.join('').trimEnd().split('\n')).to.have.length(100);
    });

    it('writes a line longer than 4096 bytes alone and whole', async () => {
      const destination = linesByTurn(target);
      const turnLogger = pino({ base: null }, destination);
      turnLogger.info('short');
      turnLogger.info({ text: 'x'.repeat(5000) }, 'long');
      turnLogger.info('after');
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes.map((write) => write.trimEnd().split('\n').map((line) => JSON.parse(line).msg))).to.deep.equal([['short'], ['long'], ['after']]);
    });

    it('writes what is pending when the process exits, as after a fatal error', () => {
      const script = `
        const pino = require('pino');
        const { linesByTurn } = require(${JSON.stringify(require.resolve('../../src/infrastructure/logger'))});
        const logger = pino({ base: null }, linesByTurn(pino.destination({ dest: 1, sync: true })));
        logger.fatal('last words');
        process.exit(3);`;
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(run.status).to.equal(3);
      expect(JSON.parse(run.stdout).msg).to.equal('last words');
    });

    it('writes what is pending at once on flush, as pino\'s logger.flush before an exit asks', () => {
      const destination = linesByTurn(target);
      const turnLogger = pino({ base: null }, destination);
      turnLogger.fatal('could not start');
      let flushed = false;
      turnLogger.flush(() => (flushed = true));
      expect(flushed).to.equal(true);
      expect(writes.join('')).to.contain('could not start');
    });
  });
});
