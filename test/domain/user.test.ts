import { expect } from 'chai';
import { InvalidEmail, InvalidPassword } from '../../src/domain/errors';
import { Email, Password } from '../../src/domain/user';

describe('Email.parse', () => {
  it('trims and lower-cases, so one address cannot register twice by case', () => {
    expect(Email.parse('  Ada.Lovelace+test@Example.CO.uk ')).to.equal('ada.lovelace+test@example.co.uk');
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['undefined', undefined, /is required/],
    ['null', null, /is required/],
    ['a blank string', '   ', /is required/],
    ['a number', 42, /must be a string/],
    ['an object', { $ne: null }, /must be a string/],
    ['no @', 'ada.example.com', /email address/],
    ['no domain dot', 'ada@localhost', /email address/],
    ['spaces inside', 'ada lovelace@example.com', /email address/],
    ['a leading dot in the local part', '.ada@example.com', /email address/],
    ['two dots in a row', 'ada..l@example.com', /email address/],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`, /email address/],
    ['255 characters', `${'a'.repeat(60)}@${'b'.repeat(190)}.com`, /at most 254/],
    ['NUL', 'ada\u0000@example.com', /control/],
    ['a control character', 'ada\u0007@example.com', /control/],
    ['DEL', 'ada\u007f@example.com', /control/],
    ['a C1 control character', 'ada\u0085@example.com', /control/],
    ['a zero-width space', 'a\u200bda@example.com', /invisible formatting/],
    ['a right-to-left override', 'ada\u202e@example.com', /invisible formatting/],
    ['a byte order mark inside', 'a\ufeffda@example.com', /invisible formatting/],
    ['a lone high surrogate', 'ada\ud800@example.com', /unpaired surrogate/],
    ['a lone low surrogate', 'ada\udc00@example.com', /unpaired surrogate/],
    ['fullwidth letters', '\uff41\uff44\uff41@example.com', /fullwidth/],
    ['a fullwidth @', 'ada\uff20example.com', /fullwidth/],
    ['a ligature', 'ﬁona@example.com', /compatibility forms/],
  ];
  for (const [name, raw, message] of refused) {
    it(`refuses ${name}`, () => {
      expect(() => Email.parse(raw)).to.throw(InvalidEmail, message);
    });
  }

  it('normalises to NFC, so a composed and a decomposed á are one address', () => {
    const composed = '\u00e1da@example.com';
    const decomposed = 'a\u0301da@example.com';
    expect(Email.parse(decomposed)).to.equal(composed);
    expect(Email.parse(composed)).to.equal(composed);
  });

  it('folds the Turkish i\'s to i: ADI, adı, ADİ and adi are one address', () => {
    for (const raw of ['ADI@example.com', 'ad\u0131@example.com', 'AD\u0130@example.com', 'adi@example.com', 'adi\u0307@example.com']) {
      expect(Email.parse(raw), raw).to.equal('adi@example.com');
    }
  });

  it('keeps letters of other scripts apart: a Cyrillic а is not a Latin a', () => {
    const cyrillic = Email.parse('\u00e1d\u0430@example.com');
    expect(cyrillic).to.equal('\u00e1d\u0430@example.com');
    expect(cyrillic).not.to.equal(Email.parse('\u00e1da@example.com'));
  });

  it('takes a paired surrogate (an emoji) as the character it is', () => {
    expect(Email.parse('ada\u{1F600}@example.com')).to.equal('ada\u{1F600}@example.com');
  });
});

describe('Password.parse', () => {
  it('accepts 8 to 72 bytes of UTF-8 and returns the password unchanged', () => {
    expect(Password.parse('12345678')).to.equal('12345678');
    expect(Password.parse('€'.repeat(24))).to.equal('€'.repeat(24)); // 72 bytes
  });

  it('counts bytes, not characters: bcrypt would silently drop what follows byte 72', () => {
    expect(() => Password.parse('€'.repeat(25))).to.throw(InvalidPassword, /at most 72 bytes/); // 25 characters, 75 bytes
    expect(() => Password.parse('😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀')).to.throw(InvalidPassword); // 76 bytes
  });

  it('refuses NUL, which bcrypt would take for the end of the password', () => {
    expect(() => Password.parse('\0'.repeat(8))).to.throw(InvalidPassword, /NUL/);
    expect(() => Password.parse('correct\0horse')).to.throw(InvalidPassword, /NUL/);
  });

  for (const [name, raw] of [['undefined', undefined], ['a number', 12345678], ['an array', ['12345678']], ['7 bytes', '1234567']] as const) {
    it(`refuses ${name}`, () => {
      expect(() => Password.parse(raw)).to.throw(InvalidPassword);
    });
  }
});
