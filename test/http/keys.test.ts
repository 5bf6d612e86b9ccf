import { expect } from 'chai';
import bcrypt from 'bcrypt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import { ApiKey } from '../../src/domain/api-key';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

const PASSWORD = 'correct horse battery';
const basic = (email: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${email}:${password}`, 'utf8').toString('base64')}` });
const newEmail = () => `keys-${Math.random().toString(36).slice(2)}@example.com`;

/** Registers with `password` and returns the email and first key. */
async function account(server: TestServer, password = PASSWORD, email = newEmail()) {
  const reply = await server.http.post('/v1/register', { body: { email, password } });
  expect(reply.status, reply.text).to.equal(201);
  return { email, key: reply.body.data.attributes.apiKey as string };
}

const listOf = async (server: TestServer, key: string) => {
  const reply = await server.http.get('/v1/keys', { headers: bearer(key) });
  expect(reply.status, reply.text).to.equal(200);
  return reply.body.data as Array<{ id: string; attributes: Record<string, unknown> }>;
};

describe('API keys and accounts over HTTP', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(() => server.stop());

  afterEach(() => sinon.restore());

  describe('POST /v1/keys', () => {
    it('with a key: creates a labelled key, shown this once, that works at once', async () => {
      const { key } = await account(server);
      const reply = await server.http.post('/v1/keys', { headers: bearer(key), body: { label: 'ci' } });
      expect(reply.status).to.equal(201);
      const { type, id, attributes } = reply.body.data;
      expect(type).to.equal('keys');
      expect(id).to.be.a('string');
      expect(attributes.label).to.equal('ci');
      expect(attributes.apiKey).to.match(ApiKey.SHAPE);
      expect(attributes.prefix).to.equal(ApiKey.prefixOf(attributes.apiKey));
      expect(Date.parse(attributes.createdAt)).to.be.closeTo(Date.now(), 60_000);
      expect(attributes.lastUsedAt).to.equal(null);
      expect((await server.http.get('/v1/current', { headers: bearer(attributes.apiKey) })).status).to.equal(200);
    });

    it('takes the label as a form or a JSON:API document, and no body at all as no label', async () => {
      const { key } = await account(server);
      const form = await server.http.post('/v1/keys', {
        headers: { ...bearer(key), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'label=laptop%20%C3%A0%20la%20maison',
      });
      expect(form.body.data.attributes.label).to.equal('laptop à la maison');
      const document = await server.http.post('/v1/keys', {
        headers: { ...bearer(key), 'Content-Type': 'application/vnd.api+json' },
        body: JSON.stringify({ data: { type: 'keys', attributes: { label: 'build server' } } }),
      });
      expect(document.body.data.attributes.label).to.equal('build server');
      const none = await server.http.post('/v1/keys', { headers: bearer(key) });
      expect(none.status).to.equal(201);
      expect(none.body.data.attributes.label).to.equal(null);
    });

    it('refuses an empty, too long or control-character label with 422 invalid_label at the field, and creates nothing', async () => {
      const { key } = await account(server);
      for (const [body, pointer] of [
        [{ label: '' }, '/label'],
        [{ label: 'x'.repeat(65) }, '/label'],
        [{ label: 'two\nlines' }, '/label'],
        [{ label: 42 }, '/label'],
        [{ data: { type: 'keys', attributes: { label: '' } } }, '/data/attributes/label'],
      ] as const) {
        const reply = await server.http.post('/v1/keys', { headers: bearer(key), body });
        expect(reply.status, JSON.stringify(body)).to.equal(422);
        expect(reply.body.errors[0]).to.include({ code: 'invalid_label' });
        expect(reply.body.errors[0].source).to.deep.equal({ pointer });
      }
      expect(await listOf(server, key)).to.have.length(1);
    });

    it('with the password (Basic): logs in, the email normalised as at registration', async () => {
      const { email } = await account(server);
      const reply = await server.http.post('/v1/keys', { headers: basic(`  ${email.toUpperCase()} `, PASSWORD), body: { label: 'web' } });
      expect(reply.status, reply.text).to.equal(201);
      const key = reply.body.data.attributes.apiKey;
      expect((await listOf(server, key)).map((entry) => entry.attributes.label)).to.deep.equal(['web', null]);
    });

    it('takes a password with colons in it: only the first colon ends the email', async () => {
      const password = 'a:b::c: d:';
      const { email } = await account(server, password);
      const reply = await server.http.post('/v1/keys', { headers: basic(email, password) });
      expect(reply.status, reply.text).to.equal(201);
      const wrong = await server.http.post('/v1/keys', { headers: basic(email, 'a:b::c') });
      expect(wrong.status).to.equal(401);
    });

    it('takes a password that is not ASCII, sent as UTF-8', async () => {
      const password = 'pässwörd 🔑';
      const { email } = await account(server, password);
      expect((await server.http.post('/v1/keys', { headers: basic(email, password) })).status).to.equal(201);
    });

    it('answers a wrong password and an unknown email with the same 401 invalid_credentials and a Basic challenge', async () => {
      const { email } = await account(server);
      const wrongPassword = await server.http.post('/v1/keys', { headers: basic(email, 'wrong horse battery') });
      const unknownEmail = await server.http.post('/v1/keys', { headers: basic(newEmail(), PASSWORD) });
      for (const reply of [wrongPassword, unknownEmail]) {
        expect(reply.status).to.equal(401);
        expect(reply.headers['www-authenticate']).to.equal('Basic realm="increment"');
        expect(reply.body.errors[0]).to.include({ code: 'invalid_credentials' });
      }
      expect(wrongPassword.text).to.equal(unknownEmail.text);
    });

    it('compares an unknown email\'s password with bcrypt all the same, against a dummy hash', async () => {
      const compare = sinon.spy(bcrypt, 'compare');
      const reply = await server.http.post('/v1/keys', { headers: basic(newEmail(), 'some password') });
      expect(reply.status).to.equal(401);
      expect(compare.callCount).to.equal(1);
      expect(compare.firstCall.args[0]).to.equal('some password');
      expect(compare.firstCall.args[1]).to.match(/^\$2[aby]\$04\$/);
    });

    it('refuses malformed Basic credentials with 401 malformed_authorization: not base64, no colon, not UTF-8', async () => {
      const { email } = await account(server);
      const headers = [
        'Basic',
        'Basic not*base64',
        `Basic ${Buffer.from(`${email}${PASSWORD}`).toString('base64')}`,
        // "ada@example.com:pass" with a Latin-1 é (0xE9): not UTF-8.
        `Basic ${Buffer.concat([Buffer.from(`${email}:caf`), Buffer.from([0xe9]), Buffer.from(' horse battery')]).toString('base64')}`,
        'Digest username="ada"',
      ];
      for (const Authorization of headers) {
        const reply = await server.http.post('/v1/keys', { headers: { Authorization } });
        expect(reply.status, Authorization).to.equal(401);
        expect(reply.body.errors[0], Authorization).to.include({ code: 'malformed_authorization' });
        expect(reply.body.errors[0].source).to.deep.equal({ header: 'Authorization' });
      }
    });

    it('asks for a key when no Authorization is sent', async () => {
      const reply = await server.http.post('/v1/keys');
      expect(reply.status).to.equal(401);
      expect(reply.body.errors[0]).to.include({ code: 'missing_api_key' });
    });

    it('refuses the 21st key with 409 too_many_keys', async () => {
      const { key } = await account(server);
      for (let i = 1; i < ApiKey.MAX_PER_USER; i += 1) expect((await server.http.post('/v1/keys', { headers: bearer(key) })).status).to.equal(201);
      const reply = await server.http.post('/v1/keys', { headers: bearer(key), body: { label: 'one too many' } });
      expect(reply.status).to.equal(409);
      expect(reply.body.errors[0]).to.include({ code: 'too_many_keys' });
      expect(await listOf(server, key)).to.have.length(ApiKey.MAX_PER_USER);
    });

    it(`never passes ${ApiKey.MAX_PER_USER} keys under ${ApiKey.MAX_PER_USER} concurrent creations`, async () => {
      const { key } = await account(server);
      const replies = await Promise.all(Array.from({ length: ApiKey.MAX_PER_USER }, () => server.http.post('/v1/keys', { headers: bearer(key) })));
      expect(replies.filter((reply) => reply.status === 201)).to.have.length(ApiKey.MAX_PER_USER - 1);
      expect(replies.filter((reply) => reply.status === 409)).to.have.length(1);
      expect(await listOf(server, key)).to.have.length(ApiKey.MAX_PER_USER);
    });
  });

  describe('GET /v1/keys', () => {
    it("lists the caller's keys newest first, without secrets, with when each was last used", async () => {
      const { key } = await account(server);
      const second = (await server.http.post('/v1/keys', { headers: bearer(key), body: { label: 'second' } })).body.data.attributes.apiKey;
      await server.http.get('/v1/current', { headers: bearer(second) });
      const listed = await listOf(server, key);
      expect(listed.map((entry) => entry.attributes.label)).to.deep.equal(['second', null]);
      expect(listed.map((entry) => entry.attributes.prefix)).to.deep.equal([ApiKey.prefixOf(second), ApiKey.prefixOf(key)]);
      expect(Date.parse(listed[0].attributes.lastUsedAt as string)).to.be.closeTo(Date.now(), 60_000);
      for (const entry of listed) expect(Object.keys(entry.attributes).sort()).to.deep.equal(['createdAt', 'label', 'lastUsedAt', 'prefix']);
      expect(JSON.stringify(listed)).not.to.contain(second).and.not.to.contain(key);
      const other = await account(server);
      expect(await listOf(server, other.key)).to.have.length(1);
    });
  });

  describe('DELETE /v1/keys/{id}', () => {
    it('revokes a key: 204, and it stops working at once', async () => {
      const { key } = await account(server);
      const created = (await server.http.post('/v1/keys', { headers: bearer(key) })).body.data;
      const reply = await server.http.send('DELETE', `/v1/keys/${created.id}`, { headers: bearer(key) });
      expect(reply.status).to.equal(204);
      expect(reply.text).to.equal('');
      const refused = await server.http.get('/v1/next', { headers: bearer(created.attributes.apiKey) });
      expect(refused.status).to.equal(401);
      expect(refused.body.errors[0]).to.include({ code: 'invalid_api_key' });
      expect(await listOf(server, key)).to.have.length(1);
    });

    it('lets a request revoke the key it uses', async () => {
      const { key } = await account(server);
      await server.http.post('/v1/keys', { headers: bearer(key) });
      const own = (await listOf(server, key)).find((entry) => entry.attributes.prefix === ApiKey.prefixOf(key))!;
      expect((await server.http.send('DELETE', `/v1/keys/${own.id}`, { headers: bearer(key) })).status).to.equal(204);
      expect((await server.http.get('/v1/keys', { headers: bearer(key) })).status).to.equal(401);
    });

    it('refuses the last key with 409 last_key, and it keeps working', async () => {
      const { key } = await account(server);
      const [only] = await listOf(server, key);
      const reply = await server.http.send('DELETE', `/v1/keys/${only.id}`, { headers: bearer(key) });
      expect(reply.status).to.equal(409);
      expect(reply.body.errors[0]).to.include({ code: 'last_key' });
      expect((await server.http.get('/v1/current', { headers: bearer(key) })).status).to.equal(200);
    });

    it("answers another user's key and an unknown id alike: 404 key_not_found, changing nothing", async () => {
      const ada = await account(server);
      const grace = await account(server);
      await server.http.post('/v1/keys', { headers: bearer(grace.key) });
      const [gracesKey] = await listOf(server, grace.key);
      const theirs = await server.http.send('DELETE', `/v1/keys/${gracesKey.id}`, { headers: bearer(ada.key) });
      const unknown = await server.http.send('DELETE', '/v1/keys/00000000-0000-4000-8000-000000000000', { headers: bearer(ada.key) });
      for (const reply of [theirs, unknown]) {
        expect(reply.status).to.equal(404);
        expect(reply.body.errors[0]).to.include({ code: 'key_not_found' });
      }
      expect(theirs.body.errors[0].detail).to.equal(unknown.body.errors[0].detail);
      expect(await listOf(server, grace.key)).to.have.length(2);
    });
  });

  describe('DELETE /v1/account', () => {
    it('takes the password, deletes the user, every key and the counter; the email then starts from nothing', async () => {
      const { email, key } = await account(server);
      const second = (await server.http.post('/v1/keys', { headers: bearer(key) })).body.data.attributes.apiKey;
      await server.http.put('/v1/current', { headers: bearer(key), body: { current: 41 } });
      const reply = await server.http.send('DELETE', '/v1/account', { headers: basic(email, PASSWORD) });
      expect(reply.status).to.equal(204);
      for (const gone of [key, second]) expect((await server.http.get('/v1/current', { headers: bearer(gone) })).status).to.equal(401);
      expect((await server.http.post('/v1/keys', { headers: basic(email, PASSWORD) })).status).to.equal(401);
      const again = await account(server, 'another password', email);
      expect((await server.http.get('/v1/current', { headers: bearer(again.key) })).body.data.attributes.value).to.equal(0);
      expect(await listOf(server, again.key)).to.have.length(1);
    });

    it('refuses a key, no credentials and a wrong password, deleting nothing', async () => {
      const { email, key } = await account(server);
      const withKey = await server.http.send('DELETE', '/v1/account', { headers: bearer(key) });
      expect(withKey.status).to.equal(401);
      expect(withKey.body.errors[0]).to.include({ code: 'malformed_authorization' });
      expect(withKey.headers['www-authenticate']).to.equal('Basic realm="increment"');
      const without = await server.http.send('DELETE', '/v1/account');
      expect(without.status).to.equal(401);
      expect(without.body.errors[0]).to.include({ code: 'missing_credentials' });
      expect(without.headers['www-authenticate']).to.equal('Basic realm="increment"');
      const wrong = await server.http.send('DELETE', '/v1/account', { headers: basic(email, 'wrong horse battery') });
      expect(wrong.status).to.equal(401);
      expect(wrong.body.errors[0]).to.include({ code: 'invalid_credentials' });
      expect((await server.http.get('/v1/current', { headers: bearer(key) })).status).to.equal(200);
    });
  });

  it('logs neither the password nor the Basic credentials', async () => {
    const password = 'do not log me 42';
    const { email } = await account(server, password);
    await server.http.post('/v1/keys', { headers: basic(email, password) });
    await server.http.post('/v1/keys', { headers: basic(email, `${password}!`) });
    const logged = JSON.stringify(server.logs);
    expect(logged).not.to.contain(password);
    expect(logged).not.to.contain(basic(email, password).Authorization.slice(6));
  });
});

describe('rate limits over HTTP', () => {
  let server: TestServer;

  afterEach(async () => {
    sinon.restore();
    await server?.stop();
  });

  it('answers the sixth wrong password of an account with 429 and Retry-After, and does no bcrypt work for it, nor for the right one', async () => {
    server = await startTestServer({ env: { RATE_LIMIT_FAILED_PASSWORDS_PER_ACCOUNT: '5', RATE_LIMIT_FAILED_PASSWORDS_WINDOW_SECONDS: '900' } });
    const { email } = await account(server);
    for (let i = 0; i < 5; i += 1) expect((await server.http.post('/v1/keys', { headers: basic(email, 'wrong horse battery') })).status).to.equal(401);
    const compare = sinon.spy(bcrypt, 'compare');
    const sixth = await server.http.post('/v1/keys', { headers: basic(email, 'wrong horse battery') });
    const right = await server.http.post('/v1/keys', { headers: basic(email, PASSWORD) });
    for (const reply of [sixth, right]) {
      expect(reply.status).to.equal(429);
      expect(reply.body.errors[0]).to.include({ code: 'too_many_requests' });
      expect(Number(reply.headers['retry-after'])).to.be.within(890, 900);
    }
    expect(compare.callCount).to.equal(0);
    const deletion = await server.http.send('DELETE', '/v1/account', { headers: basic(email, PASSWORD) });
    expect(deletion.status, 'the account limit holds on every route that takes the password').to.equal(429);
  });

  it('limits wrong passwords per client address, whichever accounts they try', async () => {
    server = await startTestServer({ env: { RATE_LIMIT_FAILED_PASSWORDS_PER_ADDRESS: '3' } });
    const { email } = await account(server);
    for (let i = 0; i < 3; i += 1) await server.http.post('/v1/keys', { headers: basic(newEmail(), 'guess guess guess') });
    const reply = await server.http.post('/v1/keys', { headers: basic(email, PASSWORD) });
    expect(reply.status).to.equal(429);
  });

  it('limits registrations per client address, before any hashing', async () => {
    server = await startTestServer({ env: { RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: '2', RATE_LIMIT_REGISTRATIONS_WINDOW_SECONDS: '3600' } });
    await account(server);
    await account(server);
    const hash = sinon.spy(bcrypt, 'hash');
    const reply = await server.http.post('/v1/register', { body: { email: newEmail(), password: PASSWORD } });
    expect(reply.status).to.equal(429);
    expect(reply.body.errors[0]).to.include({ code: 'too_many_requests' });
    expect(Number(reply.headers['retry-after'])).to.be.within(3590, 3600);
    expect(hash.callCount).to.equal(0);
  });

  it('turns a limit off with 0', async () => {
    server = await startTestServer({ env: { RATE_LIMIT_FAILED_PASSWORDS_PER_ACCOUNT: '0', RATE_LIMIT_FAILED_PASSWORDS_PER_ADDRESS: '0' } });
    const { email } = await account(server);
    for (let i = 0; i < 30; i += 1) expect((await server.http.post('/v1/keys', { headers: basic(email, 'wrong horse battery') })).status).to.equal(401);
  });

  it('takes the client address from the socket, and from X-Forwarded-For only with TRUST_PROXY', async () => {
    const register = (forwardedFor: string) =>
      server.http.post('/v1/register', { headers: { 'X-Forwarded-For': forwardedFor }, body: { email: newEmail(), password: PASSWORD } });
    server = await startTestServer({ env: { RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: '1' } });
    expect((await register('192.0.2.1')).status).to.equal(201);
    expect((await register('192.0.2.2')).status, 'a header the client chose changes nothing').to.equal(429);
    await server.stop();

    server = await startTestServer({ env: { RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: '1', TRUST_PROXY: '1' } });
    expect((await register('192.0.2.1')).status).to.equal(201);
    expect((await register('192.0.2.2')).status).to.equal(201);
    expect((await register('203.0.113.5, 192.0.2.1')).status, 'the address the proxy appended counts').to.equal(429);
  });
});

describe('revocation across app instances on one SQLite file', () => {
  let folder: string;
  const servers: TestServer[] = [];

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'increment-keys-'));
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(folder, { recursive: true, force: true });
  });

  it('a key revoked through one instance is refused by the other at its next request', async () => {
    const env = { STORAGE: 'sqlite', SQLITE_PATH: path.join(folder, 'increment.db') };
    const [a, b] = [await startTestServer({ env }), await startTestServer({ env })];
    servers.push(a, b);
    const key = await registerUser(a);
    const second = (await b.http.post('/v1/keys', { headers: bearer(key), body: { label: 'second' } })).body.data;
    expect((await b.http.get('/v1/next', { headers: bearer(second.attributes.apiKey) })).status).to.equal(200);
    expect((await a.http.send('DELETE', `/v1/keys/${second.id}`, { headers: bearer(key) })).status).to.equal(204);
    const refused = await b.http.get('/v1/next', { headers: bearer(second.attributes.apiKey) });
    expect(refused.status).to.equal(401);
    expect(refused.body.errors[0]).to.include({ code: 'invalid_api_key' });
    expect((await b.http.get('/v1/current', { headers: bearer(key) })).body.data.attributes.value, 'the other key still works there').to.equal(1);
  });
});
