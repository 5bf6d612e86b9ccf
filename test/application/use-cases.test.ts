import { expect } from 'chai';
import sinon from 'sinon';
import { InMemoryCounterRepository } from '../../src/adapters/persistence/in-memory/in-memory-counter-repository';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { Authenticate } from '../../src/application/authenticate.use-case';
import { CheckHealth } from '../../src/application/check-health.use-case';
import { CurrentInteger } from '../../src/application/current-integer.use-case';
import { NextInteger } from '../../src/application/next-integer.use-case';
import { RegisterUser } from '../../src/application/register-user.use-case';
import { ResetInteger } from '../../src/application/reset-integer.use-case';
import { ApiKeyIssuer } from '../../src/domain/api-key-issuer.port';
import {
  EmailAlreadyRegistered,
  InvalidApiKey,
  InvalidCounterValue,
  InvalidEmail,
  InvalidPassword,
  MissingApiKey,
  SequenceExhausted,
} from '../../src/domain/errors';
import { FixedClock, PlainTextPasswordHasher, SequentialUserIds } from '../support/builders';

/** Deterministic keys: key-1, key-2, ... padded to the real shape, digest = "digest:" + key. */
class PredictableApiKeys implements ApiKeyIssuer {
  private count = 0;

  issue() {
    this.count += 1;
    const key = `inc_${String(this.count).padStart(43, 'k')}`;
    return { key, digest: this.digestOf(key) };
  }

  digestOf(key: string): string {
    return `digest:${key}`;
  }
}

describe('use cases', () => {
  let users: InMemoryUserRepository;
  let counters: InMemoryCounterRepository;
  let register: RegisterUser;
  let authenticate: Authenticate;

  beforeEach(() => {
    users = new InMemoryUserRepository();
    counters = new InMemoryCounterRepository();
    const keys = new PredictableApiKeys();
    register = new RegisterUser(users, new PlainTextPasswordHasher(), keys, new SequentialUserIds(), new FixedClock());
    authenticate = new Authenticate(users, keys);
  });

  describe('RegisterUser', () => {
    it('stores the normalised email, the password hash, the key digest and the clock time; returns the plain key once', async () => {
      const { user, apiKey } = await register.execute({ email: ' Ada@Example.com', password: 'correct horse' });
      expect(apiKey).to.equal(`inc_${'1'.padStart(43, 'k')}`);
      expect(user).to.deep.equal({
        id: 'user-1',
        email: 'ada@example.com',
        passwordHash: 'hashed:correct horse',
        apiKeyDigest: `digest:${apiKey}`,
        createdAt: new Date('2026-01-02T03:04:05.000Z'),
      });
      expect(await users.findByApiKeyDigest(`digest:${apiKey}`)).to.deep.equal(user);
    });

    it('validates before hashing or storing anything', async () => {
      const hasher = new PlainTextPasswordHasher();
      const hash = sinon.spy(hasher, 'hash');
      const add = sinon.spy(users, 'add');
      const strict = new RegisterUser(users, hasher, new PredictableApiKeys(), new SequentialUserIds(), new FixedClock());
      expect(await strict.execute({ email: 'nope', password: 'correct horse' }).catch((e: unknown) => e)).to.be.instanceOf(InvalidEmail);
      expect(await strict.execute({ email: 'a@example.com', password: 'short' }).catch((e: unknown) => e)).to.be.instanceOf(InvalidPassword);
      expect(hash.called).to.equal(false);
      expect(add.called).to.equal(false);
    });

    it('refuses an email that is already registered', async () => {
      await register.execute({ email: 'ada@example.com', password: 'correct horse' });
      const error = await register.execute({ email: 'ADA@example.com', password: 'another horse' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(EmailAlreadyRegistered);
    });
  });

  describe('Authenticate', () => {
    it('resolves a registered key to its user id', async () => {
      const { apiKey } = await register.execute({ email: 'ada@example.com', password: 'correct horse' });
      expect(await authenticate.execute(apiKey)).to.equal('user-1');
    });

    it('refuses a missing key, a key of the wrong shape without a lookup, and an unknown key', async () => {
      const lookup = sinon.spy(users, 'findByApiKeyDigest');
      expect(await authenticate.execute(undefined).catch((e: unknown) => e)).to.be.instanceOf(MissingApiKey);
      expect(await authenticate.execute('hunter2').catch((e: unknown) => e)).to.be.instanceOf(InvalidApiKey);
      expect(lookup.called).to.equal(false);
      expect(await authenticate.execute(`inc_${'z'.repeat(43)}`).catch((e: unknown) => e)).to.be.instanceOf(InvalidApiKey);
      expect(lookup.calledOnce).to.equal(true);
    });
  });

  describe('NextInteger, CurrentInteger and ResetInteger', () => {
    it('count from 1, read without changing, and reset to an exact value', async () => {
      const next = new NextInteger(counters);
      const current = new CurrentInteger(counters);
      const reset = new ResetInteger(counters);
      expect(await current.execute('ada')).to.equal(0);
      expect(await next.execute('ada')).to.equal(1);
      expect(await next.execute('ada')).to.equal(2);
      expect(await current.execute('ada')).to.equal(2);
      expect(await reset.execute('ada', '1000')).to.equal(1000);
      expect(await next.execute('ada')).to.equal(1001);
    });

    it('NextInteger reports SequenceExhausted at 2^53-1 and leaves the value', async () => {
      await counters.set('ada', Number.MAX_SAFE_INTEGER);
      expect(await new NextInteger(counters).execute('ada').catch((e: unknown) => e)).to.be.instanceOf(SequenceExhausted);
      expect(await counters.current('ada')).to.equal(Number.MAX_SAFE_INTEGER);
    });

    it('ResetInteger refuses a bad value without writing', async () => {
      const set = sinon.spy(counters, 'set');
      expect(await new ResetInteger(counters).execute('ada', '-5').catch((e: unknown) => e)).to.be.instanceOf(InvalidCounterValue);
      expect(set.called).to.equal(false);
    });
  });

  describe('CheckHealth', () => {
    it('reports ok when the store answers, and the failure by error name when it does not', async () => {
      const storage = { adapter: 'test', ping: sinon.stub().resolves() };
      expect(await new CheckHealth(storage).execute()).to.deep.equal({ healthy: true, storage: { adapter: 'test', status: 'ok' } });
      storage.ping.rejects(new TypeError('secret detail'));
      expect(await new CheckHealth(storage).execute()).to.deep.equal({
        healthy: false,
        storage: { adapter: 'test', status: 'fail', error: 'TypeError' },
      });
    });
  });
});
