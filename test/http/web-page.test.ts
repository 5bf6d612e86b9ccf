import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadWebPage, WebPageNotBuilt } from '../../src/adapters/http/web-page';
import { Reply } from '../support/http-client';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

describe('the web page at / (HTTP)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(() => server.stop());

  it('serves the page and each of its files with its content type', async () => {
    const expected: Record<string, string> = {
      '/': 'text/html; charset=utf-8',
      '/app.js': 'text/javascript; charset=utf-8',
      '/app.js.map': 'application/json; charset=utf-8',
      '/app.css': 'text/css; charset=utf-8',
      '/favicon.svg': 'image/svg+xml',
    };
    for (const [route, type] of Object.entries(expected)) {
      const reply = await server.http.get(route);
      expect(reply.status, route).to.equal(200);
      expect(reply.headers['content-type'], route).to.equal(type);
      expect(reply.text.length, route).to.be.greaterThan(0);
    }
  });

  it('loads nothing from another origin and has no inline script, style or event handler', async () => {
    const html = (await server.http.get('/')).text;
    expect(html).not.to.match(/(src|href)="(https?:)?\/\//);
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).to.deep.equal(['<script type="module" src="/app.js">']);
    expect(html).not.to.match(/<script\b[^>]*>[^<]+<\/script>/);
    expect(html).not.to.match(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect((await server.http.get('/app.js')).text).not.to.match(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('sends a Content-Security-Policy that allows only its own origin and no inline code', async () => {
    const reply = await server.http.get('/');
    const policy = String(reply.headers['content-security-policy']);
    const directives = new Map(policy.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }));
    expect(directives.get('default-src')).to.deep.equal(["'self'"]);
    for (const name of ['script-src', 'style-src', 'connect-src', 'img-src']) expect(directives.get(name), name).to.deep.equal(["'self'"]);
    expect(directives.get('frame-ancestors')).to.deep.equal(["'none'"]);
    expect(directives.get('object-src')).to.deep.equal(["'none'"]);
    expect(policy).not.to.match(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(reply.headers['x-content-type-options']).to.equal('nosniff');
    expect(reply.headers['referrer-policy']).to.equal('no-referrer');
    expect(reply.headers['x-frame-options']).to.equal('DENY');
  });

  it('leaves the API responses as strict as they were: no-store, and a policy that allows nothing', async () => {
    const key = await registerUser(server);
    // Each reply with the header of its own it must keep beside the API's (set last, once the reply is ready).
    const replies: Array<[string, Reply, string | undefined]> = [
      ['GET /v1/current', await server.http.get('/v1/current', { headers: bearer(key) }), 'etag'],
      ['GET /v1/current without a key', await server.http.get('/v1/current'), 'www-authenticate'],
      ['GET /no/such/page', await server.http.get('/no/such/page'), undefined],
      ['DELETE /v1/next', await server.http.send('DELETE', '/v1/next', { headers: bearer(key) }), 'allow'],
      ['HEAD /v1/next', await server.http.send('HEAD', '/v1/next', { headers: bearer(key) }), 'allow'],
      ['OPTIONS /v1/next', await server.http.send('OPTIONS', '/v1/next'), 'allow'],
      // Refused before any route runs.
      ['POST /v1/register, too large', await server.http.post('/v1/register', { body: 'x'.repeat(70_000), headers: { 'Content-Type': 'application/json' } }), undefined],
    ];
    for (const [name, reply, own] of replies) {
      expect(reply.headers['cache-control'], name).to.equal('no-store');
      expect(reply.headers['x-content-type-options'], name).to.equal('nosniff');
      expect(reply.headers['x-frame-options'], name).to.equal('SAMEORIGIN');
      // The directives, however they are spaced: helmet writes "a;b".
      expect(String(reply.headers['content-security-policy']).split(';').map((directive: string) => directive.trim()), name).to.deep.equal([
        "default-src 'none'",
        "frame-ancestors 'none'",
      ]);
      if (reply.text !== '') expect(reply.headers['content-type'], name).to.equal('application/vnd.api+json');
      expect(reply.headers['access-control-allow-origin'], name).to.equal(undefined);
      expect(reply.headers['x-request-id'], name).to.match(/^[0-9a-f-]{36}$/);
      if (own) expect(reply.headers[own], `${name}: ${own}`).to.be.a('string').and.not.equal('');
    }
    expect(replies.map(([, reply]) => reply.status)).to.deep.equal([200, 401, 404, 405, 405, 200, 413]);
  });

  it('revalidates instead of caching blindly: an unchanged file costs a 304', async () => {
    const first = await server.http.get('/app.js');
    expect(first.headers['cache-control']).to.equal('no-cache');
    const etag = String(first.headers.etag);
    expect(etag).to.match(/^"[\w-]+"$/);
    const again = await server.http.get('/app.js', { headers: { 'If-None-Match': etag } });
    expect(again.status).to.equal(304);
    expect(again.text).to.equal('');
    const stale = await server.http.get('/app.js', { headers: { 'If-None-Match': '"something-else"' } });
    expect(stale.status).to.equal(200);
    expect(stale.text).to.equal(first.text);
  });

  it('answers HEAD on the page without a body, and refuses to change it', async () => {
    const head = await server.http.send('HEAD', '/');
    expect(head.status).to.equal(200);
    expect(head.text).to.equal('');
    const post = await server.http.post('/', { body: { anything: 1 } });
    expect(post.status).to.equal(405);
    expect(post.body.errors[0].code).to.equal('method_not_allowed');
  });

  it('refuses to start from a build without its page, saying what to run', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'increment-web-'));
    try {
      expect(() => loadWebPage(empty)).to.throw(WebPageNotBuilt, /not built: .* Run "npm run build"/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
