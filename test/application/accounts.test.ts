import { expect } from 'chai';
import sinon from 'sinon';
import { InMemoryApiKeyRepository } from '../../src/adapters/persistence/in-memory/in-memory-api-key-repository';
import { InMemorySequenceRepository } from '../../src/adapters/persistence/in-memory/in-memory-sequence-repository';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { UnlimitedRateLimiter } from '../../src/adapters/rate-limit/unlimited-rate-limiter';
import { Authenticate } from '../../src/application/authenticate.use-case';
import { AuthenticateWithPassword } from '../../src/application/authenticate-with-password.use-case';
import { CreateApiKey } from '../../src/application/create-api-key.use-case';
import { DeleteAccount } from '../../src/application/delete-account.use-case';
import { ListApiKeys } from '../../src/application/list-api-keys.use-case';
import { RegisterUser } from '../../src/application/register-user.use-case';
import { RevokeApiKey } from '../../src/application/revoke-api-key.use-case';
import { ApiKey } from '../../src/domain/api-key';
import {
  InvalidApiKey,
  InvalidCredentials,
  InvalidLabel,
  KeyNotFound,
  LastKey,
  TooManyKeys,
  TooManyRequests,
} from '../../src/domain/errors';
import { FakeRateLimiter, FixedClock, PlainTextPasswordHasher, PredictableApiKeys, SequentialUserIds } from '../support/builders';

const FIFTEEN_MINUTES = 15 * 60_000;

describe('accounts: keys, password login, account deletion', () => {
  let users: InMemoryUserRepository;
  let keys: InMemoryApiKeyRepository;
  let counters: InMemorySequenceRepository;
  let clock: FixedClock;
  let hasher: PlainTextPasswordHasher;
  let issuer: PredictableApiKeys;
  let perAccount: FakeRateLimiter;
  let perAddress: FakeRateLimiter;
  let register: RegisterUser;
  let authenticate: Authenticate;
  let login: AuthenticateWithPassword;
  let createKey: CreateApiKey;

  beforeEach(() => {
    users = new InMemoryUserRepository();
    keys = new InMemoryApiKeyRepository();
    counters = new InMemorySequenceRepository();
    clock = new FixedClock();
    hasher = new PlainTextPasswordHasher();
    issuer = new PredictableApiKeys();
    perAccount = new FakeRateLimiter(clock, 5, FIFTEEN_MINUTES);
    perAddress = new FakeRateLimiter(clock, 20, FIFTEEN_MINUTES);
    register = new RegisterUser(users, keys, hasher, issuer, new SequentialUserIds(), clock, new UnlimitedRateLimiter());
    authenticate = new Authenticate(keys, issuer, clock);
    login = new AuthenticateWithPassword(users, hasher, { perAccount, perAddress });
    createKey = new CreateApiKey(keys, issuer, clock);
  });

  const ada = () => register.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.1');
  const failure = (attempt: Promise<unknown>) => attempt.then(() => 'succeeded', (error: unknown) => error);

  describe('CreateApiKey', () => {
    it('issues a labelled key that works, shown this once, its record holding the digest and prefix only', async () => {
      const { user } = await ada();
      clock.advance(1000);
      const { apiKey, key } = await createKey.execute(user.id, 'ci');
      expect(apiKey).to.deep.equal({
        id: 'key-2',
        userId: user.id,
        label: 'ci',
        prefix: ApiKey.prefixOf(key),
        digest: `digest:${key}`,
        createdAt: clock.now(),
        lastUsedAt: null,
      });
      expect(await authenticate.execute(key)).to.equal(user.id);
    });

    it('takes no label as none, and refuses a bad label without storing anything', async () => {
      const { user } = await ada();
      expect((await createKey.execute(user.id, undefined)).apiKey.label).to.equal(null);
      for (const label of ['', 'x'.repeat(65), 'line\nbreak', 42]) {
        expect(await failure(createKey.execute(user.id, label)), String(label)).to.be.instanceOf(InvalidLabel);
      }
      expect(await keys.listByUser(user.id)).to.have.length(2);
    });

    it(`refuses the key past ${ApiKey.MAX_PER_USER} with TooManyKeys`, async () => {
      const { user } = await ada();
      for (let i = 1; i < ApiKey.MAX_PER_USER; i += 1) await createKey.execute(user.id, `machine ${i}`);
      expect(await failure(createKey.execute(user.id, 'one too many'))).to.be.instanceOf(TooManyKeys);
      expect(await keys.listByUser(user.id)).to.have.length(ApiKey.MAX_PER_USER);
    });
  });

  describe('ListApiKeys and RevokeApiKey', () => {
    it("lists the caller's keys newest first; a revoked key stops working at once", async () => {
      const { user, apiKey: first } = await ada();
      clock.advance(1000);
      const second = await createKey.execute(user.id, 'laptop');
      expect((await new ListApiKeys(keys).execute(user.id)).map((key) => key.label)).to.deep.equal(['laptop', null]);
      await new RevokeApiKey(keys).execute(user.id, 'key-1');
      expect(await failure(authenticate.execute(first))).to.be.instanceOf(InvalidApiKey);
      expect(await authenticate.execute(second.key)).to.equal(user.id);
    });

    it("refuses the last key with LastKey, and another user's key or an unknown id alike with KeyNotFound", async () => {
      const { user } = await ada();
      const grace = await register.execute({ email: 'grace@example.com', password: 'correct horse' }, '192.0.2.1');
      const revoke = new RevokeApiKey(keys);
      expect(await failure(revoke.execute(user.id, 'key-1'))).to.be.instanceOf(LastKey);
      await createKey.execute(grace.user.id, null);
      expect(await failure(revoke.execute(user.id, 'key-2'))).to.be.instanceOf(KeyNotFound);
      expect(await failure(revoke.execute(user.id, 'no-such-key'))).to.be.instanceOf(KeyNotFound);
      expect(await keys.listByUser(grace.user.id)).to.have.length(2);
    });
  });

  describe('DeleteAccount', () => {
    it('deletes the user, every key and every sequence; the email then registers afresh', async () => {
      const { user, apiKey } = await ada();
      const second = await createKey.execute(user.id, 'ci');
      const now = new FixedClock().now();
      await counters.set(user.id, 'default', 41, { now });
      await counters.create(user.id, 'orders', 5, { now, maxPerAccount: 10 });
      const grace = await register.execute({ email: 'grace@example.com', password: 'correct horse' }, '192.0.2.1');
      await counters.set(grace.user.id, 'default', 7, { now });

      await new DeleteAccount(users, keys, counters).execute(user.id);

      expect(await users.findByEmail('ada@example.com')).to.equal(null);
      for (const key of [apiKey, second.key]) expect(await failure(authenticate.execute(key))).to.be.instanceOf(InvalidApiKey);
      expect(await keys.listByUser(user.id)).to.deep.equal([]);
      expect(await counters.list(user.id, { size: 10 })).to.deep.equal([{ name: 'default', value: 0, createdAt: null, updatedAt: null }]);
      expect((await counters.get(grace.user.id, 'default'))!.value).to.equal(7);
      expect(await authenticate.execute(grace.apiKey)).to.equal(grace.user.id);
      const again = await ada();
      expect(again.user.id).not.to.equal(user.id);
      expect((await counters.get(again.user.id, 'default'))!.value).to.equal(0);
    });

    it('removes the keys before the user, so a deletion that stops midway leaves a user who can log in and retry', async () => {
      const { user } = await ada();
      const deleteKeys = sinon.spy(keys, 'revokeAllOf');
      const deleteUser = sinon.stub(users, 'delete').rejects(new Error('connection lost'));
      expect(await failure(new DeleteAccount(users, keys, counters).execute(user.id))).to.be.instanceOf(Error);
      expect(deleteKeys.calledBefore(deleteUser)).to.equal(true);
      expect(await login.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.1')).to.equal(user.id);
    });
  });

  describe('AuthenticateWithPassword', () => {
    it('resolves the right password to the user, with the email normalised as at registration', async () => {
      const { user } = await ada();
      expect(await login.execute({ email: '  ADA@Example.COM ', password: 'correct horse' }, '192.0.2.1')).to.equal(user.id);
    });

    it('answers a wrong password and an unknown email alike, and compares the password either way', async () => {
      await ada();
      const verify = sinon.spy(hasher, 'verify');
      const wrongPassword = await failure(login.execute({ email: 'ada@example.com', password: 'wrong horse' }, '192.0.2.1'));
      const unknownEmail = await failure(login.execute({ email: 'nobody@example.com', password: 'correct horse' }, '192.0.2.1'));
      const notAnEmail = await failure(login.execute({ email: 'not an email', password: 'correct horse' }, '192.0.2.1'));
      for (const error of [wrongPassword, unknownEmail, notAnEmail]) {
        expect(error).to.be.instanceOf(InvalidCredentials);
        expect((error as Error).message).to.equal('The email or the password is wrong.');
      }
      expect(verify.args).to.deep.equal([
        ['wrong horse', 'hashed:correct horse'],
        // No user: the hasher compares against its dummy hash.
        ['correct horse', null],
        ['correct horse', null],
      ]);
    });

    it('never accepts a password registration would refuse, whatever the comparison says', async () => {
      await ada();
      sinon.stub(hasher, 'verify').resolves(true);
      const tooLong = 'correct horse' + 'x'.repeat(60);
      expect(await failure(login.execute({ email: 'ada@example.com', password: tooLong }, '192.0.2.1'))).to.be.instanceOf(InvalidCredentials);
    });

    it('refuses the sixth wrong password of an account in 15 minutes, the right one too, with no comparison; allows again after', async () => {
      const { user } = await ada();
      const verify = sinon.spy(hasher, 'verify');
      for (let i = 0; i < 5; i += 1) {
        expect(await failure(login.execute({ email: 'ada@example.com', password: 'wrong horse' }, `198.51.100.${i}`))).to.be.instanceOf(InvalidCredentials);
        clock.advance(60_000);
      }
      const sixth = await failure(login.execute({ email: 'ada@example.com', password: 'wrong horse' }, '203.0.113.9'));
      const right = await failure(login.execute({ email: 'Ada@example.com', password: 'correct horse' }, '203.0.113.10'));
      for (const error of [sixth, right]) {
        expect(error).to.be.instanceOf(TooManyRequests);
        expect((error as TooManyRequests).retryAfterSeconds).to.equal(10 * 60);
      }
      expect(verify.callCount).to.equal(5);
      clock.advance(10 * 60_000);
      expect(await login.execute({ email: 'ada@example.com', password: 'correct horse' }, '203.0.113.10')).to.equal(user.id);
    });

    it('refuses the 21st wrong password from one address, whichever accounts it tries, with no comparison', async () => {
      await ada();
      const verify = sinon.spy(hasher, 'verify');
      for (let i = 0; i < 20; i += 1) {
        await failure(login.execute({ email: `guess${i}@example.com`, password: 'wrong horse' }, '192.0.2.66'));
      }
      expect(await failure(login.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.66'))).to.be.instanceOf(TooManyRequests);
      expect(verify.callCount).to.equal(20);
      expect(await login.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.67')).to.be.a('string');
    });

    it('counts failures only: a right password gives its attempt back, to the account and to the address', async () => {
      await ada();
      for (let i = 0; i < 10; i += 1) await login.execute({ email: 'ada@example.com', password: 'correct horse' }, '192.0.2.1');
      expect(perAccount.used('ada@example.com')).to.equal(0);
      expect(perAddress.used('192.0.2.1')).to.equal(0);
      await failure(login.execute({ email: 'ada@example.com', password: 'wrong horse' }, '192.0.2.1'));
      expect(perAccount.used('ada@example.com')).to.equal(1);
      expect(perAddress.used('192.0.2.1')).to.equal(1);
    });

    it('counts an attempt refused for its account against neither limit of its address', async () => {
      await ada();
      for (let i = 0; i < 5; i += 1) await failure(login.execute({ email: 'ada@example.com', password: 'wrong horse' }, `198.51.100.${i}`));
      await failure(login.execute({ email: 'ada@example.com', password: 'wrong horse' }, '192.0.2.1'));
      expect(perAddress.used('192.0.2.1')).to.equal(0);
    });
  });
});
