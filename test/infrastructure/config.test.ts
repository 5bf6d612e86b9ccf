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
    });
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
