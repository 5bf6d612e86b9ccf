import { expect } from 'chai';
import sinon from 'sinon';
import { InMemorySequenceRepository } from '../../src/adapters/persistence/in-memory/in-memory-sequence-repository';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { Authenticate } from '../../src/application/authenticate.use-case';
import { CheckHealth } from '../../src/application/check-health.use-case';
import { CreateSequence } from '../../src/application/create-sequence.use-case';
import { CurrentInteger } from '../../src/application/current-integer.use-case';
import { DeleteSequence } from '../../src/application/delete-sequence.use-case';
import { ListSequences } from '../../src/application/list-sequences.use-case';
import { NextInteger } from '../../src/application/next-integer.use-case';
import { RegisterUser } from '../../src/application/register-user.use-case';
import { ResetInteger } from '../../src/application/reset-integer.use-case';
import { InMemoryApiKeyRepository } from '../../src/adapters/persistence/in-memory/in-memory-api-key-repository';
import {
  DefaultSequence,
  EmailAlreadyRegistered,
  InvalidApiKey,
  InvalidCount,
  InvalidCounterValue,
  InvalidEmail,
  InvalidIdempotencyKey,
  InvalidPageSize,
  InvalidPassword,
  InvalidSequenceName,
  MissingApiKey,
  PreconditionFailed,
  SequenceExhausted,
  SequenceExists,
  SequenceNotFound,
  TooManyRequests,
  TooManySequences,
} from '../../src/domain/errors';
import { UnlimitedRateLimiter } from '../../src/adapters/rate-limit/unlimited-rate-limiter';
import { FakeRateLimiter, FixedClock, PlainTextPasswordHasher, PredictableApiKeys, SequentialUserIds } from '../support/builders';

describe('use cases', () => {
  let users: InMemoryUserRepository;
  let sequences: InMemorySequenceRepository;
  let keys: InMemoryApiKeyRepository;
  let clock: FixedClock;
  let register: RegisterUser;
  let authenticate: Authenticate;

  beforeEach(() => {
    users = new InMemoryUserRepository();
    sequences = new InMemorySequenceRepository();
    keys = new InMemoryApiKeyRepository();
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
    const clock = new FixedClock();
    const now = clock.now();
    let next: NextInteger;
    let current: CurrentInteger;
    let reset: ResetInteger;

    beforeEach(() => {
      next = new NextInteger(sequences, clock);
      current = new CurrentInteger(sequences);
      reset = new ResetInteger(sequences, clock);
    });

    it('count from 1 on default, read without changing, and reset to an exact value', async () => {
      expect((await current.execute('ada')).value).to.equal(0);
      expect((await next.execute('ada')).issued).to.deep.equal({ first: 1, last: 1, count: 1 });
      expect((await next.execute('ada')).sequence).to.deep.equal({ name: 'default', value: 2, createdAt: now, updatedAt: now });
      expect((await current.execute('ada')).value).to.equal(2);
      expect((await reset.execute('ada', '1000')).value).to.equal(1000);
      expect((await next.execute('ada')).issued.first).to.equal(1001);
    });

    it('serve a named sequence, a range of count, and an idempotency key', async () => {
      await sequences.create('ada', 'orders', 0, { now, maxPerAccount: 10 });
      const issue = await next.execute('ada', { sequence: 'orders', count: '250', idempotencyKey: 'order-1' });
      expect(issue.issued).to.deep.equal({ first: 1, last: 250, count: 250 });
      expect(await next.execute('ada', { sequence: 'orders', count: '250', idempotencyKey: 'order-1' })).to.deep.equal({ ...issue, replayed: true });
      expect((await current.execute('ada', 'orders')).value).to.equal(250);
      expect((await reset.execute('ada', '7', { sequence: 'orders', expected: [250] })).value).to.equal(7);
      const refused = await reset.execute('ada', '9', { sequence: 'orders', expected: [250] }).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(PreconditionFailed);
      expect((refused as PreconditionFailed).current).to.equal(7);
    });

    it('refuse a bad name, count or key before touching the store', async () => {
      const issue = sinon.spy(sequences, 'issue');
      const get = sinon.spy(sequences, 'get');
      for (const count of ['0', '1000001', '-1', '5.0', '1e3', ' 5', '']) {
        expect(await next.execute('ada', { count }).catch((e: unknown) => e), count).to.be.instanceOf(InvalidCount);
      }
      for (const key of ['', 'x'.repeat(256), 'with space', 'clé']) {
        expect(await next.execute('ada', { idempotencyKey: key }).catch((e: unknown) => e), key).to.be.instanceOf(InvalidIdempotencyKey);
      }
      for (const name of ['Orders', '', '-orders', 'a'.repeat(65), 'a/b', 5]) {
        expect(await next.execute('ada', { sequence: name }).catch((e: unknown) => e), String(name)).to.be.instanceOf(InvalidSequenceName);
        expect(await current.execute('ada', name).catch((e: unknown) => e), String(name)).to.be.instanceOf(InvalidSequenceName);
      }
      expect(issue.called).to.equal(false);
      expect(get.called).to.equal(false);
      expect((await next.execute('ada', { count: '1000000', idempotencyKey: 'x'.repeat(255) })).issued.count).to.equal(1_000_000);
    });

    it('CurrentInteger reports an unknown sequence, also one that belongs to another account', async () => {
      await sequences.create('grace', 'orders', 0, { now, maxPerAccount: 10 });
      expect(await current.execute('ada', 'orders').catch((e: unknown) => e)).to.be.instanceOf(SequenceNotFound);
    });

    it('NextInteger reports SequenceExhausted at 2^53-1 and leaves the value', async () => {
      await sequences.set('ada', 'default', Number.MAX_SAFE_INTEGER, { now });
      expect(await next.execute('ada').catch((e: unknown) => e)).to.be.instanceOf(SequenceExhausted);
      expect((await current.execute('ada')).value).to.equal(Number.MAX_SAFE_INTEGER);
    });

    it('ResetInteger refuses a bad value without writing, naming the field it came from', async () => {
      const set = sinon.spy(sequences, 'set');
      const error = await reset.execute('ada', '-5').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidCounterValue);
      expect((error as InvalidCounterValue).field).to.equal('current');
      expect(((await reset.execute('ada', '1.5', { valueField: 'value' }).catch((e: unknown) => e)) as InvalidCounterValue).field).to.equal('value');
      expect(set.called).to.equal(false);
    });
  });

  describe('CreateSequence, ListSequences and DeleteSequence', () => {
    const clock = new FixedClock();
    let createSequence: CreateSequence;
    let list: ListSequences;
    let remove: DeleteSequence;

    beforeEach(() => {
      createSequence = new CreateSequence(sequences, clock, 4);
      list = new ListSequences(sequences);
      remove = new DeleteSequence(sequences);
    });

    it('creates at 0 or at a given value, refusing bad names and values and passing the bound', async () => {
      expect(await createSequence.execute('ada', { name: 'orders' })).to.deep.equal({ name: 'orders', value: 0, createdAt: clock.now(), updatedAt: clock.now() });
      expect((await createSequence.execute('ada', { name: 'invoices.2026', value: '1000' })).value).to.equal(1000);
      expect(await createSequence.execute('ada', { name: 'Orders' }).catch((e: unknown) => e)).to.be.instanceOf(InvalidSequenceName);
      const badValue = await createSequence.execute('ada', { name: 'x', value: '-1' }).catch((e: unknown) => e);
      expect((badValue as InvalidCounterValue).field).to.equal('value');
      expect(await createSequence.execute('ada', { name: 'orders' }).catch((e: unknown) => e)).to.be.instanceOf(SequenceExists);
      await createSequence.execute('ada', { name: 'tickets' });
      expect(await createSequence.execute('ada', { name: 'one-too-many' }).catch((e: unknown) => e)).to.be.instanceOf(TooManySequences);
    });

    it('lists a page at a time and says where the next page starts while more remain', async () => {
      for (const name of ['a', 'b', 'c']) await createSequence.execute('ada', { name });
      expect(await list.execute('ada', { size: 2 })).to.deep.include({ nextAfter: 'b' });
      const last = await list.execute('ada', { after: 'b', size: 2 });
      expect(last.sequences.map((sequence) => sequence.name)).to.deep.equal(['c', 'default']);
      expect(last.nextAfter).to.equal(undefined);
      expect((await list.execute('ada')).sequences).to.have.length(4);
      for (const size of [0, 201, 1.5]) {
        expect(await list.execute('ada', { size }).catch((e: unknown) => e), String(size)).to.be.instanceOf(InvalidPageSize);
      }
      const badAfter = await list.execute('ada', { after: 'B' }).catch((e: unknown) => e);
      expect((badAfter as InvalidSequenceName).field).to.equal('page[after]');
    });

    it('deletes a sequence, refuses default and reports an unknown name', async () => {
      await createSequence.execute('ada', { name: 'orders' });
      await remove.execute('ada', 'orders');
      expect(await sequences.get('ada', 'orders')).to.equal(null);
      expect(await remove.execute('ada', 'orders').catch((e: unknown) => e)).to.be.instanceOf(SequenceNotFound);
      expect(await remove.execute('ada', 'default').catch((e: unknown) => e)).to.be.instanceOf(DefaultSequence);
      expect((await sequences.get('ada', 'default'))!.name).to.equal('default');
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
