import { expect } from 'chai';
import bcrypt from 'bcrypt';
import { createHash } from 'node:crypto';
import sinon from 'sinon';
import { BcryptPasswordHasher } from '../../src/adapters/crypto/bcrypt-password-hasher';
import { NodeCryptoApiKeyIssuer } from '../../src/adapters/crypto/node-crypto-api-key-issuer';
import { ApiKey } from '../../src/domain/api-key';

describe('NodeCryptoApiKeyIssuer', () => {
  const issuer = new NodeCryptoApiKeyIssuer();

  it('issues well-formed keys carrying 32 random bytes, each one different', () => {
    const keys = Array.from({ length: 1000 }, () => issuer.issue().key);
    for (const key of keys) expect(ApiKey.isWellFormed(key), key).to.equal(true);
    expect(Buffer.from(keys[0].slice(ApiKey.PREFIX.length), 'base64url')).to.have.length(32);
    expect(new Set(keys).size).to.equal(1000);
  });

  it('stores a SHA-256 digest of the key, never the key', () => {
    const { key, digest } = issuer.issue();
    expect(digest).to.equal(createHash('sha256').update(key).digest('hex'));
    expect(digest).not.to.contain(key.slice(ApiKey.PREFIX.length));
    expect(issuer.digestOf(key)).to.equal(digest);
  });

  it('gives each key a fresh id that is not derived from the key', () => {
    const issued = Array.from({ length: 100 }, () => issuer.issue());
    expect(new Set(issued.map((key) => key.id)).size).to.equal(100);
    for (const { id, key } of issued) expect(key).not.to.contain(id);
  });
});

describe('BcryptPasswordHasher', () => {
  it('hashes with bcrypt at the configured cost, and the hash verifies', async () => {
    const hash = await new BcryptPasswordHasher(5).hash('correct horse');
    expect(hash).to.match(/^\$2[aby]\$05\$/);
    expect(await bcrypt.compare('correct horse', hash)).to.equal(true);
    expect(await bcrypt.compare('wrong horse', hash)).to.equal(false);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = new BcryptPasswordHasher(4);
    const hash = await hasher.hash('correct horse');
    expect(await hasher.verify('correct horse', hash)).to.equal(true);
    expect(await hasher.verify('correct horse!', hash)).to.equal(false);
  });

  describe('without a user', () => {
    afterEach(() => sinon.restore());

    it('still runs one bcrypt comparison, against a dummy hash of the configured cost, and answers false', async () => {
      const hasher = new BcryptPasswordHasher(5);
      const compare = sinon.spy(bcrypt, 'compare');
      expect(await hasher.verify('correct horse', null)).to.equal(false);
      expect(compare.callCount).to.equal(1);
      expect(compare.firstCall.args[0]).to.equal('correct horse');
      expect(compare.firstCall.args[1]).to.match(/^\$2[aby]\$05\$.{53}$/);
      // The same dummy hash each time: made once, not per request.
      await hasher.verify('another one', null);
      expect(compare.secondCall.args[1]).to.equal(compare.firstCall.args[1]);
    });
  });
});
