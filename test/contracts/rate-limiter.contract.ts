import { expect } from 'chai';
import sinon from 'sinon';
import { Limit } from '../../src/adapters/rate-limit/flexible-rate-limiter';
import { TooManyRequests } from '../../src/domain/errors';
import { RateLimiter } from '../../src/domain/rate-limiter.port';

const outcome = (attempt: Promise<void>) =>
  attempt.then(
    () => 'allowed',
    (error: unknown) => (error instanceof TooManyRequests ? `429 after ${error.retryAfterSeconds}s` : error),
  );

/**
 * What every store of rate-limit counts must do, written once and run against each adapter.
 * `create` gives a limiter for `limit` over a fresh, empty store. The clock is sinon's: only
 * Date is faked, so drivers keep their real timers.
 */
export function rateLimiterContract(name: string, create: (limit: Limit) => Promise<RateLimiter>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let clock: sinon.SinonFakeTimers;
    const fivePerFifteenMinutes: Limit = { name: 'contract', points: 5, durationSeconds: 900 };

    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    });

    afterEach(() => clock.restore());

    it('allows the limit, refuses the next attempt with the seconds left in the window, and allows again once it is over', async () => {
      const limiter = await create(fivePerFifteenMinutes);
      for (let i = 0; i < 5; i += 1) expect(await outcome(limiter.consume('ada'))).to.equal('allowed');
      clock.tick(100_000);
      expect(await outcome(limiter.consume('ada'))).to.equal('429 after 800s');
      expect(await outcome(limiter.consume('ada'))).to.equal('429 after 800s');
      clock.tick(799_000);
      expect(await outcome(limiter.consume('ada'))).to.equal('429 after 1s');
      clock.tick(1_001);
      expect(await outcome(limiter.consume('ada'))).to.equal('allowed');
    });

    it('does not make a window longer for attempts refused within it', async () => {
      const limiter = await create({ name: 'contract', points: 1, durationSeconds: 60 });
      await limiter.consume('ada');
      for (let elapsed = 10; elapsed < 60; elapsed += 10) {
        clock.tick(10_000);
        expect(await outcome(limiter.consume('ada'))).to.equal(`429 after ${60 - elapsed}s`);
      }
      clock.tick(10_000);
      expect(await outcome(limiter.consume('ada'))).to.equal('allowed');
    });

    it('gives back a refunded attempt', async () => {
      const limiter = await create({ name: 'contract', points: 2, durationSeconds: 900 });
      await limiter.consume('ada');
      await limiter.consume('ada');
      await limiter.refund('ada');
      expect(await outcome(limiter.consume('ada'))).to.equal('allowed');
      expect(await outcome(limiter.consume('ada'))).to.match(/^429/);
    });

    it('counts each key on its own', async () => {
      const limiter = await create({ name: 'contract', points: 1, durationSeconds: 900 });
      await limiter.consume('ada@example.com');
      expect(await outcome(limiter.consume('grace@example.com'))).to.equal('allowed');
      expect(await outcome(limiter.consume('192.0.2.1'))).to.equal('allowed');
      expect(await outcome(limiter.consume('ada@example.com'))).to.match(/^429/);
    });

    it('lets exactly the limit through when attempts arrive all at once', async () => {
      const limiter = await create(fivePerFifteenMinutes);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => outcome(limiter.consume('ada'))));
      expect(outcomes.filter((result) => result === 'allowed')).to.have.length(5);
      expect(outcomes.filter((result) => result === '429 after 900s')).to.have.length(15);
    });
  });
}
