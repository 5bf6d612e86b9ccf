import { expect } from 'chai';
import { AssertionError } from 'node:assert';
import { openApiDocument } from '../../src/adapters/http/openapi';
import { createOpenApiValidator } from '../support/openapi-validator';
import { startTestServer, TestServer } from '../support/test-server';

describe('the OpenAPI document', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(() => server.stop());

  it('is served at /openapi.json as OpenAPI 3.1, and is the document the tests check against', async () => {
    const reply = await server.http.get('/openapi.json');
    expect(reply.status).to.equal(200);
    expect(reply.body.openapi).to.equal('3.1.0');
    expect(reply.body).to.deep.equal(JSON.parse(JSON.stringify(openApiDocument)));
  });

  it('describes every route the app serves, with every method', async () => {
    const routes: Array<[string, string]> = [
      ['post', '/v1/register'], ['get', '/v1/next'], ['post', '/v1/next'], ['get', '/v1/current'], ['put', '/v1/current'],
      ['get', '/health'], ['get', '/health/live'], ['get', '/metrics'], ['get', '/openapi.json'],
    ];
    for (const [method, path] of routes) {
      const reply = await server.http.send(method.toUpperCase(), path, { body: method === 'get' ? undefined : {} });
      expect(reply.status, `${method} ${path}`).not.to.equal(404);
      expect((openApiDocument.paths as Record<string, object>)[path], path).to.have.property(method);
    }
  });

  it('declares all three request encodings for register and reset', () => {
    for (const path of ['/v1/register', '/v1/current'] as const) {
      const operation = path === '/v1/register' ? openApiDocument.paths[path].post : openApiDocument.paths[path].put;
      expect(Object.keys(operation.requestBody.content)).to.have.members([
        'application/vnd.api+json',
        'application/json',
        'application/x-www-form-urlencoded',
      ]);
    }
  });

  describe('the response check every HTTP test runs', () => {
    const validate = createOpenApiValidator();
    const counter = { data: { type: 'counters', id: 'default', attributes: { value: 3 } } };
    const ok = { method: 'GET', path: '/v1/next?token=x', status: 200, contentType: 'application/vnd.api+json', body: counter, text: '' };

    it('accepts a response as documented', () => {
      expect(() => validate(ok)).not.to.throw();
    });

    it('fails on a status the operation does not declare', () => {
      expect(() => validate({ ...ok, status: 201 })).to.throw(AssertionError, /not a declared response/);
    });

    it('fails on a wrong content type', () => {
      expect(() => validate({ ...ok, contentType: 'application/json' })).to.throw(AssertionError, /Content-Type/);
    });

    it('fails on a body that breaks the schema: a value as a string, or an error code the status does not declare', () => {
      const wrongValue = { data: { type: 'counters', id: 'default', attributes: { value: '3' } } };
      expect(() => validate({ ...ok, body: wrongValue })).to.throw(AssertionError, /does not match its schema/);
      const wrongCode = { errors: [{ status: '409', code: 'email_taken', title: 't', detail: 'd' }] };
      expect(() => validate({ ...ok, status: 409, body: wrongCode })).to.throw(AssertionError, /does not match its schema/);
    });

    it('fails on an unknown route answered with anything but a documented error', () => {
      expect(() => validate({ ...ok, path: '/nowhere' })).to.throw(AssertionError, /not a declared response/);
      const notFound = { errors: [{ status: '404', code: 'not_found', title: 'Not found', detail: 'd' }] };
      expect(() => validate({ ...ok, path: '/nowhere', status: 404, body: notFound })).not.to.throw();
    });
  });
});

describe('the interactive docs at /docs', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(() => server.stop());

  it('is an HTML page with no inline script, under a CSP that allows only its own origin for scripts', async () => {
    const reply = await server.http.get('/docs');
    expect(reply.status).to.equal(200);
    expect(reply.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(reply.headers['content-security-policy']).to.contain("script-src 'self'");
    const scripts = [...reply.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).to.have.length.greaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).to.match(/src="\/docs\//);
      expect(body.trim()).to.equal('');
    }
    expect(reply.text).not.to.match(/https?:\/\//);
  });

  it('serves every asset the page references from local files', async () => {
    const page = await server.http.get('/docs');
    const assets = [...page.text.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((match) => match[1]);
    expect(assets).to.include.members(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']);
    for (const asset of assets) {
      const reply = await server.http.get(asset);
      expect(reply.status, asset).to.equal(200);
      expect(reply.text.length, asset).to.be.greaterThan(0);
    }
    expect((await server.http.get('/docs/init.js')).text).to.contain("url: '/openapi.json'");
    expect((await server.http.get('/docs/..%2Fpackage.json')).status).to.equal(404);
  });
});
