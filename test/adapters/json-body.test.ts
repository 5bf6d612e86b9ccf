import { expect } from 'chai';
import { JsonNumber, parseJson } from '../../src/adapters/http/json-body';

describe('parseJson, which keeps numbers as written', () => {
  it('parses like JSON.parse, with every number carried as its lexeme', () => {
    const parsed = parseJson('{"a": 1, "b": [-2.5, 1e3, 0], "c": "12", "d": true, "e": null, "f": {"g": 9007199254740993}}');
    expect(parsed).to.deep.equal({
      a: new JsonNumber('1'),
      b: [new JsonNumber('-2.5'), new JsonNumber('1e3'), new JsonNumber('0')],
      c: '12',
      d: true,
      e: null,
      f: { g: new JsonNumber('9007199254740993') },
    });
  });

  it('leaves digits inside strings alone, escaped quotes included', () => {
    expect(parseJson('{"a":"x\\"1\\\\","b":"2"}')).to.deep.equal({ a: 'x"1\\', b: '2' });
  });

  for (const text of ['{"a":01}', '{"a":1.}', '{"a":-}', '{"a":.5}', '{"a":1e}', '{"a":+1}', '[1 2]', '{"a":1', '{"a":"1}']) {
    it(`refuses ${text} as JSON.parse does`, () => {
      expect(() => JSON.parse(text)).to.throw(SyntaxError);
      expect(() => parseJson(text)).to.throw(SyntaxError);
    });
  }

  it('turns a client-written wrapper object into a JsonNumber whose text still gets validated', () => {
    expect(parseJson('{"a":{"\\u0000number":"abc"}}')).to.deep.equal({ a: new JsonNumber('abc') });
  });
});
