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
import { InMemoryApiKeyRepository } from '../../src/adapters/persistence/in-memory/in-memory-api-key-repository';
import {
  EmailAlreadyRegistered,
  InvalidApiKey,
  InvalidCounterValue,
  InvalidEmail,
  InvalidPassword,
  MissingApiKey,
  SequenceExhausted,
  TooManyRequests,
} from '../../src/domain/errors';
import { UnlimitedRateLimiter } from '../../src/adapters/rate-limit/unlimited-rate-limiter';
import { FakeRateLimiter, FixedClock, PlainTextPasswordHasher, PredictableApiKeys, SequentialUserIds } from '../support/builders';

describe('use cases', () => {
  let users: InMemoryUserRepository;
  let keys: InMemoryApiKeyRepository;
  let counters: InMemoryCounterRepository;
  let clock: FixedClock;
  let register: RegisterUser;
  let authenticate: Authenticate;

  beforeEach(() => {
    users = new InMemoryUserRepository();
    keys = new InMemoryApiKeyRepository();
    counters = new InMemoryCounterRepository();
    clock = new FixedClock();
    const issuer = new PredictableApiKeys();
    register = new RegisterUser(users, keys, new PlainTextPasswordHasher(), issuer, new SequentialUserIds(), clock, new UnlimitedRateLimiter());
    authenticate = new Authenticate(keys, issuer, clock);
  });

  describe('RegisterUser', () => {
    it('stores the normalised email, the password hash and the clock time, and a first key whose digest only is kept; returns the plain key once', async () => {
      const { user, apiKey } = await register.execute({ email: ' Ada@Example.com', password: 'correct horse' }, '192.0.2.1');
      expect(apiKey).to.equal(`inc_${'1'.padStart(43, 'k')}`);
      expect(user).to.deep.equal({
        id: 'user-1',
        email: 'ada@example.com',
        passwordHash: 'hashed:correct horse',
        createdAt: new Date('2026-01-02T03:04:05.000Z'),
      });
      expect(await users.findByEmail('ada@example.com')).to.deep.equal(user);
      expect(await keys.listByUser('user-1')).to.deep.equal([
        {
          id: 'key-1',
          userId: 'user-1',
          label: null,
          prefix: 'kkkkkkkk',
          digest: `digest:${apiKey}`,
          createdAt: new Date('2026-01-02T03:04:05.000Z'),
          lastUsedAt: null,
        },
      ]);
    });

    it('counts registrations per client address, and past the limit refuses before hashing or storing anything', async () => {
      const hasher = new PlainTextPasswordHasher();
      const hash = sinon.spy(hasher, 'hash');
      const limited = new RegisterUser(users, keys, hasher, new PredictableApiKeys(), new SequentialUserIds(), clock, new FakeRateLimiter(clock, 2, 3_600_000));
      await limited.execute({ email: 'a@example.com', password: 'correct horse' }, '192.0.2.1');
      await limited.execute({ email: 'b@example.com', password: 'correct horse' }, '192.0.2.1');
      // Refused input is not counted: it costs no hash.
      await limited.execute({ email: 'nope', password: 'correct horse' }, '192.0.2.1').catch(() => undefined);
      const error = await limited.execute({ email: 'c@example.com', password: 'correct horse' }, '192.0.2.1').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TooManyRequests);
      expect((error as TooManyRequests).retryAfterSeconds).to.equal(3600);
      expect(hash.callCount).to.equal(2);
      expect(await users.findByEmail('c@example.com')).to.equal(null);
      expect(await limited.execute({ email: 'c@example.com', password: 'correct horse' }, '198.51.100.7')).to.have.property('apiKey');
      clock.advance(3_600_000);
      expect(await limited.execute({ email: 'd@example.com', password: 'correct horse' }, '192.0.2.1')).to.have.property('apiKey');
    });

    it('validates before hashing or storing anything', async () => {
      const hasher = new PlainTextPasswordHasher();
      const hash = sinon.spy(hasher, 'hash');
      const add = sinon.spy(users, 'add');
      const strict = new RegisterUser(users, keys, hasher, new PredictableApiKeys(), new SequentialUserIds(), clock, new UnlimitedRateLimiter());
      expect(await strict.execute({ email: 'nope', password: 'correct horse' }, '192.0.2.1').catch((e: unknown) => e)).to.be.instanceOf(InvalidEmail);
      expect(await strict.execute({ email: 'a@example.com', password: 'short' }, '192.0.2.1').catch((e: unknown) => e)).to.be.instanceOf(InvalidPassword);
      expect(hash.called).to.equal(false);
      expect(add.called).to.equal(false);
    });

    it('refuses an email that is already registered', async () => {
      await register.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.1');
      const error = await register.execute({ email: 'ADA@example.com', password: 'another horse' }, '192.0.2.1').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(EmailAlreadyRegistered);
    });
  });

  describe('Authenticate', () => {
    it('resolves a registered key to its user id', async () => {
      const { apiKey } = await register.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.1');
      expect(await authenticate.execute(apiKey)).to.equal('user-1');
    });

    it('writes lastUsedAt at the first use, not again within a minute, and again after it', async () => {
      const { apiKey } = await register.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.1');
      const recordUse = sinon.spy(keys, 'recordUse');
      const lastUsedAt = async () => (await keys.listByUser('user-1'))[0].lastUsedAt;
      await authenticate.execute(apiKey);
      const first = clock.now();
      expect(await lastUsedAt()).to.deep.equal(first);
      for (let i = 0; i < 5; i += 1) {
        clock.advance(10_000);
        await authenticate.execute(apiKey);
      }
      expect(recordUse.callCount).to.equal(1);
      expect(await lastUsedAt()).to.deep.equal(first);
      clock.advance(10_001);
      await authenticate.execute(apiKey);
      expect(recordUse.callCount).to.equal(2);
      expect(await lastUsedAt()).to.deep.equal(clock.now());
    });

    it('answers without waiting for the write of lastUsedAt, and even when that write fails', async () => {
      const { apiKey } = await register.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.1');
      sinon.stub(keys, 'recordUse').returns(new Promise((_, reject) => setTimeout(() => reject(new Error('locked')), 10)));
      expect(await authenticate.execute(apiKey)).to.equal('user-1');
      await new Promise((resolve) => setTimeout(resolve, 20));
    });

    it("fills in the prefix of a key stored before keys had one, at its first use", async () => {
      const key = 'inc_AbCdEfGh' + 'x'.repeat(35);
      await keys.addWithinLimit({ id: 'old', userId: 'u', label: null, prefix: null, digest: `digest:${key}`, createdAt: clock.now(), lastUsedAt: clock.now() }, 20);
      expect(await authenticate.execute(key)).to.equal('u');
      expect((await keys.listByUser('u'))[0].prefix).to.equal('AbCdEfGh');
    });

    it('refuses a revoked key at once: nothing is cached', async () => {
      const { apiKey } = await register.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.1');
      await keys.addWithinLimit({ id: 'second', userId: 'user-1', label: null, prefix: 'x', digest: 'd2', createdAt: clock.now(), lastUsedAt: null }, 20);
      await authenticate.execute(apiKey);
      await keys.revoke('user-1', 'key-1');
      expect(await authenticate.execute(apiKey).catch((e: unknown) => e)).to.be.instanceOf(InvalidApiKey);
    });

    it('refuses a missing key, a key of the wrong shape without a lookup, and an unknown key', async () => {
      const lookup = sinon.spy(keys, 'findByDigest');
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
