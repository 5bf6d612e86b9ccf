import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { InMemorySequenceRepository } from '../../src/adapters/persistence/in-memory/in-memory-sequence-repository';
import { StorageUnavailable } from '../../src/domain/errors';
import { TOKENS } from '../../src/infrastructure/tokens';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

describe('HTTP protocol errors', () => {
  let server: TestServer;
  let key: string;

  before(async () => {
    server = await startTestServer();
    key = await registerUser(server);
  });

  after(() => server.stop());

  const errorOf = (reply: { body: any }) => reply.body.errors[0];

  it('answers 400 malformed_json for broken JSON, and changes nothing', async () => {
    await server.http.put('/v1/current', { headers: bearer(key), body: { current: 3 } });
    for (const body of ['{"current":', '{current: 5}', '{"current":05}', '{"current":5,}', '{"current":-}']) {
      const reply = await server.http.put('/v1/current', { headers: { ...bearer(key), 'Content-Type': 'application/json' }, body });
      expect(reply.status, body).to.equal(400);
      expect(errorOf(reply)).to.include({ status: '400', code: 'malformed_json' });
    }
    const current = await server.http.get('/v1/current', { headers: bearer(key) });
    expect(current.body.data.attributes.value).to.equal(3);
  });

  it('answers 413 for a body over 16 KiB', async () => {
    const big = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(17 * 1024) });
    const reply = await server.http.post('/v1/register', { headers: { 'Content-Type': 'application/json' }, body: big });
    expect(reply.status).to.equal(413);
    expect(errorOf(reply)).to.include({ status: '413', code: 'payload_too_large' });
  });

  it('applies the 16 KiB limit after decompression', async () => {
    const bomb = gzipSync(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1024 * 1024) }));
    const reply = await server.http.post('/v1/register', {
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: bomb,
    });
    expect(reply.status).to.equal(413);
  });

  it('answers 415 for a body in an unsupported media type or without one', async () => {
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
      const reply = await server.http.post('/v1/register', { headers: { 'Content-Type': type }, body: 'email=a@example.com' });
      expect(reply.status, type).to.equal(415);
      expect(errorOf(reply)).to.deep.include({ code: 'unsupported_media_type', source: { header: 'Content-Type' } });
    }
  });

  it('answers 415 for an unknown Content-Encoding and 400 for a body that is not what its encoding says, changing nothing', async () => {
    await server.http.put('/v1/current', { headers: bearer(key), body: { current: 3 } });
    const unknown = await server.http.put('/v1/current', {
      headers: { ...bearer(key), 'Content-Type': 'application/json', 'Content-Encoding': 'zzz' },
      body: '{"current":7}',
    });
    expect(unknown.status).to.equal(415);
    expect(errorOf(unknown)).to.deep.include({ code: 'unsupported_encoding', source: { header: 'Content-Encoding' } });
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const notCompressed = await server.http.put('/v1/current', {
        headers: { ...bearer(key), 'Content-Type': 'application/json', 'Content-Encoding': encoding },
        body: '{"current":7}',
      });
      expect(notCompressed.status, encoding).to.equal(400);
      expect(errorOf(notCompressed), encoding).to.deep.include({ code: 'malformed_body', source: { header: 'Content-Encoding' } });
    }
    const current = await server.http.get('/v1/current', { headers: bearer(key) });
    expect(current.body.data.attributes.value).to.equal(3);
    expect(JSON.stringify(server.logs)).not.to.contain('request failed');
  });

  it('reads an optional POST /v1/next body like any other: a bad one uses up no number', async () => {
    await server.http.put('/v1/current', { headers: bearer(key), body: { current: 3 } });
    const xml = await server.http.post('/v1/next', { headers: { ...bearer(key), 'Content-Type': 'application/xml' }, body: '<next/>' });
    expect(xml.status).to.equal(415);
    const big = await server.http.post('/v1/next', { headers: bearer(key), body: { padding: 'x'.repeat(17 * 1024) } });
    expect(big.status).to.equal(413);
    const current = await server.http.get('/v1/current', { headers: bearer(key) });
    expect(current.body.data.attributes.value).to.equal(3);
    const empty = await server.http.post('/v1/next', { headers: bearer(key) });
    expect(empty.body.data.attributes.value).to.equal(4);
    const emptyJson = await server.http.post('/v1/next', { headers: bearer(key), body: {} });
    expect(emptyJson.body.data.attributes.value).to.equal(5);
  });

  it('answers 415 for an unsupported charset', async () => {
    const reply = await server.http.post('/v1/register', {
      headers: { 'Content-Type': 'application/json; charset=klingon' },
      body: '{"email":"a@example.com"}',
    });
    expect(reply.status).to.equal(415);
    expect(errorOf(reply)).to.include({ code: 'unsupported_charset' });
    const utf8 = await server.http.post('/v1/register', {
      headers: { 'Content-Type': 'application/json; charset=UTF-8' },
      body: '{"email":"charset@example.com","password":"correct horse"}',
    });
    expect(utf8.status).to.equal(201);
  });

  it('answers 404 not_found as a JSON:API error for an unknown route', async () => {
    const reply = await server.http.get('/v2/next');
    expect(reply.status).to.equal(404);
    expect(reply.headers['content-type']).to.equal('application/vnd.api+json');
    expect(errorOf(reply)).to.include({ status: '404', code: 'not_found' });
  });

  it('answers 405 with Allow for a method a route does not take', async () => {
    const reply = await server.http.send('DELETE', '/v1/current', { headers: bearer(key) });
    expect(reply.status).to.equal(405);
    expect(reply.headers.allow).to.equal('HEAD, GET, PUT');
    expect(errorOf(reply)).to.include({ status: '405', code: 'method_not_allowed' });
    const register = await server.http.get('/v1/register');
    expect(register.status).to.equal(405);
    expect(register.headers.allow).to.equal('POST');
  });

  it('answers 405 with Allow, not a server error, for methods no route takes', async () => {
    const reply = await server.http.send('PROPFIND', '/v1/current', { headers: bearer(key) });
    expect(reply.status).to.equal(405);
    expect(reply.headers.allow).to.equal('HEAD, GET, PUT');
  });

  it('serves a fixed path written as documented (looked up in a map) as it serves it in another case or with a trailing slash (the router)', async () => {
    await server.http.put('/v1/current', { headers: bearer(key), body: { current: 5 } });
    const replies = [];
    for (const path of ['/v1/current', '/v1/current/', '/V1/CURRENT']) replies.push(await server.http.get(path, { headers: bearer(key) }));
    for (const reply of replies) {
      expect(reply.status).to.equal(200);
      expect(reply.body).to.deep.equal(replies[0].body);
      expect(reply.headers['x-content-type-options']).to.equal('nosniff');
    }
    const issued = [];
    for (const path of ['/v1/next', '/V1/NEXT/', '/v1/next']) issued.push((await server.http.post(path, { headers: bearer(key) })).body.data.attributes.value);
    expect(issued).to.deep.equal([6, 7, 8]);
    const lines = server.logs.filter((line) => line.msg === 'request').slice(-3);
    expect(lines.map((line) => line.route)).to.deep.equal(['/v1/next', '/v1/next', '/v1/next']);
  });

  it('never takes or offers HEAD for /v1/next, whose GET uses up a number, however the path is written', async () => {
    await server.http.put('/v1/current', { headers: bearer(key), body: { current: 3 } });
    for (const path of ['/v1/next', '/v1/next/', '/V1/Next']) {
      for (const method of ['DELETE', 'PATCH', 'PROPFIND', 'HEAD']) {
        const reply = await server.http.send(method, path, { headers: bearer(key) });
        expect(reply.status, `${method} ${path}`).to.equal(405);
        expect(reply.headers.allow, `${method} ${path}`).to.equal('GET, POST');
      }
    }
    const current = await server.http.get('/v1/current', { headers: bearer(key) });
    expect(current.body.data.attributes.value).to.equal(3);
    const options = await server.http.send('OPTIONS', '/v1/next');
    expect(options.status).to.equal(200);
    expect(options.headers.allow).to.equal('GET, POST');
  });
});

describe('failures inside the service', () => {
  class BrokenCounters extends InMemorySequenceRepository {
    failure: Error = new Error('connection string mongodb://admin:hunter2@db was refused');

    override async issue(): Promise<never> {
      throw this.failure;
    }
  }

  let server: TestServer;
  let counters: BrokenCounters;
  let key: string;

  before(async () => {
    counters = new BrokenCounters();
    server = await startTestServer({ customize: (c) => c.rebind(TOKENS.SequenceRepository).toConstantValue(counters) });
    key = await registerUser(server);
  });

  after(() => server.stop());

  it('answers 500 without internals and logs the cause, without the key', async () => {
    const reply = await server.http.get(`/v1/next?token=${key}`);
    expect(reply.status).to.equal(500);
    expect(reply.body.errors[0]).to.include({ status: '500', code: 'internal_error' });
    expect(reply.text).not.to.contain('hunter2');
    expect(reply.text).not.to.contain('mongodb');
    const logged = JSON.stringify(server.logs);
    expect(logged).to.contain('was refused');
    expect(logged).not.to.contain(key);
  });

  it('answers 503 storage_unavailable with Retry-After when the store is unreachable', async () => {
    counters.failure = new StorageUnavailable(new Error('socket closed'));
    const reply = await server.http.get('/v1/next', { headers: bearer(key) });
    expect(reply.status).to.equal(503);
    expect(reply.headers['retry-after']).to.equal('1');
    expect(reply.body.errors[0]).to.include({ status: '503', code: 'storage_unavailable' });
  });
});
