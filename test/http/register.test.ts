import { expect } from 'chai';
import sinon from 'sinon';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { TOKENS } from '../../src/infrastructure/tokens';
import { bearer, startTestServer, TestServer } from '../support/test-server';

const PASSWORD = 'correct horse battery';

describe('POST /v1/register', () => {
  let server: TestServer;
  let users: InMemoryUserRepository;

  beforeEach(async () => {
    users = new InMemoryUserRepository();
    sinon.spy(users, 'add');
    server = await startTestServer({ customize: (c) => c.rebind(TOKENS.UserRepository).toConstantValue(users) });
  });

  afterEach(() => server.stop());

  const register = (body: string | object, contentType?: string) =>
    server.http.post('/v1/register', { body, headers: contentType ? { 'Content-Type': contentType } : {} });

  it('registers from a form body, exactly as curl --data sends it', async () => {
    const reply = await register(`email=Ada%40Example.COM&password=${encodeURIComponent(PASSWORD)}`, 'application/x-www-form-urlencoded');
    expect(reply.status).to.equal(201);
    expect(reply.headers['content-type']).to.equal('application/vnd.api+json');
    expect(reply.body.data.type).to.equal('users');
    expect(reply.body.data.id).to.be.a('string').with.length.greaterThan(0);
    expect(reply.body.data.attributes.email).to.equal('ada@example.com');
    expect(reply.body.data.attributes.apiKey).to.match(/^inc_[A-Za-z0-9_-]{43}$/);
  });

  it('registers from a JSON body and from a JSON:API document', async () => {
    const flat = await register({ email: 'flat@example.com', password: PASSWORD });
    expect(flat.status).to.equal(201);
    const document = await register(
      { data: { type: 'users', attributes: { email: 'doc@example.com', password: PASSWORD } } },
      'application/vnd.api+json',
    );
    expect(document.status).to.equal(201);
    expect(document.body.data.attributes.email).to.equal('doc@example.com');
  });

  it('issues a key that works right away and differs for every user', async () => {
    const first = await register({ email: 'one@example.com', password: PASSWORD });
    const second = await register({ email: 'two@example.com', password: PASSWORD });
    expect(first.body.data.attributes.apiKey).not.to.equal(second.body.data.attributes.apiKey);
    const next = await server.http.get('/v1/next', { headers: bearer(first.body.data.attributes.apiKey) });
    expect(next.status).to.equal(200);
    expect(next.body.data.attributes.value).to.equal(1);
  });

  it('answers 409 email_taken for an email already registered in any letter case', async () => {
    expect((await register({ email: 'grace@example.com', password: PASSWORD })).status).to.equal(201);
    const again = await register({ email: ' GRACE@example.com ', password: PASSWORD });
    expect(again.status).to.equal(409);
    expect(again.body.errors[0]).to.deep.include({ status: '409', code: 'email_taken', source: { pointer: '/email' } });
  });

  it('lets exactly one of 20 concurrent registrations of the same email succeed', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => register({ email: i % 2 ? 'race@example.com' : 'RACE@example.com', password: PASSWORD })),
    );
    expect(replies.filter((r) => r.status === 201)).to.have.length(1);
    expect(replies.filter((r) => r.status === 409)).to.have.length(19);
  });

  const invalid: Array<[string, object, string, string]> = [
    ['email missing', { password: PASSWORD }, 'invalid_email', '/email'],
    ['email null', { email: null, password: PASSWORD }, 'invalid_email', '/email'],
    ['email a number', { email: 42, password: PASSWORD }, 'invalid_email', '/email'],
    ['email an operator object', { email: { $ne: null }, password: PASSWORD }, 'invalid_email', '/email'],
    ['email an array', { email: ['a@example.com'], password: PASSWORD }, 'invalid_email', '/email'],
    ['email not an address', { email: 'not-an-address', password: PASSWORD }, 'invalid_email', '/email'],
    ['email with two @', { email: 'a@b@example.com', password: PASSWORD }, 'invalid_email', '/email'],
    ['email over 254 characters', { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`, password: PASSWORD }, 'invalid_email', '/email'],
    ['password missing', { email: 'p@example.com' }, 'invalid_password', '/password'],
    ['password a number', { email: 'p@example.com', password: 12345678 }, 'invalid_password', '/password'],
    ['password an object', { email: 'p@example.com', password: { $gt: '' } }, 'invalid_password', '/password'],
    ['password of 7 bytes', { email: 'p@example.com', password: 'short12' }, 'invalid_password', '/password'],
    ['password of 73 bytes in UTF-8', { email: 'p@example.com', password: `${'é'.repeat(36)}x` }, 'invalid_password', '/password'],
  ];

  for (const [name, body, code, pointer] of invalid) {
    it(`answers 422 ${code} naming ${pointer} for ${name}, and stores nothing`, async () => {
      const reply = await register(body);
      expect(reply.status).to.equal(422);
      expect(reply.body.errors[0]).to.deep.include({ status: '422', code, source: { pointer } });
      expect(reply.body.errors[0].detail).to.be.a('string').and.not.equal('');
      expect((users.add as sinon.SinonSpy).called, 'the repository was reached').to.equal(false);
    });
  }

  it('accepts a password of exactly 72 bytes and an email of exactly 254 characters', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(email).to.have.length(254);
    const reply = await register({ email, password: 'é'.repeat(36) });
    expect(reply.status).to.equal(201);
  });

  it('points into the JSON:API document when the error is inside it', async () => {
    const reply = await register({ data: { type: 'users', attributes: { email: 'x@example.com', password: 'short' } } }, 'application/vnd.api+json');
    expect(reply.status).to.equal(422);
    expect(reply.body.errors[0].source).to.deep.equal({ pointer: '/data/attributes/password' });
  });

  it('answers 409 type_mismatch for a JSON:API document of another type, and 422 for one without data.type', async () => {
    const wrongType = await register({ data: { type: 'counters', attributes: { email: 'x@example.com', password: PASSWORD } } });
    expect(wrongType.status).to.equal(409);
    expect(wrongType.body.errors[0]).to.deep.include({ code: 'type_mismatch', source: { pointer: '/data/type' } });
    const noType = await register({ data: { attributes: { email: 'x@example.com', password: PASSWORD } } });
    expect(noType.status).to.equal(422);
    expect(noType.body.errors[0]).to.deep.include({ code: 'invalid_document', source: { pointer: '/data/type' } });
    expect((users.add as sinon.SinonSpy).called).to.equal(false);
  });

  it('answers 422 invalid_document for a JSON body that is not an object', async () => {
    for (const body of ['["ada@example.com"]', '5', 'null', '"ada@example.com"', 'true']) {
      const reply = await register(body, 'application/json');
      expect(reply.status, body).to.equal(422);
      expect(reply.body.errors[0], body).to.deep.include({ code: 'invalid_document', source: { pointer: '' } });
    }
  });

  it('answers 422 invalid_document for JSON:API attributes that are not an object', async () => {
    for (const attributes of ['5', 'null', '"x"', '[]']) {
      const reply = await register(`{"data":{"type":"users","attributes":${attributes}}}`, 'application/vnd.api+json');
      expect(reply.status, attributes).to.equal(422);
      expect(reply.body.errors[0], attributes).to.deep.include({ code: 'invalid_document', source: { pointer: '/data/attributes' } });
    }
  });

  it('keeps nothing of a refused registration: the same email can register properly afterwards', async () => {
    expect((await register({ email: 'later@example.com', password: 'short' })).status).to.equal(422);
    expect((await register({ email: 'later@example.com', password: PASSWORD })).status).to.equal(201);
  });
});
