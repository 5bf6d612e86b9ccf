import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { NodeCryptoApiKeyIssuer } from '../../src/adapters/crypto/node-crypto-api-key-issuer';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/adapters/persistence/sqlite/sqlite-schema';
import { request } from '../support/http-client';
import { conformsToOpenApi } from '../support/openapi-validator';
import { boundedAgent, currentValue, sqliteServices } from '../support/processes';

interface Range {
  readonly first: number;
  readonly last: number;
}

/**
 * POST /v1/next?count=n with an Idempotency-Key, through a given agent. Resolves with the
 * range and whether it was a replay, or null when the answer was lost (the process was killed).
 */
function idempotentNext(url: string, apiKey: string, key: string, count: number, agent: http.Agent) {
  return new Promise<{ range: Range; replayed: boolean } | null>((resolve, reject) => {
    const headers = { Authorization: `Bearer ${apiKey}`, 'Idempotency-Key': key };
    const req = http.request(`${url}/v1/next?count=${count}`, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => {
        try {
          const body = JSON.parse(text);
          conformsToOpenApi({ method: 'POST', path: `/v1/next?count=${count}`, status: res.statusCode!, contentType: res.headers['content-type'], body, text });
          if (res.statusCode !== 200) throw new Error(`${res.statusCode}: ${text}`);
          const { first, last } = body.meta.issued;
          resolve({ range: { first, last }, replayed: res.headers['idempotent-replayed'] === 'true' });
        } catch (error) {
          reject(error);
        }
      });
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}

describe('SQLite sequences, with real server processes', function () {
  this.timeout(180_000);
  const sqlite = sqliteServices('increment-sequences-');
  let file: string;
  beforeEach(() => ({ file } = sqlite));
  const start = sqlite.start;

  it('after kill -9 amid idempotent ranges, retrying each lost request with its key hands out every integer exactly once', async () => {
    const first = await start();
    const registered = await request(first.url, 'POST', '/v1/register', { body: { email: 'crash@example.com', password: 'correct horse' } });
    const apiKey = registered.body.data.attributes.apiKey;
    const agent = boundedAgent();
    const answered = new Map<string, { count: number; range: Range }>();
    const lost: Array<{ key: string; count: number }> = [];
    let sent = 0;
    let stop = false;
    const clients = Array.from({ length: 20 }, async (_, client) => {
      while (!stop) {
        const key = `client-${client}-request-${sent++}`;
        const count = 1 + Math.floor(Math.random() * 20);
        const outcome = await idempotentNext(first.url, apiKey, key, count, agent);
        if (outcome === null) {
          lost.push({ key, count });
          return;
        }
        answered.set(key, { count, range: outcome.range });
      }
    });
    while (answered.size < 400) await new Promise((resolve) => setTimeout(resolve, 10));
    first.child.kill('SIGKILL');
    await first.exited();
    stop = true;
    await Promise.all(clients);
    agent.destroy();

    const restarted = await start();
    const retryAgent = boundedAgent();
    const ranges: Range[] = [...answered.values()].map((answer) => answer.range);
    let replayedAfterCrash = 0;
    for (const { key, count } of lost) {
      const retried = await idempotentNext(restarted.url, apiKey, key, count, retryAgent);
      expect(retried, `retry of ${key}`).not.to.equal(null);
      ranges.push(retried!.range);
      if (retried!.replayed) replayedAfterCrash += 1;
      // And once more: now certainly its original range.
      const again = await idempotentNext(restarted.url, apiKey, key, count, retryAgent);
      expect(again).to.deep.equal({ range: retried!.range, replayed: true });
    }
    // Answered keys replay the range their caller received, across the crash.
    for (const [key, { count, range }] of [...answered].slice(0, 50)) {
      expect(await idempotentNext(restarted.url, apiKey, key, count, retryAgent)).to.deep.equal({ range, replayed: true });
    }
    retryAgent.destroy();

    const value = await currentValue(restarted.url, apiKey);
    ranges.sort((a, b) => a.first - b.first);
    let expectedFirst = 1;
    for (const range of ranges) {
      expect(range.first, 'no integer twice, no integer lost').to.equal(expectedFirst);
      expectedFirst = range.last + 1;
    }
    expect(expectedFirst - 1, 'the union of all ranges is 1..current').to.equal(value);
    expect(lost.length, 'requests in flight at the kill').to.be.greaterThan(0);
    // How many lost answers had been committed varies from run to run; both kinds are handled above.
    console.log(`      (${answered.size} answered, ${lost.length} lost, of which ${replayedAfterCrash} had been committed)`);
  });

  it("keeps each account's count when the new code serves a database written by the schema before named sequences", async () => {
    // Today's schema is version 1: a file as the release before named sequences left it.
    mkdirSync(path.dirname(file), { recursive: true });
    const old = new Database(file);
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    const issuer = new NodeCryptoApiKeyIssuer();
    const accounts = [41, 0, 9_007_199_254_740_990].map((value, i) => ({ value, apiKey: issuer.issue(), id: `user-${i}` }));
    for (const account of accounts) {
      old.prepare('INSERT INTO users (id, email, password_hash, api_key_digest, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(account.id, `${account.id}@example.com`, 'not-a-real-hash', account.apiKey.digest, Date.now());
      if (account.value > 0) old.prepare('INSERT INTO incremental_counter (user_id, value) VALUES (?, ?)').run(account.id, account.value);
    }
    old.close();

    const service = await start();
    for (const account of accounts) {
      expect(await currentValue(service.url, account.apiKey.key)).to.equal(account.value);
      const reply = await request(service.url, 'POST', '/v1/next', { headers: { Authorization: `Bearer ${account.apiKey.key}` } }, conformsToOpenApi);
      expect(reply.body.data.attributes.value).to.equal(account.value + 1);
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
    db.close();
  });
});
