import { expect } from 'chai';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createLogger } from '../../src/infrastructure/logger';

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
});
