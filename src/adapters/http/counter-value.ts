import { InvalidCounterValue } from '../../domain/errors';
import { JsonNumber } from './json-body';

/**
 * The decimal text of a counter value as the client wrote it: a form field or JSON
 * string as is, a JSON number by its lexeme. The domain then parses it exactly.
 */
export function counterValueText(value: unknown): string {
  if (value === undefined) throw new InvalidCounterValue('is required');
  if (value === null) throw new InvalidCounterValue('must not be null');
  if (value instanceof JsonNumber) return value.lexeme;
  if (typeof value === 'string') return value;
  const kind = typeof value === 'boolean' ? 'a boolean' : Array.isArray(value) ? 'an array' : 'an object';
  throw new InvalidCounterValue(`must be an integer, not ${kind}`);
}
