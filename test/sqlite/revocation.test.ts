import { expect } from 'chai';
import { request } from '../support/http-client';
import { sqliteServices } from '../support/processes';

interface Outcome {
  /** performance.now() when the request was sent. */
  readonly sentAt: number;
  readonly status: number;
}

describe('SQLite key revocation, with two real server processes on one file', function () {
  this.timeout(120_000);
  const sqlite = sqliteServices('increment-revocation-');

  it('a key revoked through one process is refused by the other from the next request on, under load', async () => {
    const first = await sqlite.start();
    const second = await sqlite.start();
    const registered = await request(first.url, 'POST', '/v1/register', { body: { email: 'revoke@example.com', password: 'correct horse' } });
    const revoked = registered.body.data.attributes.apiKey as string;
    const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
    // The last key of an account is kept, so the account gets a second one to go on with.
    const kept = await request(first.url, 'POST', '/v1/keys', { headers: bearer(revoked) });
    expect(kept.status).to.equal(201);
    const listed = await request(first.url, 'GET', '/v1/keys', { headers: bearer(revoked) });
    const revokedId = (listed.body.data as Array<{ id: string }>).map((key) => key.id).find((id) => id !== kept.body.data.id);

    // Clients on the second process keep asking with the key while the first revokes it: many
    // requests of each turn there are looked up together, in one read transaction.
    const outcomes: Outcome[] = [];
    let stop = false;
    const clients = Array.from({ length: 20 }, async () => {
      while (!stop) {
        const sentAt = performance.now();
        const reply = await request(second.url, 'GET', '/v1/next', { headers: bearer(revoked) });
        outcomes.push({ sentAt, status: reply.status });
      }
    });
    while (outcomes.length < 300) await new Promise((resolve) => setTimeout(resolve, 5));
    const revocation = await request(first.url, 'DELETE', `/v1/keys/${revokedId}`, { headers: bearer(revoked) });
    const revokedAt = performance.now();
    expect(revocation.status).to.equal(204);
    const countAtRevocation = outcomes.length;
    while (outcomes.length < countAtRevocation + 300) await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    await Promise.all(clients);

    const before = outcomes.filter((outcome) => outcome.sentAt < revokedAt);
    const after = outcomes.filter((outcome) => outcome.sentAt > revokedAt);
    expect(before.slice(0, 300).every((outcome) => outcome.status === 200), 'accepted before the revocation').to.equal(true);
    expect(after.length).to.be.greaterThan(250);
    expect(after.filter((outcome) => outcome.status !== 401), 'accepted after the revocation was answered').to.deep.equal([]);
    // The account goes on with its other key, on both processes.
    for (const service of [first, second]) {
      expect((await request(service.url, 'GET', '/v1/next', { headers: bearer(kept.body.data.attributes.apiKey) })).status).to.equal(200);
    }
  });
});
