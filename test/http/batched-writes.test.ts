import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { turns } from '../../src/adapters/http/batched-writes';

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

  it('lets a reply that is ready only after its turn ended (a group commit) go at once', async () => {
    const turnOf = turns();
    const turn = turnOf();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(turn.hasEnded).to.equal(true);
  });
});
