import { expect } from 'chai';
import { once } from 'node:events';
import http from 'node:http';
import { connect } from 'node:net';
import sinon from 'sinon';
import { AssertionError } from 'node:assert';
import { PROBLEMS } from '../../src/adapters/http/problems';
import * as domainErrors from '../../src/domain/errors';
import { createOpenApiValidator } from '../support/openapi-validator';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

/** Hostile and careless input at the edge: each case once failed, or answered outside the table. */
describe('the HTTP edge', () => {
  let server: TestServer;
  let key: string;

  before(async () => {
    server = await startTestServer();
    key = await registerUser(server);
  });

  after(() => server.stop());

  const errorOf = (reply: { body: any }) => reply.body.errors[0];
  const requestLines = () => server.logs.filter((line) => line.msg === 'request');

  it('maps every domain error code through the one table', () => {
    // Every concrete error class the domain exports (abstract ones have no code).
    const codes = Object.values(domainErrors)
      .filter((value) => typeof value === 'function' && value.prototype instanceof domainErrors.DomainError)
      .map((type) => (Reflect.construct(type as unknown as () => void, ['detail']) as domainErrors.DomainError).code)
      .filter((code) => typeof code === 'string');
    expect(codes).to.include.members(['invalid_email', 'email_taken', 'storage_unavailable']);
    for (const code of codes) expect(PROBLEMS, code).to.have.property(code);
  });

  it('refuses a body that is not UTF-8 with 400 malformed_body, and stores nothing', async () => {
    const bytes = Buffer.concat([Buffer.from('{"email":"caf'), Buffer.from([0xe9]), Buffer.from('@example.com","password":"correct horse"}')]);
    const reply = await server.http.post('/v1/register', { headers: { 'Content-Type': 'application/json' }, body: bytes });
    expect(reply.status).to.equal(400);
    expect(errorOf(reply)).to.include({ code: 'malformed_body' });
    const form = await server.http.put('/v1/current', { headers: { ...bearer(key), 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from([0x63, 0x75, 0x72, 0x72, 0x65, 0x6e, 0x74, 0x3d, 0xff]) });
    expect(form.status).to.equal(400);
    expect((await server.http.get('/v1/current', { headers: bearer(key) })).body.data.attributes.value).to.equal(0);
  });

  it('refuses JSON nested deeper than 32 levels with 422 invalid_document, before parsing it recursively', async () => {
    for (const depth of [33, 100_000]) {
      const body = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const reply = await server.http.put('/v1/current', { headers: { ...bearer(key), 'Content-Type': 'application/json' }, body: depth > 1000 ? `{"current":${body.slice(0, 16_000)}` : body });
      expect(reply.status, String(depth)).to.be.oneOf([400, 422]);
      if (depth === 33) expect(errorOf(reply)).to.include({ code: 'invalid_document' });
    }
    const deep = `{"current":1,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const reply = await server.http.put('/v1/current', { headers: { ...bearer(key), 'Content-Type': 'application/json' }, body: deep });
    expect(reply.status).to.equal(422);
    expect(errorOf(reply)).to.include({ code: 'invalid_document' });
    expect(JSON.stringify(server.logs)).not.to.contain('Maximum call stack');
  });

  it('answers a GET with a body over 16 KiB 413, like any other request', async () => {
    // node:http frames a GET body only when told its length.
    const body = 'x'.repeat(17 * 1024);
    const reply = await server.http.send('GET', '/health/live', { headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }, body });
    expect(reply.status).to.equal(413);
    expect(errorOf(reply)).to.include({ code: 'payload_too_large' });
  });

  it('answers a declared length of 4 GiB and one byte 413 before the route runs, handing out nothing', async () => {
    // Read to 32 bits, as Koa's ctx.request.length reads it, that length would be 1 byte.
    const before = await server.http.get('/v1/current', { headers: bearer(key) });
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    let answer = '';
    const headersRead = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        answer += chunk;
        if (answer.includes('\r\n\r\n')) resolve();
      }),
    );
    socket.write(`GET /v1/next HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Length: ${2 ** 32 + 1}\r\n\r\nx`);
    await headersRead;
    socket.destroy();
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    const after = await server.http.get('/v1/current', { headers: bearer(key) });
    expect(after.body.data.attributes.value).to.equal(before.body.data.attributes.value);
  });

  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', '..%2Fpackage.json']) {
    it(`answers /docs/${name} with a JSON:API 404, logged as 404`, async () => {
      const reply = await server.http.get(`/docs/${name}`);
      expect(reply.status).to.equal(404);
      expect(reply.headers['content-type']).to.equal('application/vnd.api+json');
      expect(errorOf(reply)).to.include({ code: 'not_found' });
      expect(requestLines().at(-1)).to.include({ status: 404 });
    });
  }

  it('does not log a client that goes away mid-download as an error, nor print it to stderr', async () => {
    // Koa's default error handler prints such stacks with console.error.
    const printed = sinon.spy(console, 'error');
    after(() => printed.restore());
    await new Promise<void>((resolve) => {
      const req = http.get(`${server.url}/docs/swagger-ui-bundle.js`, (res) => {
        res.once('data', () => {
          req.destroy();
          setTimeout(resolve, 200);
        });
      });
      req.on('error', () => undefined);
    });
    expect(server.logs.filter((line) => Number(line.level) >= 50)).to.deep.equal([]);
    expect(printed.called).to.equal(false);
  });

  it('replaces a request id that carries an API key, and never logs or echoes the key', async () => {
    const reply = await server.http.get('/health/live', { headers: { 'X-Request-Id': key } });
    expect(reply.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(server.logs)).not.to.contain(key.slice(4));
  });

  it('redacts a percent-encoded key in an unknown path before logging it', async () => {
    const encoded = key.replace('_', '%5F');
    await server.http.get(`/v1/next/${encoded}`);
    const logged = JSON.stringify(server.logs);
    expect(logged).not.to.contain(key.slice(4));
    expect(logged).to.contain('inc_[redacted]');
  });

  it('authenticates after the whole request is read: a body held back past a revocation gets 401 and no key', async () => {
    const second = await server.http.post('/v1/keys', { headers: bearer(key), body: { label: 'stolen' } });
    const stolen = second.body.data.attributes.apiKey as string;
    const body = 'label=backdoor';
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk));
    socket.write(
      `POST /v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${stolen}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const revoked = await server.http.send('DELETE', `/v1/keys/${second.body.data.id}`, { headers: bearer(key) });
    expect(revoked.status).to.equal(204);
    socket.end(body);
    await once(socket, 'close');
    expect(answer).to.match(/^HTTP\/1\.1 401 /);
    const keys = await server.http.get('/v1/keys', { headers: bearer(key) });
    expect(keys.body.data.map((entry: { attributes: { label: string | null } }) => entry.attributes.label)).not.to.include('backdoor');
  });

  it('refuses a password holding an unpaired surrogate, and labels that hide or fake their text', async () => {
    const password = await server.http.post('/v1/register', { body: { email: 'surrogate@example.com', password: '\ud800abcdefgh' } });
    expect(password.status).to.equal(422);
    expect(errorOf(password)).to.deep.include({ code: 'invalid_password', source: { pointer: '/password' } });
    for (const label of ['\u202e evil', '\u200b', '   ']) {
      const reply = await server.http.post('/v1/keys', { headers: bearer(key), body: { label } });
      expect(reply.status, JSON.stringify(label)).to.equal(422);
      expect(errorOf(reply)).to.include({ code: 'invalid_label' });
    }
  });

  it('never quotes a key in a 404 detail, nor echoes or logs the random part of one as a request id or path', async () => {
    const notFound = await server.http.get(`/v1/next&token=${key}`);
    expect(notFound.status).to.equal(404);
    expect(notFound.text).not.to.contain(key.slice(4));
    const reply = await server.http.get('/health/live', { headers: { 'X-Request-Id': key.slice(4) } });
    expect(reply.headers['x-request-id']).not.to.equal(key.slice(4));
    await server.http.get(`/v1/x/${key.slice(4)}`);
    expect(JSON.stringify(server.logs)).not.to.contain(key.slice(4));
  });

  for (const [name, raw, status] of [
    ['an unknown method', 'FOO /v1/next HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a header with a control character', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n', 400],
    ['headers over Node\'s limit', `GET /health HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ] as const) {
    it(`answers ${name}, which Node's parser refuses, with a JSON:API ${status}`, async () => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk));
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      socket.write(raw);
      await once(socket, 'close');
      expect(answer).to.match(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer).to.contain('Content-Type: application/vnd.api+json');
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      expect(body.errors[0].status).to.equal(String(status));
    });
  }

  it('fails a test whose request the document refuses but the server served', () => {
    const validate = createOpenApiValidator();
    const served = {
      method: 'PUT',
      path: '/v1/current',
      status: 200,
      contentType: 'application/vnd.api+json',
      body: { data: { type: 'counters', id: 'default', attributes: { value: 3 } } },
      text: '',
    };
    expect(() => validate({ ...served, request: { contentType: 'application/json', body: '{"current":3}' } })).not.to.throw();
    expect(() => validate({ ...served, request: { contentType: 'application/json', body: '{"current":-3}' } })).to.throw(AssertionError, /served a request body its schema refuses/);
  });
});
