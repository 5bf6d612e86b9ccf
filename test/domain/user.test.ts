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
  ];
  for (const [name, raw, message] of refused) {
    it(`refuses ${name}`, () => {
      expect(() => Email.parse(raw)).to.throw(InvalidEmail, message);
    });
  }
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

  for (const [name, raw] of [['undefined', undefined], ['a number', 12345678], ['an array', ['12345678']], ['7 bytes', '1234567']] as const) {
    it(`refuses ${name}`, () => {
      expect(() => Password.parse(raw)).to.throw(InvalidPassword);
    });
  }
});
