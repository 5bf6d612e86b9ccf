/**
 * JSON parsing that keeps each number as it was written. JSON.parse turns 1e3 and
 * 1000.0 into 1000 and 9007199254740993 into 9007199254740992; the API must refuse
 * those instead of guessing, so numbers come back as JsonNumber with their text.
 */
export class JsonNumber {
  constructor(readonly lexeme: string) {}
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// Each number is wrapped as {"\u0000number":"<lexeme>"} before JSON.parse and unwrapped by
// the reviver. A client that writes that wrapper itself only gets a JsonNumber whose text
// is validated like any other number's, so the trick cannot smuggle anything in.
const MARKER_KEY = '\u0000number';
const MARKER_KEY_JSON = '"\\u0000number"';

export function parseJson(text: string): unknown {
  let marked = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      index = endOfString(text, index);
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      NUMBER.lastIndex = index;
      const match = NUMBER.exec(text);
      if (!match) throw new SyntaxError('Invalid number');
      marked += `${text.slice(copiedUpTo, index)}{${MARKER_KEY_JSON}:"${match[0]}"}`;
      index = copiedUpTo = index + match[0].length;
    } else {
      index += 1;
    }
  }
  marked += text.slice(copiedUpTo);
  return JSON.parse(marked, (_key, value: unknown) => (isMarker(value) ? new JsonNumber(value[MARKER_KEY]) : value));
}

function endOfString(text: string, openingQuote: number): number {
  let index = openingQuote + 1;
  while (index < text.length) {
    if (text[index] === '\\') index += 2;
    else if (text[index] === '"') return index + 1;
    else index += 1;
  }
  return index;
}

function isMarker(value: unknown): value is { [MARKER_KEY]: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === MARKER_KEY && typeof (value as Record<string, unknown>)[MARKER_KEY] === 'string';
}
