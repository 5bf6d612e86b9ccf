import { expect } from 'chai';
import { bearer, startTestServer, TestServer } from '../support/test-server';

const PASSWORD = 'a very secret password';

describe('request logs and metrics', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(() => server.stop());

  const requestLines = () => server.logs.filter((line) => line.msg === 'request');

  it('writes one JSON line per request with method, route pattern, status, duration, request id and user id', async () => {
    const registered = await server.http.post('/v1/register', { body: { email: 'log@example.com', password: PASSWORD } });
    const key = registered.body.data.attributes.apiKey;
    const reply = await server.http.get('/v1/next', { headers: bearer(key) });
    await new Promise((resolve) => setImmediate(resolve));
    const lines = requestLines();
    expect(lines).to.have.length(2);
    const next = lines[1];
    expect(next).to.include({ method: 'GET', route: '/v1/next', status: 200, reqId: reply.headers['x-request-id'] });
    expect(next.durationMs).to.be.a('number').at.least(0);
    expect(next.userId).to.equal(registered.body.data.id);
    expect(lines[0]).to.include({ route: '/v1/register', status: 201 }).and.not.have.property('userId');
  });

  it('takes a sane X-Request-Id from the caller, replaces an insane one, and echoes it', async () => {
    const kept = await server.http.get('/health/live', { headers: { 'X-Request-Id': 'trace-42.abc' } });
    expect(kept.headers['x-request-id']).to.equal('trace-42.abc');
    const replaced = await server.http.get('/health/live', { headers: { 'X-Request-Id': 'x'.repeat(200) } });
    expect(replaced.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    const generated = await server.http.get('/health/live');
    expect(generated.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    expect(requestLines().map((line) => line.reqId)).to.deep.equal([
      'trace-42.abc',
      replaced.headers['x-request-id'],
      generated.headers['x-request-id'],
    ]);
  });

  it('logs route patterns, and unknown paths without their query string', async () => {
    await server.http.get('/no/such/page?token=should-not-appear');
    expect(requestLines()[0]).to.include({ route: 'unmatched', path: '/no/such/page', status: 404 });
  });

  it('labels a refused method with the route whose path matched, so an operator sees which route got it', async () => {
    await server.http.send('DELETE', '/v1/next');
    await server.http.send('PROPFIND', '/v1/current');
    expect(requestLines().map(({ method, route, status }) => ({ method, route, status }))).to.deep.equal([
      { method: 'DELETE', route: '/v1/next', status: 405 },
      { method: 'PROPFIND', route: '/v1/current', status: 405 },
    ]);
    const metrics = (await server.http.get('/metrics')).text;
    expect(metrics).to.match(/http_request_duration_seconds_count\{method="DELETE",route="\/v1\/next",status_class="4xx"\} 1/);
  });

  it('never logs the API key, the password or the token query value', async () => {
    const registered = await server.http.post('/v1/register', { body: { email: 'secret@example.com', password: PASSWORD } });
    const key: string = registered.body.data.attributes.apiKey;
    await server.http.get(`/v1/next?token=${key}`);
    await server.http.get('/v1/current', { headers: bearer(key) });
    await server.http.put(`/v1/current?token=${key}`, { body: { current: 'not a number' } });
    await server.http.post('/v1/register', { body: { email: 'secret@example.com', password: PASSWORD } });
    await server.http.get('/v1/next', { headers: bearer(`inc_${'x'.repeat(43)}`) });
    // A key pasted into the path by mistake: the path of an unknown route is logged, redacted.
    await server.http.get(`/v1/next&token=${key}`);
    await server.http.get(`/v1/next/${key}`);
    await server.http.get(`/v1/next;token=${key.slice(4)}`);
    const logged = JSON.stringify(server.logs);
    expect(server.logs.length).to.be.greaterThan(5);
    expect(logged).not.to.contain(key);
    expect(logged).not.to.contain(key.slice(4));
    expect(logged).not.to.contain(PASSWORD);
    expect(logged).not.to.contain('x'.repeat(43));
  });

  it('serves Prometheus metrics: request durations by route pattern, business counters, storage latency, process metrics', async () => {
    const registered = await server.http.post('/v1/register', { body: { email: 'metrics@example.com', password: PASSWORD } });
    const key = registered.body.data.attributes.apiKey;
    for (let i = 0; i < 3; i += 1) await server.http.get(`/v1/next?token=${key}`);
    await server.http.put('/v1/current', { headers: bearer(key), body: { current: 10 } });
    await server.http.get('/v1/next');
    await server.http.get(`/v1/next?token=inc_${'y'.repeat(43)}`);
    const reply = await server.http.get('/metrics');
    expect(reply.status).to.equal(200);
    expect(reply.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
    const metrics = reply.text;
    expect(metrics).to.contain('increment_integers_issued_total 3');
    expect(metrics).to.contain('increment_counter_resets_total 1');
    expect(metrics).to.contain('increment_registrations_total 1');
    expect(metrics).to.contain('increment_authentication_failures_total{code="missing_api_key"} 1');
    expect(metrics).to.contain('increment_authentication_failures_total{code="invalid_api_key"} 1');
    expect(metrics).to.match(/http_request_duration_seconds_count\{method="GET",route="\/v1\/next",status_class="2xx"\} 3/);
    expect(metrics).to.match(/increment_storage_operation_duration_seconds_count\{adapter="memory",operation="issue",outcome="ok"\} 3/);
    expect(metrics).to.match(/increment_storage_operation_duration_seconds_count\{adapter="memory",operation="add",outcome="ok"\} 1/);
    expect(metrics).to.contain('process_cpu_user_seconds_total');
    expect(metrics).not.to.contain(key);
    expect(metrics).not.to.contain('token=');
  });
});
