import { expect } from 'chai';
import { Counter } from '../../src/domain/counter';
import {
  IdempotencyKeyReused,
  PreconditionFailed,
  SequenceExhausted,
  SequenceExists,
  SequenceNotFound,
  TooManySequences,
} from '../../src/domain/errors';
import { IdempotencyKey, Sequence } from '../../src/domain/sequence';
import { Issue, SequenceRepository } from '../../src/domain/sequence-repository.port';

const LIMIT = Counter.MAX_VALUE;
const MAX = 1000;
const HOUR = 60 * 60 * 1000;

/**
 * What every SequenceRepository must do, written once and run against each adapter.
 * `create` gives a fresh, empty repository for each test. Times are real (a MongoDB TTL
 * index measures key ages against its own clock).
 */
export function sequenceRepositoryContract(name: string, create: () => Promise<SequenceRepository>): void {
  describe(`SequenceRepository contract: ${name}`, () => {
    let sequences: SequenceRepository;
    let now: Date;

    beforeEach(async () => {
      sequences = await create();
      now = new Date(Math.floor(Date.now() / 1000) * 1000);
    });

    const next = (user: string, sequence: string, count = 1, extra: { key?: string; limit?: number; at?: Date } = {}) =>
      sequences.issue(user, sequence, { count, limit: extra.limit ?? LIMIT, idempotencyKey: extra.key, now: extra.at ?? now });
    const make = (user: string, sequence: string, value = 0, maxPerAccount = MAX) =>
      sequences.create(user, sequence, value, { now, maxPerAccount });
    const valueOf = async (user: string, sequence: string) => (await sequences.get(user, sequence))?.value;
    const failure = (promise: Promise<unknown>) => promise.then(() => 'succeeded', (error: unknown) => error);

    describe('the default sequence', () => {
      it('exists for every account before anything is stored: value 0, no timestamps yet', async () => {
        expect(await sequences.get('nobody', 'default')).to.deep.equal({ name: 'default', value: 0, createdAt: null, updatedAt: null });
        expect(await sequences.list('nobody', { size: 10 })).to.deep.equal([
          { name: 'default', value: 0, createdAt: null, updatedAt: null },
        ]);
      });

      it('cannot be created again', async () => {
        expect(await failure(make('ada', 'default'))).to.be.instanceOf(SequenceExists);
      });

      it('counts from 1 by one, and gains its timestamps on its first write', async () => {
        const first = await next('ada', 'default');
        expect(first).to.deep.equal({
          sequence: { name: 'default', value: 1, createdAt: now, updatedAt: now },
          issued: { first: 1, last: 1, count: 1 },
          replayed: false,
        });
        expect((await next('ada', 'default')).issued).to.deep.equal({ first: 2, last: 2, count: 1 });
        expect(await valueOf('ada', 'default')).to.equal(2);
      });

      it('is set, unconditionally or if still 0, without having been written before', async () => {
        expect(await sequences.set('ada', 'default', 1000, { now })).to.deep.equal({ name: 'default', value: 1000, createdAt: now, updatedAt: now });
        expect((await next('ada', 'default')).issued.first).to.equal(1001);
        expect((await sequences.set('grace', 'default', 7, { expected: [0], now })).value).to.equal(7);
      });

      it('refuses a condition other than 0 before it was written, naming 0 as its value', async () => {
        const error = await failure(sequences.set('ada', 'default', 9, { expected: [5], now }));
        expect(error).to.be.instanceOf(PreconditionFailed);
        expect((error as PreconditionFailed).current).to.equal(0);
        expect(await valueOf('ada', 'default')).to.equal(0);
      });

      it('refuses at a small limit too when never written, changing nothing', async () => {
        expect(await failure(next('fresh', 'default', 1, { limit: 0 }))).to.be.instanceOf(SequenceExhausted);
        expect(await failure(next('fresh', 'default', 6, { limit: 5 }))).to.be.instanceOf(SequenceExhausted);
        expect(await sequences.get('fresh', 'default')).to.deep.equal({ name: 'default', value: 0, createdAt: null, updatedAt: null });
      });
    });

    describe('creating, reading, listing and deleting', () => {
      it('creates a sequence at a value, which get reads back with its timestamps', async () => {
        const created = await make('ada', 'orders', 41);
        expect(created).to.deep.equal({ name: 'orders', value: 41, createdAt: now, updatedAt: now });
        expect(await sequences.get('ada', 'orders')).to.deep.equal(created);
        expect((await next('ada', 'orders')).issued.first).to.equal(42);
      });

      it('refuses a name the account has already, and keeps the first', async () => {
        await make('ada', 'orders', 5);
        expect(await failure(make('ada', 'orders', 9))).to.be.instanceOf(SequenceExists);
        expect(await valueOf('ada', 'orders')).to.equal(5);
      });

      it('knows no sequence it was not asked to create, and hands out nothing from one', async () => {
        expect(await sequences.get('ada', 'orders')).to.equal(null);
        expect(await failure(next('ada', 'orders'))).to.be.instanceOf(SequenceNotFound);
        expect(await failure(sequences.set('ada', 'orders', 5, { now }))).to.be.instanceOf(SequenceNotFound);
        expect(await sequences.get('ada', 'orders')).to.equal(null);
      });

      it('lists by name a page at a time, default among them, each page after a name', async () => {
        for (const sequence of ['tickets', 'a.1', 'invoices', 'orders', 'zz', 'b-2']) await make('ada', sequence);
        const names = async (page: { after?: string; size: number }) =>
          (await sequences.list('ada', page)).map((sequence: Sequence) => sequence.name);
        expect(await names({ size: 3 })).to.deep.equal(['a.1', 'b-2', 'default']);
        expect(await names({ after: 'default', size: 3 })).to.deep.equal(['invoices', 'orders', 'tickets']);
        expect(await names({ after: 'tickets', size: 3 })).to.deep.equal(['zz']);
        expect(await names({ after: 'zz', size: 3 })).to.deep.equal([]);
        expect(await names({ after: 'c', size: 50 })).to.deep.equal(['default', 'invoices', 'orders', 'tickets', 'zz']);
        expect(await names({ after: 'default', size: 1 })).to.deep.equal(['invoices']);
      });

      it('lists the default with its stored value once it was written', async () => {
        await next('ada', 'default', 3);
        expect((await sequences.list('ada', { size: 5 })).map((sequence) => [sequence.name, sequence.value])).to.deep.equal([['default', 3]]);
      });

      it('deletes a sequence once; its name can then be created afresh', async () => {
        await make('ada', 'orders');
        await next('ada', 'orders', 10);
        expect(await sequences.delete('ada', 'orders')).to.equal(true);
        expect(await sequences.get('ada', 'orders')).to.equal(null);
        expect(await sequences.delete('ada', 'orders')).to.equal(false);
        await make('ada', 'orders');
        expect((await next('ada', 'orders')).issued.first).to.equal(1);
      });

      it('holds at most maxPerAccount sequences, default included, per account', async () => {
        await make('ada', 'one', 0, 3);
        await make('ada', 'two', 0, 3);
        expect(await failure(make('ada', 'three', 0, 3))).to.be.instanceOf(TooManySequences);
        expect(await sequences.get('ada', 'three')).to.equal(null);
        await make('grace', 'one', 0, 3);
        await sequences.delete('ada', 'two');
        await make('ada', 'three', 0, 3);
      });

      it('never passes maxPerAccount under concurrent creations, and leaves no trace of the refused ones', async () => {
        const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => make('ada', `s${i}`, 0, 5)));
        // Exactly 4 on stores that serialise creations; MongoDB may refuse more of a burst (never let more in).
        const created = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
        expect(created).to.be.at.most(4);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') expect(outcome.reason).to.be.instanceOf(TooManySequences);
        }
        expect(await sequences.list('ada', { size: 50 })).to.have.length(created + 1);
        for (let i = created; i < 4; i += 1) await make('ada', `later${i}`, 0, 5);
        expect(await failure(make('ada', 'one-too-many', 0, 5))).to.be.instanceOf(TooManySequences);
        expect(await sequences.list('ada', { size: 50 })).to.have.length(5);
      });
    });

    describe('ranges', () => {
      it('hands out a range as one contiguous block, its last integer as the new value', async () => {
        await make('ada', 'orders');
        expect(await next('ada', 'orders', 5)).to.deep.equal({
          sequence: { name: 'orders', value: 5, createdAt: now, updatedAt: now },
          issued: { first: 1, last: 5, count: 5 },
          replayed: false,
        });
        expect((await next('ada', 'orders', 1_000_000)).issued).to.deep.equal({ first: 6, last: 1_000_005, count: 1_000_000 });
      });

      it('tiles 1..sum exactly with 200 concurrent ranges of random sizes', async () => {
        await make('ada', 'orders');
        const counts = Array.from({ length: 200 }, () => 1 + Math.floor(Math.random() * 50));
        const issues = await Promise.all(counts.map((count) => next('ada', 'orders', count)));
        const ranges = issues.map((issue: Issue) => issue.issued).sort((a, b) => a.first - b.first);
        let expectedFirst = 1;
        for (const range of ranges) {
          expect(range.first).to.equal(expectedFirst);
          expect(range.last - range.first + 1).to.equal(range.count);
          expectedFirst = range.last + 1;
        }
        const sum = counts.reduce((a, b) => a + b, 0);
        expect(expectedFirst - 1).to.equal(sum);
        expect(issues.every((issue, i) => issue.issued.count === counts[i])).to.equal(true);
        expect(await valueOf('ada', 'orders')).to.equal(sum);
      });

      it('tiles from 1 on the default too, when 200 concurrent calls find it never written', async () => {
        const issues = await Promise.all(Array.from({ length: 200 }, () => next('ada', 'default')));
        expect(issues.map((issue) => issue.issued.first).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      });

      it('is all or nothing at the ceiling: a range that does not fit changes nothing', async () => {
        await make('ada', 'orders', LIMIT - 5);
        expect(await failure(next('ada', 'orders', 6))).to.be.instanceOf(SequenceExhausted);
        expect(await valueOf('ada', 'orders')).to.equal(LIMIT - 5);
        expect((await next('ada', 'orders', 5)).issued).to.deep.equal({ first: LIMIT - 4, last: LIMIT, count: 5 });
        expect(await failure(next('ada', 'orders', 1))).to.be.instanceOf(SequenceExhausted);
        expect(await valueOf('ada', 'orders')).to.equal(LIMIT);
      });

      it('stops exactly at the ceiling when concurrent ranges race towards it', async () => {
        await make('ada', 'orders', LIMIT - 10);
        const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => next('ada', 'orders', 3)));
        const issued = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.issued.first] : []));
        expect(issued.sort((a, b) => a - b)).to.deep.equal([LIMIT - 9, LIMIT - 6, LIMIT - 3]);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') expect(outcome.reason).to.be.instanceOf(SequenceExhausted);
        }
        expect(await valueOf('ada', 'orders')).to.equal(LIMIT - 1);
      });
    });

    describe('conditional writes', () => {
      it('sets only if the value still is the expected one, and names the value it found otherwise', async () => {
        await make('ada', 'orders', 42);
        expect((await sequences.set('ada', 'orders', 1000, { expected: [42], now })).value).to.equal(1000);
        const error = await failure(sequences.set('ada', 'orders', 5, { expected: [42], now }));
        expect(error).to.be.instanceOf(PreconditionFailed);
        expect((error as PreconditionFailed).current).to.equal(1000);
        expect(await valueOf('ada', 'orders')).to.equal(1000);
      });

      it('matches any value of a list, and none of an empty one', async () => {
        await make('ada', 'orders', 7);
        expect(await failure(sequences.set('ada', 'orders', 1, { expected: [], now }))).to.be.instanceOf(PreconditionFailed);
        expect(await failure(sequences.set('ada', 'orders', 1, { expected: [5, 6], now }))).to.be.instanceOf(PreconditionFailed);
        expect((await sequences.set('ada', 'orders', 1, { expected: [5, 7, 9], now })).value).to.equal(1);
        expect(await failure(sequences.set('ada', 'default', 1, { expected: [], now }))).to.be.instanceOf(PreconditionFailed);
        expect((await sequences.set('ada', 'default', 3, { expected: [4, 0], now })).value).to.equal(3);
      });

      for (const sequence of ['orders', 'default']) {
        it(`lets exactly one of 20 concurrent writes expecting 0 win (${sequence})`, async () => {
          if (sequence !== 'default') await make('ada', sequence);
          const outcomes = await Promise.allSettled(
            Array.from({ length: 20 }, (_, i) => sequences.set('ada', sequence, 100 + i, { expected: [0], now })),
          );
          const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled') as PromiseFulfilledResult<Sequence>[];
          expect(winners).to.have.length(1);
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected') expect(outcome.reason).to.be.instanceOf(PreconditionFailed);
          }
          expect(await valueOf('ada', sequence)).to.equal(winners[0].value.value);
        });
      }
    });

    describe('idempotency keys', () => {
      it('replays the original range for the same key, sequence and count, handing out nothing new', async () => {
        await make('ada', 'orders');
        const first = await next('ada', 'orders', 3, { key: 'order-7' });
        await next('ada', 'orders', 2);
        const again = await next('ada', 'orders', 3, { key: 'order-7', at: new Date(now.getTime() + 1000) });
        expect(first.replayed).to.equal(false);
        expect(again).to.deep.equal({ ...first, replayed: true });
        expect(await valueOf('ada', 'orders')).to.equal(5);
      });

      it('replays after a reset of the sequence, and still a day later', async () => {
        const first = await next('ada', 'default', 4, { key: 'k' });
        await sequences.set('ada', 'default', 0, { now });
        const later = new Date(now.getTime() + IdempotencyKey.RETENTION_MS - HOUR);
        expect((await next('ada', 'default', 4, { key: 'k', at: later })).issued).to.deep.equal(first.issued);
        expect(await valueOf('ada', 'default')).to.equal(0);
      });

      it('refuses the key with another count or another sequence, changing nothing', async () => {
        await make('ada', 'orders');
        await make('ada', 'invoices');
        await next('ada', 'orders', 3, { key: 'k' });
        expect(await failure(next('ada', 'orders', 4, { key: 'k' }))).to.be.instanceOf(IdempotencyKeyReused);
        expect(await failure(next('ada', 'invoices', 3, { key: 'k' }))).to.be.instanceOf(IdempotencyKeyReused);
        expect(await valueOf('ada', 'orders')).to.equal(3);
        expect(await valueOf('ada', 'invoices')).to.equal(0);
      });

      it('records no key for a request that failed, so its retry is served afresh', async () => {
        await make('ada', 'orders', LIMIT - 1);
        expect(await failure(next('ada', 'orders', 2, { key: 'k' }))).to.be.instanceOf(SequenceExhausted);
        await sequences.set('ada', 'orders', 0, { now });
        expect((await next('ada', 'orders', 2, { key: 'k' })).issued).to.deep.equal({ first: 1, last: 2, count: 2 });
        expect(await failure(next('ada', 'unknown', 1, { key: 'k2' }))).to.be.instanceOf(SequenceNotFound);
        expect((await next('ada', 'orders', 1, { key: 'k2' })).replayed).to.equal(false);
      });

      it('serves concurrent requests with one key once: one range, the others replay it', async () => {
        await make('ada', 'orders');
        const issues = await Promise.all(Array.from({ length: 10 }, () => next('ada', 'orders', 5, { key: 'same' })));
        expect(issues.filter((issue) => !issue.replayed)).to.have.length(1);
        for (const issue of issues) expect(issue.issued).to.deep.equal({ first: 1, last: 5, count: 5 });
        expect(await valueOf('ada', 'orders')).to.equal(5);
      });

      it('scopes keys to the account', async () => {
        await next('ada', 'default', 2, { key: 'k' });
        expect(await next('grace', 'default', 2, { key: 'k' })).to.include({ replayed: false });
        expect(await valueOf('grace', 'default')).to.equal(2);
      });
    });

    describe('accounts', () => {
      it("keeps two accounts' sequences of the same name apart", async () => {
        await make('ada', 'orders', 500);
        await make('grace', 'orders');
        expect((await next('grace', 'orders')).issued.first).to.equal(1);
        await sequences.set('grace', 'orders', 9, { now });
        await sequences.delete('grace', 'orders');
        expect(await valueOf('ada', 'orders')).to.equal(500);
        expect((await next('ada', 'orders')).issued.first).to.equal(501);
      });

      it('forgets every sequence and key of one account, and only of that one', async () => {
        await make('ada', 'orders', 5);
        await next('ada', 'default', 3, { key: 'k' });
        await next('grace', 'default', 3, { key: 'k' });
        await sequences.deleteAllOf('ada');
        expect(await sequences.list('ada', { size: 10 })).to.deep.equal([{ name: 'default', value: 0, createdAt: null, updatedAt: null }]);
        expect((await next('ada', 'default', 1, { key: 'k' })).replayed).to.equal(false);
        expect((await next('grace', 'default', 3, { key: 'k' })).replayed).to.equal(true);
        expect(await valueOf('grace', 'default')).to.equal(3);
      });

      it('keeps what it stores apart from what it returns', async () => {
        const created = await make('ada', 'orders', 5);
        (created as { value: number }).value = 99;
        created.createdAt!.setTime(0);
        expect(await sequences.get('ada', 'orders')).to.deep.equal({ name: 'orders', value: 5, createdAt: now, updatedAt: now });
      });
    });
  });
}
