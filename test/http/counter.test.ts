import { expect } from 'chai';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

const MAX = Number.MAX_SAFE_INTEGER;

describe('the counter endpoints', () => {
  let server: TestServer;
  let key: string;

  beforeEach(async () => {
    server = await startTestServer();
    key = await registerUser(server);
  });

  afterEach(() => server.stop());

  const current = async () => (await server.http.get('/v1/current', { headers: bearer(key) })).body.data.attributes.value;
  const reset = (body: string | object, contentType = 'application/json') =>
    server.http.put('/v1/current', { headers: { ...bearer(key), 'Content-Type': contentType }, body });

  describe('GET and POST /v1/next', () => {
    it('starts at 1 and counts up by one, with GET and with POST', async () => {
      const first = await server.http.get('/v1/next', { headers: bearer(key) });
      expect(first.status).to.equal(200);
      expect(first.headers['content-type']).to.equal('application/vnd.api+json');
      expect(first.body).to.deep.equal({ data: { type: 'counters', id: 'default', attributes: { value: 1 } }, meta: { issued: { first: 1, last: 1, count: 1 } } });
      const second = await server.http.post('/v1/next', { headers: bearer(key) });
      expect(second.body.data.attributes.value).to.equal(2);
    });

    it('accepts the key as ?token= as the original service did', async () => {
      const reply = await server.http.get(`/v1/next?token=${key}`);
      expect(reply.body.data.attributes.value).to.equal(1);
    });

    it('is never cacheable', async () => {
      const reply = await server.http.get('/v1/next', { headers: bearer(key) });
      expect(reply.headers['cache-control']).to.equal('no-store');
    });

    it('refuses HEAD with 405, so a probe cannot use up a number', async () => {
      const head = await server.http.send('HEAD', '/v1/next', { headers: bearer(key) });
      expect(head.status).to.equal(405);
      expect(head.headers.allow).to.equal('GET, POST');
      expect(await current()).to.equal(0);
    });

    it('answers 409 sequence_exhausted at 2^53-1 and leaves the value there', async () => {
      expect((await reset({ current: MAX })).status).to.equal(200);
      const reply = await server.http.get('/v1/next', { headers: bearer(key) });
      expect(reply.status).to.equal(409);
      expect(reply.body.errors[0]).to.include({ status: '409', code: 'sequence_exhausted' });
      expect(await current()).to.equal(MAX);
    });

    it('gives 1000 concurrent calls for one user exactly 1..1000, and leaves another user alone', async () => {
      const other = await registerUser(server);
      await server.http.put('/v1/current', { headers: bearer(other), body: { current: 500 } });
      const replies = await Promise.all(Array.from({ length: 1000 }, () => server.http.get('/v1/next', { headers: bearer(key) })));
      expect(replies.every((reply) => reply.status === 200)).to.equal(true);
      const values = replies.map((reply) => reply.body.data.attributes.value as number).sort((a, b) => a - b);
      expect(values).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(await current()).to.equal(1000);
      const untouched = await server.http.get('/v1/current', { headers: bearer(other) });
      expect(untouched.body.data.attributes.value).to.equal(500);
    });
  });

  describe('GET /v1/current', () => {
    it('reads 0 for a new user and changes nothing', async () => {
      expect(await current()).to.equal(0);
      expect(await current()).to.equal(0);
      await server.http.get('/v1/next', { headers: bearer(key) });
      expect(await current()).to.equal(1);
    });
  });

  describe('PUT /v1/current', () => {
    const accepted: Array<[string, string | object, string]> = [
      ['a form body, as curl --data "current=1000" sends it', 'current=1000', 'application/x-www-form-urlencoded'],
      ['a JSON number', { current: 1000 }, 'application/json'],
      ['a JSON string', { current: '1000' }, 'application/json'],
      ['a JSON:API document', { data: { type: 'counters', attributes: { value: 1000 } } }, 'application/vnd.api+json'],
      ['a JSON:API document with the counter id', { data: { type: 'counters', id: 'default', attributes: { value: 1000 } } }, 'application/vnd.api+json'],
    ];
    for (const [name, body, type] of accepted) {
      it(`resets from ${name}`, async () => {
        const reply = await reset(body, type);
        expect(reply.status).to.equal(200);
        expect(reply.body).to.deep.equal({ data: { type: 'counters', id: 'default', attributes: { value: 1000 } } });
        expect((await server.http.get('/v1/next', { headers: bearer(key) })).body.data.attributes.value).to.equal(1001);
      });
    }

    it('accepts 0 and 2^53-1 exactly', async () => {
      expect((await reset('{"current":9007199254740991}')).body.data.attributes.value).to.equal(MAX);
      expect((await reset({ current: 0 })).body.data.attributes.value).to.equal(0);
      expect(await current()).to.equal(0);
    });

    const refused: Array<[string, string, string, string?]> = [
      ['missing', '{}', '/current'],
      ['null', '{"current":null}', '/current'],
      ['negative', '{"current":-1}', '/current'],
      ['a negative string', '{"current":"-1"}', '/current'],
      ['fractional', '{"current":1.5}', '/current'],
      ['fractional with a zero fraction', '{"current":1000.0}', '/current'],
      ['in exponent form', '{"current":1e3}', '/current'],
      ['in exponent form as a string', '{"current":"1e3"}', '/current'],
      ['not a number', '{"current":"abc"}', '/current'],
      ['an empty string', '{"current":""}', '/current'],
      ['padded with spaces', '{"current":" 5"}', '/current'],
      ['a boolean', '{"current":true}', '/current'],
      ['an array', '{"current":[1]}', '/current'],
      ['an object', '{"current":{"$gt":1}}', '/current'],
      ['2^53, one over the limit', '{"current":9007199254740992}', '/current'],
      ['far over the limit, as a string', '{"current":"99999999999999999999999"}', '/current'],
      ['fractional in a form', 'current=1.5', '/current', 'application/x-www-form-urlencoded'],
      ['repeated in a form', 'current=1&current=2', '/current', 'application/x-www-form-urlencoded'],
      ['missing in a form', 'value=1', '/current', 'application/x-www-form-urlencoded'],
      ['negative in a JSON:API document', '{"data":{"type":"counters","attributes":{"value":-5}}}', '/data/attributes/value', 'application/vnd.api+json'],
    ];
    for (const [name, body, pointer, type] of refused) {
      it(`answers 422 invalid_counter_value naming ${pointer} when current is ${name}, and changes nothing`, async () => {
        await reset({ current: 7 });
        const reply = await reset(body, type);
        expect(reply.status).to.equal(422);
        expect(reply.body.errors[0]).to.deep.include({ status: '422', code: 'invalid_counter_value', source: { pointer } });
        expect(await current()).to.equal(7);
      });
    }

    it('answers 409 for a JSON:API document of another type, and changes nothing', async () => {
      const reply = await reset({ data: { type: 'users', attributes: { value: 5 } } }, 'application/vnd.api+json');
      expect(reply.status).to.equal(409);
      expect(reply.body.errors[0]).to.deep.include({ code: 'type_mismatch', source: { pointer: '/data/type' } });
      expect(await current()).to.equal(0);
    });

    it('needs a key like every counter route', async () => {
      const reply = await server.http.put('/v1/current', { body: { current: 5 } });
      expect(reply.status).to.equal(401);
      expect(await current()).to.equal(0);
    });
  });
});
