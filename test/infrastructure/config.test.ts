import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../src/infrastructure/config';

describe('parseConfig', () => {
  it('has defaults for a laptop: durable SQLite storage in ./data', () => {
    expect(parseConfig({})).to.deep.equal({
      port: 3000,
      host: '0.0.0.0',
      storage: 'sqlite',
      mongodbUrl: undefined,
      mongodbDb: 'thinkific_challenge',
      sqlitePath: './data/increment.db',
      bcryptRounds: 12,
      logLevel: 'info',
      storageTimeoutMs: 1000,
      maxConnections: 1000,
      maxSequences: 1000,
      trustProxy: 0,
      rateLimits: {
        failedPasswordsPerAccount: { points: 5, durationSeconds: 900 },
        failedPasswordsPerAddress: { points: 20, durationSeconds: 900 },
        registrationsPerAddress: { points: 10, durationSeconds: 3600 },
      },
      workers: 1,
    });
  });

  it('reads every rate limit, 0 turning one off, and the number of trusted proxies', () => {
    const config = parseConfig({
      RATE_LIMIT_FAILED_PASSWORDS_PER_ACCOUNT: '3',
      RATE_LIMIT_FAILED_PASSWORDS_PER_ADDRESS: '0',
      RATE_LIMIT_FAILED_PASSWORDS_WINDOW_SECONDS: '60',
      RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: '100',
      RATE_LIMIT_REGISTRATIONS_WINDOW_SECONDS: '86400',
      TRUST_PROXY: '1',
    });
    expect(config.rateLimits).to.deep.equal({
      failedPasswordsPerAccount: { points: 3, durationSeconds: 60 },
      failedPasswordsPerAddress: { points: 0, durationSeconds: 60 },
      registrationsPerAddress: { points: 100, durationSeconds: 86400 },
    });
    expect(config.trustProxy).to.equal(1);
  });

  it('refuses rate limits and windows that are not whole numbers in range, naming each variable once', () => {
    const error = (() => {
      try {
        parseConfig({
          RATE_LIMIT_FAILED_PASSWORDS_PER_ACCOUNT: '-1',
          RATE_LIMIT_FAILED_PASSWORDS_PER_ADDRESS: 'lots',
          RATE_LIMIT_FAILED_PASSWORDS_WINDOW_SECONDS: '0',
          RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: '2.5',
          RATE_LIMIT_REGISTRATIONS_WINDOW_SECONDS: '86401',
          TRUST_PROXY: 'yes',
        });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).to.be.instanceOf(ConfigError);
    expect(error!.problems).to.deep.equal([
      'RATE_LIMIT_FAILED_PASSWORDS_WINDOW_SECONDS must be a whole number from 1 to 86400 (got "0")',
      'TRUST_PROXY must be a whole number from 0 to 10 (got "yes")',
      'RATE_LIMIT_FAILED_PASSWORDS_PER_ACCOUNT must be a whole number from 0 to 1000000 (got "-1")',
      'RATE_LIMIT_FAILED_PASSWORDS_PER_ADDRESS must be a whole number from 0 to 1000000 (got "lots")',
      'RATE_LIMIT_REGISTRATIONS_PER_ADDRESS must be a whole number from 0 to 1000000 (got "2.5")',
      'RATE_LIMIT_REGISTRATIONS_WINDOW_SECONDS must be a whole number from 1 to 86400 (got "86401")',
    ]);
  });

  it('takes WORKERS from 1 to 64, and only 1 with the memory store, whose counters live in one process', () => {
    expect(parseConfig({ WORKERS: '4' }).workers).to.equal(4);
    expect(parseConfig({ WORKERS: '1', STORAGE: 'memory' }).workers).to.equal(1);
    for (const workers of ['0', '65', 'two', '1.5']) {
      expect(() => parseConfig({ WORKERS: workers }), workers).to.throw(ConfigError, /WORKERS must be a whole number from 1 to 64/);
    }
    expect(() => parseConfig({ WORKERS: '2', STORAGE: 'memory' })).to.throw(ConfigError, /WORKERS must be 1 with STORAGE=memory/);
  });

  it('takes MAX_SEQUENCES from 1 to 1 000 000', () => {
    expect(parseConfig({ MAX_SEQUENCES: '25' }).maxSequences).to.equal(25);
    for (const bad of ['0', '1000001', '-3', '2.5', 'many']) {
      expect(() => parseConfig({ MAX_SEQUENCES: bad }), bad).to.throw(ConfigError, /MAX_SEQUENCES must be a whole number from 1 to 1000000/);
    }
  });

  it('chooses MongoDB when MONGODB_URL is set', () => {
    const config = parseConfig({ MONGODB_URL: 'mongodb://db:27017/?replicaSet=rs0', MONGODB_DB: 'other', PORT: '8080' });
    expect(config).to.include({ storage: 'mongodb', mongodbUrl: 'mongodb://db:27017/?replicaSet=rs0', mongodbDb: 'other', port: 8080 });
  });

  it('reports every bad value at once', () => {
    const error = (() => {
      try {
        parseConfig({
          PORT: 'eighty', STORAGE: 'floppy', BCRYPT_ROUNDS: '40', LOG_LEVEL: 'loud', MONGODB_DB: 'a/b',
          STORAGE_TIMEOUT_MS: '0', MAX_CONNECTIONS: 'lots',
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems).to.have.length(7);
    expect((error as ConfigError).message).to.contain('PORT must be a whole number from 0 to 65535 (got "eighty")');
    expect((error as ConfigError).message).to.contain('STORAGE must be one of sqlite, mongodb, memory');
    expect((error as ConfigError).message).to.contain('STORAGE_TIMEOUT_MS must be a whole number from 1 to 60000 (got "0")');
    expect((error as ConfigError).message).to.contain('MAX_CONNECTIONS must be a whole number from 1 to 1000000 (got "lots")');
  });

  it('takes the storage timeout and the connection cap from the environment', () => {
    expect(parseConfig({ STORAGE_TIMEOUT_MS: '250', MAX_CONNECTIONS: '64' })).to.include({ storageTimeoutMs: 250, maxConnections: 64 });
  });

  it('takes an IP address or a host name as HOST, and refuses anything else', () => {
    for (const host of ['127.0.0.1', '::', '::1', 'localhost', 'api.internal', 'my-host-1']) {
      expect(parseConfig({ HOST: host }).host, host).to.equal(host);
    }
    for (const host of ['999.1.1.1', '1.2.3', 'http://localhost', 'bad host', '-dash.example', 'a..b']) {
      expect(() => parseConfig({ HOST: host }), host).to.throw(ConfigError, /HOST must be an IP address or a host name/);
    }
  });

  it('requires MONGODB_URL for STORAGE=mongodb and never echoes a URL, which may hold a password', () => {
    expect(() => parseConfig({ STORAGE: 'mongodb' })).to.throw(ConfigError, /MONGODB_URL is required/);
    try {
      parseConfig({ MONGODB_URL: 'postgres://admin:s3cret@db' });
      expect.fail('accepted a non-MongoDB URL');
    } catch (error) {
      expect((error as Error).message).to.contain('MONGODB_URL must start with mongodb://');
      expect((error as Error).message).not.to.contain('s3cret');
    }
  });
});
