import { expect } from 'chai';
import { ApiKey, ApiKeyLabel } from '../../src/domain/api-key';
import { InvalidLabel } from '../../src/domain/errors';

describe('ApiKey', () => {
  it('shows the first 8 characters after inc_ as the prefix', () => {
    expect(ApiKey.prefixOf('inc_AbCd_-12rest-of-the-key-that-stays-secret12')).to.equal('AbCd_-12');
  });
});

describe('ApiKeyLabel', () => {
  const refusal = (raw: unknown) => {
    try {
      ApiKeyLabel.parse(raw);
      return 'accepted';
    } catch (error) {
      expect(error).to.be.instanceOf(InvalidLabel);
      expect((error as InvalidLabel).field).to.equal('label');
      return (error as Error).message;
    }
  };

  it('takes no label (undefined or null) as none', () => {
    expect(ApiKeyLabel.parse(undefined)).to.equal(null);
    expect(ApiKeyLabel.parse(null)).to.equal(null);
  });

  it('keeps a label of 1 to 64 characters as it is, counting characters as a person does', () => {
    for (const label of ['c', 'ci', '  spaced  ', 'x'.repeat(64), '🔑'.repeat(64), 'Büro-Rechner', 'ラップトップ']) {
      expect(ApiKeyLabel.parse(label)).to.equal(label);
    }
  });

  it('refuses an empty label, one over 64 characters, control characters, lone surrogates and non-strings', () => {
    expect(refusal('')).to.equal('must be at least 1 character long');
    expect(refusal('x'.repeat(65))).to.equal('must be at most 64 characters long');
    expect(refusal('🔑'.repeat(65))).to.equal('must be at most 64 characters long');
    for (const control of ['a\nb', 'tab\there', 'nul\u0000', 'del\u007f', 'c1\u0085']) {
      expect(refusal(control), JSON.stringify(control)).to.match(/control characters/);
    }
    expect(refusal('half \ud83d')).to.equal('must be valid Unicode text');
    expect(refusal('\udd11 half')).to.equal('must be valid Unicode text');
    expect(refusal(42)).to.equal('must be a string');
    expect(refusal(['ci'])).to.equal('must be a string');
  });
});
