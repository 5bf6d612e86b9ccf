import { expect } from 'chai';
import { Counter } from '../../src/domain/counter';
import { CounterRepository } from '../../src/domain/counter-repository.port';

/**
 * What every CounterRepository must do, written once and run against each adapter.
 * `create` gives a fresh, empty repository for each test.
 */
export function counterRepositoryContract(name: string, create: () => Promise<CounterRepository>): void {
  describe(`CounterRepository contract: ${name}`, () => {
    let counters: CounterRepository;
    const limit = Counter.MAX_VALUE;

    beforeEach(async () => {
      counters = await create();
    });

    it('reads 0 for a counter never written', async () => {
      expect(await counters.current('nobody')).to.equal(0);
    });

    it('starts a new counter at 1 and counts up by one', async () => {
      expect(await counters.increment('ada', limit)).to.equal(1);
      expect(await counters.increment('ada', limit)).to.equal(2);
      expect(await counters.current('ada')).to.equal(2);
    });

    it('sets a value that current reads back and the next increment continues from', async () => {
      await counters.set('ada', 1000);
      expect(await counters.current('ada')).to.equal(1000);
      expect(await counters.increment('ada', limit)).to.equal(1001);
    });

    it('can move a counter back to 0', async () => {
      await counters.increment('ada', limit);
      await counters.set('ada', 0);
      expect(await counters.current('ada')).to.equal(0);
      expect(await counters.increment('ada', limit)).to.equal(1);
    });

    it('holds the largest value exactly and refuses to pass the limit, changing nothing', async () => {
      await counters.set('ada', limit - 1);
      expect(await counters.increment('ada', limit)).to.equal(limit);
      expect(await counters.increment('ada', limit)).to.equal(null);
      expect(await counters.current('ada')).to.equal(limit);
    });

    it('refuses at a smaller limit too, also for a counter never written', async () => {
      expect(await counters.increment('fresh', 0)).to.equal(null);
      expect(await counters.current('fresh')).to.equal(0);
      await counters.set('ada', 5);
      expect(await counters.increment('ada', 5)).to.equal(null);
      expect(await counters.increment('ada', 6)).to.equal(6);
    });

    it('at a limit of 0 leaves a counter never written unwritten: null, and the next increment still gives 1', async () => {
      expect(await counters.increment('fresh', 0)).to.equal(null);
      expect(await counters.current('fresh')).to.equal(0);
      expect(await counters.increment('fresh', limit)).to.equal(1);
    });

    it('keeps users apart', async () => {
      await counters.set('ada', 500);
      expect(await counters.increment('grace', limit)).to.equal(1);
      expect(await counters.current('ada')).to.equal(500);
    });

    it('forgets every counter of a deleted account, and only those', async () => {
      await counters.set('ada', 41);
      await counters.set('grace', 7);
      await counters.deleteAllOf('ada');
      expect(await counters.current('ada')).to.equal(0);
      expect(await counters.increment('ada', limit)).to.equal(1);
      expect(await counters.current('grace')).to.equal(7);
      await counters.deleteAllOf('nobody');
    });

    it('hands out each value exactly once under concurrent increments, from the first one on', async () => {
      const values = await Promise.all(Array.from({ length: 200 }, () => counters.increment('ada', limit)));
      expect([...values].sort((a, b) => a! - b!)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await counters.current('ada')).to.equal(200);
    });

    it('stops exactly at the limit when concurrent increments race towards it', async () => {
      await counters.set('ada', limit - 3);
      const values = await Promise.all(Array.from({ length: 10 }, () => counters.increment('ada', limit)));
      expect(values.filter((value) => value !== null).sort((a, b) => a! - b!)).to.deep.equal([limit - 2, limit - 1, limit]);
      expect(values.filter((value) => value === null)).to.have.length(7);
    });
  });
}
