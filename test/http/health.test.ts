import { expect } from 'chai';
import sinon from 'sinon';
import { StorageHealth } from '../../src/domain/storage-health.port';
import { TOKENS } from '../../src/infrastructure/tokens';
import { startTestServer, TestServer } from '../support/test-server';

describe('health endpoints', () => {
  let server: TestServer;
  let storage: StorageHealth & { ping: sinon.SinonStub };

  beforeEach(async () => {
    storage = { adapter: 'fake', ping: sinon.stub().resolves() };
    server = await startTestServer({ customize: (c) => c.rebind(TOKENS.StorageHealth).toConstantValue(storage) });
  });

  afterEach(() => server.stop());

  it('GET /health pings the store and answers 200 when it answers', async () => {
    const reply = await server.http.get('/health');
    expect(reply.status).to.equal(200);
    expect(reply.body).to.deep.equal({ status: 'ok', checks: { storage: { adapter: 'fake', status: 'ok' } } });
    expect(storage.ping.calledOnce).to.equal(true);
  });

  it('GET /health answers 503 naming the failing check when the store does not answer', async () => {
    storage.ping.rejects(new Error('no primary'));
    const reply = await server.http.get('/health');
    expect(reply.status).to.equal(503);
    expect(reply.body.status).to.equal('unavailable');
    expect(reply.body.checks.storage).to.include({ adapter: 'fake', status: 'fail' });
    expect(reply.text).not.to.contain('no primary');
  });

  it('GET /health/live answers 200 without touching the store', async () => {
    storage.ping.rejects(new Error('down'));
    const reply = await server.http.get('/health/live');
    expect(reply.status).to.equal(200);
    expect(reply.body).to.deep.equal({ status: 'ok' });
    expect(storage.ping.called).to.equal(false);
  });
});
