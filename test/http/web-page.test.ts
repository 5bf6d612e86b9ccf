import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadWebPage, WebPageNotBuilt } from '../../src/adapters/http/web-page';
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
    for (const reply of [
      await server.http.get('/v1/current', { headers: bearer(key) }),
      await server.http.get('/v1/current'),
      await server.http.get('/no/such/page'),
    ]) {
      expect(reply.headers['cache-control']).to.equal('no-store');
      expect(reply.headers['x-content-type-options']).to.equal('nosniff');
      // The directives, however they are spaced: helmet writes "a;b".
      expect(String(reply.headers['content-security-policy']).split(';').map((directive: string) => directive.trim())).to.deep.equal([
        "default-src 'none'",
        "frame-ancestors 'none'",
      ]);
      expect(reply.headers['content-type']).to.equal('application/vnd.api+json');
      expect(reply.headers['access-control-allow-origin']).to.equal(undefined);
    }
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
