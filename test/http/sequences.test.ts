import { expect } from 'chai';
import { connect } from 'node:net';
import { Reply } from '../support/http-client';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

const MAX = Number.MAX_SAFE_INTEGER;

describe('the sequence endpoints', () => {
  let server: TestServer;
  let key: string;

  before(async () => {
    server = await startTestServer({ env: { MAX_SEQUENCES: '4' } });
  });

  beforeEach(async () => {
    key = await registerUser(server);
  });

  after(() => server.stop());

  const auth = () => bearer(key);
  const create = (body: string | object, headers: Record<string, string> = {}) =>
    server.http.post('/v1/sequences', { headers: { ...auth(), ...headers }, body });
  const next = (path: string, options: { headers?: Record<string, string>; body?: object | string } = {}) =>
    server.http.post(path, { headers: { ...auth(), ...options.headers }, body: options.body });
  const patch = (name: string, body: object, headers: Record<string, string> = {}) =>
    server.http.send('PATCH', `/v1/sequences/${name}`, { headers: { ...auth(), ...headers }, body });
  const valueOf = async (name: string) => (await server.http.get(`/v1/sequences/${name}`, { headers: auth() })).body.data.attributes.value;
  const expectError = (reply: Reply, status: number, code: string, source?: object) => {
    expect(reply.status, reply.text).to.equal(status);
    expect(reply.body.errors[0]).to.include({ status: String(status), code });
    if (source) expect(reply.body.errors[0].source).to.deep.equal(source);
  };

  describe('POST /v1/sequences', () => {
    it('creates from flat JSON at 0, answering 201 with Location, ETag and the document', async () => {
      const reply = await create({ name: 'orders' });
      expect(reply.status).to.equal(201);
      expect(reply.headers.location).to.equal('/v1/sequences/orders');
      expect(reply.headers.etag).to.equal('"0"');
      expect(reply.body.data).to.deep.include({ type: 'sequences', id: 'orders', links: { self: '/v1/sequences/orders' } });
      expect(reply.body.data.attributes.value).to.equal(0);
      expect(Date.parse(reply.body.data.attributes.createdAt)).to.be.closeTo(Date.now(), 60_000);
    });

    it('creates from a JSON:API document whose id is the name, and from a form, at a given value', async () => {
      const document = await create(
        { data: { type: 'sequences', id: 'invoices', attributes: { value: 1000 } } },
        { 'Content-Type': 'application/vnd.api+json' },
      );
      expect(document.status).to.equal(201);
      expect(await valueOf('invoices')).to.equal(1000);
      const form = await create('name=tickets&value=7', { 'Content-Type': 'application/x-www-form-urlencoded' });
      expect(form.status).to.equal(201);
      expect(await valueOf('tickets')).to.equal(7);
    });

    it('refuses a name taken already with 409 sequence_exists at the name, default included', async () => {
      await create({ name: 'orders' });
      expectError(await create({ name: 'orders', value: 5 }), 409, 'sequence_exists', { pointer: '/name' });
      expectError(
        await create({ data: { type: 'sequences', id: 'default' } }, { 'Content-Type': 'application/vnd.api+json' }),
        409,
        'sequence_exists',
        { pointer: '/data/id' },
      );
      expect(await valueOf('orders')).to.equal(0);
    });

    it('refuses a bad name with 422 invalid_sequence_name: upper case, too long, a bad first character, missing', async () => {
      for (const name of ['Orders', 'a'.repeat(65), '-orders', 'a b', 'ünïcode', '']) {
        expectError(await create({ name }), 422, 'invalid_sequence_name', { pointer: '/name' });
      }
      expectError(await create({ value: 5 }), 422, 'invalid_sequence_name', { pointer: '/name' });
      expectError(await create({ data: { type: 'sequences', attributes: {} } }, { 'Content-Type': 'application/vnd.api+json' }), 422, 'invalid_sequence_name', {
        pointer: '/data/id',
      });
      expect((await server.http.get('/v1/sequences', { headers: auth() })).body.data).to.have.length(1);
    });

    it('refuses a bad value with 422 invalid_counter_value at the value', async () => {
      for (const value of [-1, 1.5, '1e3', MAX + 1, null]) {
        expectError(await create({ name: 'orders', value }), 422, 'invalid_counter_value', { pointer: '/value' });
      }
      expect((await server.http.get('/v1/sequences/orders', { headers: auth() })).status).to.equal(404);
    });

    it('refuses one more than MAX_SEQUENCES, default included, with 409 too_many_sequences', async () => {
      for (const name of ['a', 'b', 'c']) expect((await create({ name })).status).to.equal(201);
      expectError(await create({ name: 'd' }), 409, 'too_many_sequences');
      expect((await server.http.get('/v1/sequences/d', { headers: auth() })).status).to.equal(404);
    });
  });

  describe('GET /v1/sequences', () => {
    it("lists a new account's default alone", async () => {
      const reply = await server.http.get('/v1/sequences', { headers: auth() });
      expect(reply.status).to.equal(200);
      expect(reply.body).to.deep.equal({
        data: [{ type: 'sequences', id: 'default', attributes: { value: 0, createdAt: null, updatedAt: null }, links: { self: '/v1/sequences/default' } }],
        links: { self: '/v1/sequences?page%5Bsize%5D=50' },
      });
    });

    it('pages by name with page[size] and page[after], links.next leading through to the end', async () => {
      for (const name of ['zz', 'alpha', 'm.1']) await create({ name });
      const names: string[][] = [];
      let path: string | undefined = '/v1/sequences?page[size]=2';
      while (path) {
        const reply = await server.http.get(path, { headers: auth() });
        expect(reply.status).to.equal(200);
        names.push(reply.body.data.map((sequence: { id: string }) => sequence.id));
        path = reply.body.links.next;
      }
      expect(names).to.deep.equal([['alpha', 'default'], ['m.1', 'zz']]);
    });

    it('refuses page[size] outside 1–200 and a bad page[after], naming the parameter', async () => {
      for (const size of ['0', '201', 'x', '1.5', '-1']) {
        expectError(await server.http.get(`/v1/sequences?page[size]=${size}`, { headers: auth() }), 422, 'invalid_page_size', { parameter: 'page[size]' });
      }
      expect((await server.http.get('/v1/sequences?page[size]=200', { headers: auth() })).status).to.equal(200);
      expectError(await server.http.get('/v1/sequences?page[after]=Orders', { headers: auth() }), 422, 'invalid_sequence_name', { parameter: 'page[after]' });
    });
  });

  describe('GET, PATCH and DELETE /v1/sequences/{name}', () => {
    it('reads a sequence with its value as ETag; an unknown one, or another account\'s, is 404 sequence_not_found', async () => {
      await create({ name: 'orders', value: 41 });
      const reply = await server.http.get('/v1/sequences/orders', { headers: auth() });
      expect(reply.status).to.equal(200);
      expect(reply.headers.etag).to.equal('"41"');
      expect(reply.body.data.attributes.value).to.equal(41);
      expectError(await server.http.get('/v1/sequences/unknown', { headers: auth() }), 404, 'sequence_not_found');
      const other = await registerUser(server);
      expectError(await server.http.get('/v1/sequences/orders', { headers: bearer(other) }), 404, 'sequence_not_found');
      expectError(await server.http.get('/v1/sequences/Orders', { headers: auth() }), 422, 'invalid_sequence_name', { parameter: 'name' });
    });

    it('sets the value with PATCH, flat or JSON:API, and answers with the new ETag', async () => {
      await create({ name: 'orders' });
      const flat = await patch('orders', { value: 1000 });
      expect(flat.status).to.equal(200);
      expect(flat.headers.etag).to.equal('"1000"');
      const document = await patch('orders', { data: { type: 'sequences', attributes: { value: '7' } } }, { 'Content-Type': 'application/vnd.api+json' });
      expect(document.body.data.attributes.value).to.equal(7);
      expectError(await patch('orders', { value: -1 }), 422, 'invalid_counter_value', { pointer: '/value' });
      expectError(await patch('orders', {}), 422, 'invalid_counter_value', { pointer: '/value' });
      expectError(await patch('unknown', { value: 1 }), 404, 'sequence_not_found');
      expect(await valueOf('orders')).to.equal(7);
    });

    it('honours If-Match: the value named, any of a list, or *; otherwise 412 with the current ETag and nothing changed', async () => {
      await create({ name: 'orders', value: 5 });
      const refused = await patch('orders', { value: 100 }, { 'If-Match': '"4"' });
      expectError(refused, 412, 'precondition_failed', { header: 'If-Match' });
      expect(refused.headers.etag).to.equal('"5"');
      expect(await valueOf('orders')).to.equal(5);
      expect((await patch('orders', { value: 6 }, { 'If-Match': '"5"' })).body.data.attributes.value).to.equal(6);
      expect((await patch('orders', { value: 7 }, { 'If-Match': '"1", "6", "9"' })).body.data.attributes.value).to.equal(7);
      expect((await patch('orders', { value: 8 }, { 'If-Match': '*' })).body.data.attributes.value).to.equal(8);
      expectError(await patch('orders', { value: 9 }, { 'If-Match': '"1", "2"' }), 412, 'precondition_failed');
      expect(await valueOf('orders')).to.equal(8);
    });

    it('never matches a weak tag, nor a tag that is no value, and refuses a malformed If-Match with 400', async () => {
      await create({ name: 'orders', value: 5 });
      for (const tag of ['W/"5"', '"05"', '"five"', '"9007199254740992"']) {
        const reply = await patch('orders', { value: 100 }, { 'If-Match': tag });
        expectError(reply, 412, 'precondition_failed');
        expect(reply.headers.etag, tag).to.equal('"5"');
      }
      for (const header of ['5', '"5', '"5" "6"', '*, "5"', ',', 'W/5']) {
        expectError(await patch('orders', { value: 100 }, { 'If-Match': header }), 400, 'malformed_if_match', { header: 'If-Match' });
      }
      expect(await valueOf('orders')).to.equal(5);
    });

    it('lets exactly one of 20 concurrent writes with If-Match "0" win', async () => {
      await create({ name: 'orders' });
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => patch('orders', { value: 100 + i }, { 'If-Match': '"0"' })));
      const winners = replies.filter((reply) => reply.status === 200);
      expect(winners).to.have.length(1);
      expect(replies.filter((reply) => reply.status === 412)).to.have.length(19);
      expect(await valueOf('orders')).to.equal(winners[0].body.data.attributes.value);
    });

    it('deletes a sequence with 204, then knows it no more; default answers 409 default_sequence', async () => {
      await create({ name: 'orders' });
      const deleted = await server.http.send('DELETE', '/v1/sequences/orders', { headers: auth() });
      expect(deleted.status).to.equal(204);
      expect(deleted.text).to.equal('');
      expectError(await server.http.send('DELETE', '/v1/sequences/orders', { headers: auth() }), 404, 'sequence_not_found');
      expectError(await server.http.send('DELETE', '/v1/sequences/default', { headers: auth() }), 409, 'default_sequence');
      expect((await create({ name: 'orders' })).status).to.equal(201);
    });
  });

  describe('POST /v1/sequences/{name}/next', () => {
    beforeEach(async () => {
      await create({ name: 'orders' });
    });

    it('hands out the next integer: the document holds it, meta.issued names it', async () => {
      const reply = await next('/v1/sequences/orders/next');
      expect(reply.status).to.equal(200);
      expect(reply.body.data).to.deep.include({ type: 'sequences', id: 'orders' });
      expect(reply.body.data.attributes.value).to.equal(1);
      expect(reply.body.meta).to.deep.equal({ issued: { first: 1, last: 1, count: 1 } });
      expect(reply.headers['idempotent-replayed']).to.equal(undefined);
    });

    it('hands out a range of count, given in the query or in the body', async () => {
      expect((await next('/v1/sequences/orders/next?count=10')).body.meta.issued).to.deep.equal({ first: 1, last: 10, count: 10 });
      expect((await next('/v1/sequences/orders/next', { body: { count: 5 } })).body.meta.issued).to.deep.equal({ first: 11, last: 15, count: 5 });
      expect((await next('/v1/sequences/orders/next', { body: { count: '5' } })).body.meta.issued).to.deep.equal({ first: 16, last: 20, count: 5 });
      const document = await next('/v1/sequences/orders/next', { body: { data: { type: 'sequences', attributes: { count: 2 } } }, headers: { 'Content-Type': 'application/vnd.api+json' } });
      expect(document.body.meta.issued).to.deep.equal({ first: 21, last: 22, count: 2 });
      expect((await next('/v1/sequences/orders/next?count=1000000')).body.meta.issued.count).to.equal(1_000_000);
    });

    it('refuses a count of 0, 1000001, 5.0, "1e3", -1 or given twice with 422 invalid_count, handing out nothing', async () => {
      for (const count of ['0', '1000001', '5.0', '1e3', '-1', '', '99999999999999999999']) {
        expectError(await next(`/v1/sequences/orders/next?count=${count}`), 422, 'invalid_count', { parameter: 'count' });
      }
      for (const count of [0, 1_000_001, '1e3', 5.5, true]) {
        expectError(await next('/v1/sequences/orders/next', { body: { count } }), 422, 'invalid_count', { pointer: '/count' });
      }
      expectError(await next('/v1/sequences/orders/next', { body: '{"count": 5.0}', headers: { 'Content-Type': 'application/json' } }), 422, 'invalid_count', {
        pointer: '/count',
      });
      expectError(await next('/v1/sequences/orders/next?count=2', { body: { count: 2 } }), 422, 'invalid_count', { parameter: 'count' });
      expect(await valueOf('orders')).to.equal(0);
    });

    it('is all or nothing at the ceiling: 409 sequence_exhausted, and the value stays', async () => {
      await patch('orders', { value: MAX - 5 });
      expectError(await next('/v1/sequences/orders/next?count=6'), 409, 'sequence_exhausted');
      expect(await valueOf('orders')).to.equal(MAX - 5);
      expect((await next('/v1/sequences/orders/next?count=5')).body.meta.issued).to.deep.equal({ first: MAX - 4, last: MAX, count: 5 });
    });

    it('answers 404 for an unknown sequence and 405 to GET, handing out nothing', async () => {
      expectError(await next('/v1/sequences/unknown/next'), 404, 'sequence_not_found');
      const get = await server.http.get('/v1/sequences/orders/next', { headers: auth() });
      expectError(get, 405, 'method_not_allowed');
      expect(get.headers.allow).to.equal('POST');
      expect(await valueOf('orders')).to.equal(0);
    });

    it('replays the range for a repeated Idempotency-Key, with Idempotent-Replayed: true, handing out nothing new', async () => {
      const headers = { 'Idempotency-Key': 'order-import-7' };
      const first = await next('/v1/sequences/orders/next?count=3', { headers });
      await next('/v1/sequences/orders/next');
      const again = await next('/v1/sequences/orders/next?count=3', { headers });
      expect(again.status).to.equal(200);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      expect(again.body).to.deep.equal(first.body);
      expect(await valueOf('orders')).to.equal(4);
    });

    it('refuses the key with another count or sequence (422 idempotency_key_reused), changing nothing', async () => {
      await create({ name: 'invoices' });
      const headers = { 'Idempotency-Key': 'k-1' };
      await next('/v1/sequences/orders/next?count=3', { headers });
      expectError(await next('/v1/sequences/orders/next?count=4', { headers }), 422, 'idempotency_key_reused', { header: 'Idempotency-Key' });
      expectError(await next('/v1/sequences/invoices/next?count=3', { headers }), 422, 'idempotency_key_reused');
      expectError(await next('/v1/next?count=3', { headers }), 422, 'idempotency_key_reused');
      expect(await valueOf('orders')).to.equal(3);
      expect(await valueOf('invoices')).to.equal(0);
    });

    it('serves concurrent requests with one key once', async () => {
      const replies = await Promise.all(Array.from({ length: 10 }, () => next('/v1/sequences/orders/next?count=5', { headers: { 'Idempotency-Key': 'same' } })));
      expect(replies.map((reply) => reply.body.meta.issued)).to.deep.equal(Array(10).fill({ first: 1, last: 5, count: 5 }));
      expect(replies.filter((reply) => reply.headers['idempotent-replayed'] === undefined)).to.have.length(1);
      expect(await valueOf('orders')).to.equal(5);
    });

    it('refuses an Idempotency-Key that is empty, too long or not visible ASCII with 422 invalid_idempotency_key', async () => {
      for (const key of ['', 'x'.repeat(256), 'with space', 'clé', 'tab\there']) {
        expectError(await next('/v1/sequences/orders/next', { headers: { 'Idempotency-Key': key } }), 422, 'invalid_idempotency_key', { header: 'Idempotency-Key' });
      }
      expect(await valueOf('orders')).to.equal(0);
      expect((await next('/v1/sequences/orders/next', { headers: { 'Idempotency-Key': '~'.repeat(255) } })).status).to.equal(200);
    });
  });

  describe('the default sequence on the original routes', () => {
    it('serves a POST that has no body at all, as curl -X POST sends it (no Content-Length, no chunks)', async () => {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.end(`POST /v1/next?count=2 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`);
      let text = '';
      for await (const chunk of socket) text += chunk;
      expect(text).to.match(/^HTTP\/1.1 200 /);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).meta.issued).to.deep.equal({ first: 1, last: 2, count: 2 });
    });

    it('/v1/next takes count and Idempotency-Key, and its reply gains meta.issued', async () => {
      const range = await server.http.get('/v1/next?count=10', { headers: auth() });
      expect(range.body).to.deep.equal({ data: { type: 'counters', id: 'default', attributes: { value: 10 } }, meta: { issued: { first: 1, last: 10, count: 10 } } });
      const keyed = await next('/v1/next', { headers: { 'Idempotency-Key': 'k' }, body: { count: 2 } });
      const replay = await server.http.get('/v1/next?count=2', { headers: { ...auth(), 'Idempotency-Key': 'k' } });
      expect(replay.headers['idempotent-replayed']).to.equal('true');
      expect(replay.body).to.deep.equal(keyed.body);
      expectError(await server.http.get('/v1/next?count=0', { headers: auth() }), 422, 'invalid_count', { parameter: 'count' });
      expect(await valueOf('default')).to.equal(12);
    });

    it('GET /v1/current sends the value as ETag, and PUT /v1/current honours If-Match', async () => {
      await server.http.get('/v1/next', { headers: auth() });
      const current = await server.http.get('/v1/current', { headers: auth() });
      expect(current.headers.etag).to.equal('"1"');
      const refused = await server.http.put('/v1/current', { headers: { ...auth(), 'If-Match': '"0"' }, body: { current: 1000 } });
      expectError(refused, 412, 'precondition_failed', { header: 'If-Match' });
      expect(refused.headers.etag).to.equal('"1"');
      const done = await server.http.put('/v1/current', { headers: { ...auth(), 'If-Match': current.headers.etag! }, body: { current: 1000 } });
      expect(done.status).to.equal(200);
      expect(done.headers.etag).to.equal('"1000"');
      expectError(await server.http.put('/v1/current', { headers: { ...auth(), 'If-Match': 'W/"1000"' }, body: { current: 5 } }), 412, 'precondition_failed');
      expect(await valueOf('default')).to.equal(1000);
    });

    it('counts integers handed out in the metric, ranges whole and replays not at all', async () => {
      const issued = async () => {
        const text = (await server.http.get('/metrics')).text;
        return Number(/^increment_integers_issued_total (\d+)$/m.exec(text)![1]);
      };
      const before = await issued();
      await server.http.get('/v1/next?count=10', { headers: { ...auth(), 'Idempotency-Key': 'm' } });
      await server.http.get('/v1/next?count=10', { headers: { ...auth(), 'Idempotency-Key': 'm' } });
      await next('/v1/sequences/orders/next?count=5').catch(() => undefined);
      expect((await issued()) - before).to.equal(10);
    });
  });
});
