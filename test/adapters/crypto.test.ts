import { expect } from 'chai';
import bcrypt from 'bcrypt';
import { createHash } from 'node:crypto';
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
});

describe('BcryptPasswordHasher', () => {
  it('hashes with bcrypt at the configured cost, and the hash verifies', async () => {
    const hash = await new BcryptPasswordHasher(5).hash('correct horse');
    expect(hash).to.match(/^\$2[aby]\$05\$/);
    expect(await bcrypt.compare('correct horse', hash)).to.equal(true);
    expect(await bcrypt.compare('wrong horse', hash)).to.equal(false);
  });
});
