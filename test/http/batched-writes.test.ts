import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import Koa from 'koa';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { turns } from '../../src/adapters/http/batched-writes';
import { observe, RequestState } from '../../src/adapters/http/observe';

describe('replies batched by turn of the event loop', () => {
  it('gives every request of one turn the same turn, and a new one after it ends', async () => {
    const turnOf = turns();
    const first = turnOf();
    expect(turnOf()).to.equal(first);
    expect(first.hasEnded).to.equal(false);
    await first.ended;
    expect(first.hasEnded).to.equal(true);
    const next = turnOf();
    expect(next).not.to.equal(first);
    expect(next.hasEnded).to.equal(false);
  });

  it('ends a turn that began in an I/O callback in the same loop iteration, before any timer', async () => {
    const turnOf = turns();
    const order = await readFile(__filename).then(
      () =>
        new Promise<string[]>((done) => {
          const seen: string[] = [];
          const turn = turnOf();
          setTimeout(() => done([...seen, 'timer']), 0);
          void turn.ended.then(() => seen.push('turn ended'));
        }),
    );
    expect(order).to.deep.equal(['turn ended', 'timer']);
  });

  it('does not end the turn before the check phase: not at nextTick, not in a microtask, not before an earlier setImmediate', async () => {
    const turnOf = turns();
    const seen: string[] = [];
    let turn: ReturnType<typeof turnOf> | undefined;
    setImmediate(() => seen.push(`earlier setImmediate: ${turn!.hasEnded}`));
    turn = turnOf();
    process.nextTick(() => seen.push(`nextTick: ${turn!.hasEnded}`));
    queueMicrotask(() => seen.push(`microtask: ${turn!.hasEnded}`));
    await turn.ended;
    expect(seen).to.deep.equal(['nextTick: false', 'microtask: false', 'earlier setImmediate: false']);
  });

  describe('in the observing middleware', () => {
    const app = new Koa<RequestState>();
    const middleware = observe(pino({ enabled: false }), new Registry(), async (_ctx, next) => next());
    const contextOf = () => {
      const request = new IncomingMessage(new Socket());
      Object.assign(request, { method: 'GET', url: '/v1/next', headers: {} });
      return app.createContext(request, new ServerResponse(request)) as unknown as Parameters<typeof middleware>[0];
    };

    it('holds a reply ready in the turn its request arrived in until that turn ends', async () => {
      const order: string[] = [];
      setImmediate(() => order.push('check phase'));
      const served = middleware(contextOf(), async () => undefined).then(() => order.push('reply released'));
      await new Promise((resolve) => process.nextTick(resolve));
      expect(order).to.deep.equal([]);
      await served;
      expect(order).to.deep.equal(['check phase', 'reply released']);
    });

    it('releases at once a reply that became ready in a later turn (a group commit)', async () => {
      const order: string[] = [];
      const served = middleware(contextOf(), () => new Promise<void>((resolve) => setImmediate(resolve))).then(() => order.push('reply released'));
      // The group commit's setImmediate is queued after the turn's: both run in one check phase.
      setImmediate(() => order.push('next check phase'));
      await served;
      await new Promise((resolve) => setImmediate(resolve));
      expect(order[0]).to.equal('reply released');
    });
  });
});
