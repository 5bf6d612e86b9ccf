import { expect } from 'chai';
import { ApiKey } from '../../src/domain/api-key';
import { ApiKeyRepository } from '../../src/domain/api-key-repository.port';
import { anApiKey } from '../support/builders';

const LIMIT = ApiKey.MAX_PER_USER;
const at = (iso: string) => new Date(iso);

/**
 * What every ApiKeyRepository must do, written once and run against each adapter.
 * `create` gives a fresh, empty repository for each test.
 */
export function apiKeyRepositoryContract(name: string, create: () => Promise<ApiKeyRepository>): void {
  describe(`ApiKeyRepository contract: ${name}`, () => {
    let keys: ApiKeyRepository;

    beforeEach(async () => {
      keys = await create();
    });

    it('finds a stored key by digest, with every field intact, and null for a digest nobody has', async () => {
      const labelled = anApiKey({ lastUsedAt: at('2026-01-03T00:00:00.000Z') });
      const bare = anApiKey({ label: null, prefix: null });
      expect(await keys.addWithinLimit(labelled, LIMIT)).to.equal(true);
      expect(await keys.addWithinLimit(bare, LIMIT)).to.equal(true);
      expect(await keys.findByDigest(labelled.digest)).to.deep.equal(labelled);
      expect(await keys.findByDigest(bare.digest)).to.deep.equal(bare);
      expect(await keys.findByDigest('f'.repeat(64))).to.equal(null);
    });

    it('refuses a digest that is stored already, and keeps the first key', async () => {
      const first = anApiKey();
      await keys.addWithinLimit(first, LIMIT);
      const copy = anApiKey({ userId: 'grace', digest: first.digest });
      expect(await keys.addWithinLimit(copy, LIMIT).then(() => 'stored', () => 'refused')).to.equal('refused');
      expect(await keys.findByDigest(first.digest)).to.deep.equal(first);
      expect(await keys.listByUser('grace')).to.deep.equal([]);
    });

    it("lists a user's keys newest first, and nobody else's", async () => {
      const old = anApiKey({ createdAt: at('2026-01-01T00:00:00.000Z') });
      const newest = anApiKey({ createdAt: at('2026-03-01T00:00:00.000Z') });
      const middle = anApiKey({ createdAt: at('2026-02-01T00:00:00.000Z') });
      for (const key of [old, newest, middle, anApiKey({ userId: 'grace' })]) await keys.addWithinLimit(key, LIMIT);
      expect(await keys.listByUser('ada')).to.deep.equal([newest, middle, old]);
      expect(await keys.listByUser('nobody')).to.deep.equal([]);
    });

    it('stores no key past the limit', async () => {
      for (let i = 0; i < 3; i += 1) expect(await keys.addWithinLimit(anApiKey(), 3)).to.equal(true);
      const refused = anApiKey();
      expect(await keys.addWithinLimit(refused, 3)).to.equal(false);
      expect(await keys.findByDigest(refused.digest)).to.equal(null);
      expect(await keys.listByUser('ada')).to.have.length(3);
      expect(await keys.addWithinLimit(anApiKey({ userId: 'grace' }), 3)).to.equal(true);
    });

    it(`never takes a user past ${LIMIT} keys under ${LIMIT} concurrent creations`, async () => {
      await keys.addWithinLimit(anApiKey(), LIMIT);
      const added = await Promise.all(Array.from({ length: LIMIT }, () => keys.addWithinLimit(anApiKey(), LIMIT)));
      expect(added.filter((ok) => ok)).to.have.length(LIMIT - 1);
      expect(added.filter((ok) => !ok)).to.have.length(1);
      expect(await keys.listByUser('ada')).to.have.length(LIMIT);
    });

    it('revokes a key: it is found no more, by digest or in the list', async () => {
      const gone = anApiKey();
      const kept = anApiKey();
      await keys.addWithinLimit(gone, LIMIT);
      await keys.addWithinLimit(kept, LIMIT);
      expect(await keys.revoke('ada', gone.id)).to.equal('revoked');
      expect(await keys.findByDigest(gone.digest)).to.equal(null);
      expect(await keys.listByUser('ada')).to.deep.equal([kept]);
      expect(await keys.revoke('ada', gone.id)).to.equal('not_found');
    });

    it("answers not_found for another user's key and an unknown id, and changes nothing", async () => {
      const adas = [anApiKey(), anApiKey()];
      for (const key of adas) await keys.addWithinLimit(key, LIMIT);
      expect(await keys.revoke('grace', adas[0].id)).to.equal('not_found');
      expect(await keys.revoke('ada', 'no-such-key')).to.equal('not_found');
      expect(await keys.listByUser('ada')).to.have.length(2);
    });

    it("refuses to revoke a user's last key", async () => {
      const only = anApiKey();
      await keys.addWithinLimit(only, LIMIT);
      expect(await keys.revoke('ada', only.id)).to.equal('last_key');
      expect(await keys.findByDigest(only.digest)).to.deep.equal(only);
    });

    it('never leaves a user without a key when all their keys are revoked at once', async () => {
      const all = [anApiKey(), anApiKey(), anApiKey()];
      for (const key of all) await keys.addWithinLimit(key, LIMIT);
      const outcomes = await Promise.all(all.map((key) => keys.revoke('ada', key.id)));
      expect(outcomes).not.to.include('not_found');
      expect(outcomes.filter((outcome) => outcome === 'revoked').length).to.be.at.most(2);
      const left = await keys.listByUser('ada');
      expect(left.length).to.be.at.least(1);
      expect(left.length).to.equal(3 - outcomes.filter((outcome) => outcome === 'revoked').length);
    });

    it('records a use once per interval: not again within it, again after it', async () => {
      const key = anApiKey();
      await keys.addWithinLimit(key, LIMIT);
      const first = at('2026-01-05T10:00:00.000Z');
      await keys.recordUse(key.id, key.prefix!, first, at('2026-01-05T09:59:00.000Z'));
      expect((await keys.findByDigest(key.digest))!.lastUsedAt).to.deep.equal(first);
      // 30 s later: a use since 10:00:00 - 60 s is recorded already.
      await keys.recordUse(key.id, key.prefix!, at('2026-01-05T10:00:30.000Z'), at('2026-01-05T09:59:30.000Z'));
      expect((await keys.findByDigest(key.digest))!.lastUsedAt).to.deep.equal(first);
      const later = at('2026-01-05T10:01:00.001Z');
      await keys.recordUse(key.id, key.prefix!, later, at('2026-01-05T10:00:00.001Z'));
      expect((await keys.findByDigest(key.digest))!.lastUsedAt).to.deep.equal(later);
      await keys.recordUse('no-such-key', 'whatever', later, first);
    });

    it('fills in a missing prefix at the next use, even within the interval, and never changes one', async () => {
      const legacy = anApiKey({ prefix: null, lastUsedAt: at('2026-01-05T10:00:00.000Z') });
      await keys.addWithinLimit(legacy, LIMIT);
      await keys.recordUse(legacy.id, 'AbCd_-12', at('2026-01-05T10:00:10.000Z'), at('2026-01-05T09:59:10.000Z'));
      expect(await keys.findByDigest(legacy.digest)).to.deep.equal({ ...legacy, prefix: 'AbCd_-12' });
      await keys.recordUse(legacy.id, 'other123', at('2026-01-05T10:05:00.000Z'), at('2026-01-05T10:04:00.000Z'));
      expect((await keys.findByDigest(legacy.digest))!.prefix).to.equal('AbCd_-12');
    });

    it("deletes every key of a user, and only theirs", async () => {
      const adas = [anApiKey(), anApiKey(), anApiKey()];
      const graces = anApiKey({ userId: 'grace' });
      for (const key of [...adas, graces]) await keys.addWithinLimit(key, LIMIT);
      await keys.revokeAllOf('ada');
      expect(await keys.listByUser('ada')).to.deep.equal([]);
      for (const key of adas) expect(await keys.findByDigest(key.digest)).to.equal(null);
      expect(await keys.listByUser('grace')).to.deep.equal([graces]);
      expect(await keys.addWithinLimit(anApiKey(), LIMIT)).to.equal(true);
    });

    it('keeps its own copy: changing an object after add or after find changes nothing stored', async () => {
      const key = anApiKey();
      const original = structuredClone(key);
      await keys.addWithinLimit(key, LIMIT);
      (key as { label: string }).label = 'changed';
      key.createdAt.setFullYear(1999);
      const found = await keys.findByDigest(original.digest);
      expect(found).to.deep.equal(original);
      found!.createdAt.setFullYear(1998);
      expect(await keys.listByUser('ada')).to.deep.equal([original]);
    });
  });
}
