import { expect } from 'chai';
import { Counter } from '../../src/domain/counter';
import { InvalidCounterValue } from '../../src/domain/errors';

describe('Counter.parse', () => {
  it('reads plain decimal digits exactly, up to 2^53-1', () => {
    expect(Counter.parse('0')).to.equal(0);
    expect(Counter.parse('1000')).to.equal(1000);
    expect(Counter.parse('007')).to.equal(7);
    expect(Counter.parse('9007199254740991')).to.equal(Number.MAX_SAFE_INTEGER);
  });

  for (const text of ['', '-1', '+1', '1.5', '1.0', '1e3', '0x10', ' 1', '1 ', 'one', '١٢']) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      expect(() => Counter.parse(text)).to.throw(InvalidCounterValue);
    });
  }

  it('refuses 2^53 and above instead of rounding them', () => {
    expect(() => Counter.parse('9007199254740992')).to.throw(InvalidCounterValue, /must not exceed 9007199254740991/);
    expect(() => Counter.parse('9007199254740993')).to.throw(InvalidCounterValue);
    expect(() => Counter.parse('1'.repeat(400))).to.throw(InvalidCounterValue);
  });
});
