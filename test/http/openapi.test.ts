import { expect } from 'chai';
import { AssertionError } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { API, openApiDocument } from '../../src/adapters/http/openapi';
import { PROBLEMS } from '../../src/adapters/http/problems';
import { ApiKey } from '../../src/domain/api-key';
import { Counter } from '../../src/domain/counter';
import { EmailAlreadyRegistered } from '../../src/domain/errors';
import { Email, Password } from '../../src/domain/user';
import { TOKENS } from '../../src/infrastructure/tokens';
import { createOpenApiValidator } from '../support/openapi-validator';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

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

  it('agrees with the route table and the router: every route served is documented, every documented operation is served', async () => {
    // The app's dispatch carries its router (the fixed paths are also in a map built in the same loop, test/http/protocol.test.ts).
    const routerMiddleware = server.application.app.middleware.find((middleware) => 'router' in middleware) as unknown as {
      router: { stack: Array<{ path: string; methods: string[] }> };
    };
    const pageFiles = readdirSync(path.resolve(__dirname, '../../web'));
    const pageOrDocs = { test: (route: string) => route === '/' || route.startsWith('/docs') || pageFiles.includes(route.slice(1)) };
    const served = routerMiddleware.router.stack
      .filter((layer) => !pageOrDocs.test(layer.path))
      .flatMap((layer) => layer.methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${layer.path}`));
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(served).to.have.members(documented);
    expect(documented.map((entry) => entry.split(' ')[1])).to.have.members(API.map((operation) => operation.path.replace(/\{(\w+)\}/g, ':$1')));
    for (const [path, item] of Object.entries(openApiDocument.paths)) {
      for (const method of Object.keys(item)) {
        const reply = await server.http.send(method.toUpperCase(), path.replace(/\{\w+\}/g, 'x'), { body: method === 'get' || method === 'delete' ? undefined : {} });
        expect(reply.status, `${method} ${path}`).not.to.be.oneOf([404, 405]);
      }
    }
  });

  it('describes the API only: no HEAD twins, no page or docs files', () => {
    expect(Object.keys(openApiDocument.paths)).not.to.include.members(['/', '/docs', '/app.js', '/docs/{asset}']);
    for (const item of Object.values(openApiDocument.paths)) expect(item).not.to.have.property('head');
  });

  it('declares security on every operation, and an example for every request and response body', () => {
    for (const [path, item] of Object.entries(openApiDocument.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, any>)) {
        const where = `${method} ${path}`;
        expect(operation.security, where).to.be.an('array');
        for (const [mediaType, content] of Object.entries(operation.requestBody?.content ?? {})) {
          expect(content, `${where} request ${mediaType}`).to.have.property('example');
        }
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          for (const content of Object.values(response.content ?? {})) expect(content, `${where} ${status}`).to.have.property('example');
        }
      }
    }
  });

  it('names the codes of every error response, each with the status of its code', () => {
    for (const [path, item] of Object.entries(openApiDocument.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, any>)) {
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          if (Number(status) < 400 || path === '/health') continue;
          const code = response.content['application/vnd.api+json'].schema.properties.errors.items.properties.code;
          const codes: string[] = code.anyOf?.map((option: { const: string }) => option.const) ?? [code.const];
          expect(codes, `${method} ${path} ${status}`).to.have.length.greaterThan(0);
          for (const code of codes) {
            expect(response.description, `${method} ${path} ${status}`).to.contain(`\`${code}\``);
            expect(PROBLEMS[code as keyof typeof PROBLEMS].status, code).to.equal(Number(status));
          }
        }
      }
    }
  });

  it('takes its limits from the domain, not from a second copy', () => {
    const register = (openApiDocument.paths['/v1/register'] as any).post.requestBody.content['application/json'].schema.anyOf[0].properties;
    expect(register.email.maxLength).to.equal(Email.MAX_LENGTH);
    expect(register.password.maxLength).to.equal(Password.MAX_BYTES);
    expect(register.password.description).to.contain(`${Password.MIN_BYTES} to ${Password.MAX_BYTES} bytes`);
    const counter = (openApiDocument.paths['/v1/current'] as any).get.responses['200'].content['application/vnd.api+json'].schema;
    expect(counter.properties.data.properties.attributes.properties.value.maximum).to.equal(Counter.MAX_VALUE);
    const user = (openApiDocument.paths['/v1/register'] as any).post.responses['201'].content['application/vnd.api+json'].schema;
    expect(user.properties.data.properties.attributes.properties.apiKey.pattern).to.equal(ApiKey.SHAPE.source);
  });

  it('passes Redocly\'s recommended lint rules with no error and no warning', function () {
    this.timeout(60_000);
    const folder = mkdtempSync(path.join(tmpdir(), 'increment-openapi-'));
    try {
      const file = path.join(folder, 'openapi.json');
      writeFileSync(file, JSON.stringify(openApiDocument));
      const lint = spawnSync(process.execPath, [require.resolve('@redocly/cli/bin/cli.js'), 'lint', file, '--extends', 'recommended', '--format', 'stylish'], {
        encoding: 'utf8',
        cwd: folder,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      });
      expect(lint.status, lint.stdout + lint.stderr).to.equal(0);
      expect(lint.stdout + lint.stderr).to.match(/Woohoo! Your API description is valid/);
      expect(lint.stdout + lint.stderr).not.to.match(/^\s*\d+:\d+\s+(error|warning)\s/m);
      expect(lint.stdout + lint.stderr).not.to.match(/You have \d+ warning/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('describes HEAD as the router answers it: like GET without a body, and refused on /v1/next', async () => {
    const key = await registerUser(server);
    // Each reply is checked against the document by the test client; these are its statuses.
    expect((await server.http.send('HEAD', '/v1/current', { headers: bearer(key) })).status).to.equal(200);
    expect((await server.http.send('HEAD', '/v1/current')).status).to.equal(401);
    expect((await server.http.send('HEAD', '/health')).status).to.equal(200);
    const refused = await server.http.send('HEAD', '/v1/next', { headers: bearer(key) });
    expect(refused.status).to.equal(405);
    expect(refused.headers.allow).to.equal('GET, POST');
    expect((await server.http.get('/v1/current', { headers: bearer(key) })).body.data.attributes.value, 'HEAD used up nothing').to.equal(0);
  });

  it('matches paths as the router does: any letter case, with or without a trailing slash', async () => {
    const key = await registerUser(server);
    const reply = await server.http.get('/V1/Current/', { headers: bearer(key) });
    expect(reply.status).to.equal(200);
    expect(() => createOpenApiValidator()({ method: 'GET', path: '/V1/Current/', status: 201, contentType: undefined, body: undefined, text: '' }))
      .to.throw(AssertionError, /GET \/V1\/Current\/ → 201 is not a declared response \(#\/paths\/~1v1~1current\/get\/responses\/201\)/);
  });

  it('declares all three request encodings for register and reset', () => {
    for (const path of ['/v1/register', '/v1/current'] as const) {
      const operation = (openApiDocument.paths[path] as any)[path === '/v1/register' ? 'post' : 'put'];
      expect(Object.keys(operation.requestBody.content)).to.have.members([
        'application/vnd.api+json',
        'application/json',
        'application/x-www-form-urlencoded',
      ]);
    }
  });

  describe('the response check every HTTP test runs', () => {
    const validate = createOpenApiValidator();
    const issued = { issued: { first: 3, last: 3, count: 1 } };
    const counter = { data: { type: 'counters', id: 'default', attributes: { value: 3 } }, meta: issued };
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
      const wrongValue = { data: { type: 'counters', id: 'default', attributes: { value: '3' } }, meta: issued };
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

describe('the OpenAPI check, against a server that answers wrongly on purpose', () => {
  let server: TestServer;
  let key: string;

  before(async () => {
    server = await startTestServer({
      customize: (container) => {
        // A value sent as a string, and a domain error on a route that does not declare it.
        container.rebind(TOKENS.CurrentInteger).toConstantValue({ execute: async () => ({ name: 'default', value: '13' }) });
        container.rebind(TOKENS.NextInteger).toConstantValue({ execute: async () => { throw new EmailAlreadyRegistered(); } });
      },
    });
    key = await registerUser(server);
  });

  after(() => server.stop());

  it('fails the test that receives a body breaking the schema', async () => {
    let failure: unknown;
    await server.http.get('/v1/current', { headers: bearer(key) }).catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(AssertionError);
    expect((failure as Error).message).to.match(/GET \/v1\/current → 200 body does not match its schema: .*value must be integer/);
  });

  it('fails the test that receives an error code its operation does not declare', async () => {
    let failure: unknown;
    await server.http.get('/v1/next', { headers: bearer(key) }).catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(AssertionError);
    expect((failure as Error).message).to.match(/GET \/v1\/next → 409 body does not match its schema/);
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
