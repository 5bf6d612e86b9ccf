import { expect } from 'chai';
import { Db } from 'mongodb';
import sinon from 'sinon';
import { MongoSequenceRepository } from '../../src/adapters/persistence/mongodb/mongo-sequence-repository';
import { TOKENS } from '../../src/infrastructure/tokens';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

/**
 * A MongoDB that never answers (a server gone while the driver waits out its 5 s of server
 * selection), at the driver level, behind the real app: clients get their 503 after
 * STORAGE_TIMEOUT_MS, and a next is told its outcome is unknown.
 */
describe('STORAGE_TIMEOUT_MS, through the real app', () => {
  let server: TestServer;
  const silent = { findOneAndUpdate: sinon.stub().returns(new Promise(() => {})), findOne: sinon.stub().returns(new Promise(() => {})) };

  before(async () => {
    const db = { collection: () => silent, client: {} } as unknown as Db;
    server = await startTestServer({
      env: { STORAGE_TIMEOUT_MS: '300' },
      customize: (c) => c.rebind(TOKENS.SequenceRepository).toConstantValue(new MongoSequenceRepository(db, 300)),
    });
  });
  after(() => server.stop());

  it('answers a next the store did not confirm with 503, Retry-After and a detail saying its outcome is unknown', async () => {
    const key = await registerUser(server);
    const started = performance.now();
    const reply = await server.http.post('/v1/next', { headers: bearer(key) });
    expect(performance.now() - started).to.be.below(2000);
    expect(reply.status).to.equal(503);
    expect(reply.headers['retry-after']).to.equal('1');
    expect(reply.body.errors[0].code).to.equal('storage_unavailable');
    expect(reply.body.errors[0].detail).to.match(/may or may not have been applied/);
  });

  it('answers a read the store did not answer with a plain 503', async () => {
    const key = await registerUser(server);
    const reply = await server.http.get('/v1/current', { headers: bearer(key) });
    expect(reply.status).to.equal(503);
    expect(reply.body.errors[0].detail).not.to.match(/may or may not/);
  });
});
