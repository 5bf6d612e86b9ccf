import { expect } from 'chai';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

describe('authentication on /v1 routes', () => {
  let server: TestServer;
  let key: string;

  before(async () => {
    server = await startTestServer();
    key = await registerUser(server);
  });

  after(() => server.stop());

  const unauthorized: Array<[string, string, Record<string, string>, string]> = [
    ['no key at all', '/v1/next', {}, 'missing_api_key'],
    ['an empty token', '/v1/next?token=', {}, 'missing_api_key'],
    ['a well-formed key nobody has', `/v1/next?token=inc_${'A'.repeat(43)}`, {}, 'invalid_api_key'],
    ['a bearer key nobody has', '/v1/current', bearer(`inc_${'B'.repeat(43)}`), 'invalid_api_key'],
    ['a key of the wrong shape', '/v1/current?token=letmein', {}, 'invalid_api_key'],
    ['a Basic Authorization header', '/v1/next', { Authorization: 'Basic dXNlcjpwYXNz' }, 'malformed_authorization'],
    ['a Bearer header without a key', '/v1/next', { Authorization: 'Bearer' }, 'malformed_authorization'],
    ['a token sent twice', '/v1/next?token=a&token=b', {}, 'malformed_token'],
  ];

  for (const [name, path, headers, code] of unauthorized) {
    it(`answers 401 ${code} with WWW-Authenticate for ${name}`, async () => {
      const reply = await server.http.get(path, { headers });
      expect(reply.status).to.equal(401);
      expect(reply.headers['www-authenticate']).to.match(/^Bearer/);
      expect(reply.body.errors[0]).to.include({ status: '401', code });
    });
  }

  it('never hands out a number to an unauthenticated caller', async () => {
    await server.http.get('/v1/next');
    const reply = await server.http.get('/v1/current', { headers: bearer(key) });
    expect(reply.body.data.attributes.value).to.equal(0);
  });

  it('accepts the scheme name in any letter case', async () => {
    const reply = await server.http.get('/v1/current', { headers: { Authorization: `bearer ${key}` } });
    expect(reply.status).to.equal(200);
  });
});
