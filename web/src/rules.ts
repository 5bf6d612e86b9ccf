import { ApiKeyLabel } from '../../src/domain/api-key';
import { Counter } from '../../src/domain/counter';
import { DomainError } from '../../src/domain/errors';
import { SequenceName } from '../../src/domain/sequence';
import { Email, Password } from '../../src/domain/user';

/**
 * The checks the page runs before it sends anything: the domain's own parsers, bundled in,
 * so the page and the API cannot disagree on what a valid email, password or value is.
 * Each returns what is wrong in a sentence, or undefined when the input is acceptable.
 */
export type Check = (raw: string) => string | undefined;

function checkWith(label: string, parse: (raw: string) => unknown): Check {
  return (raw) => {
    try {
      parse(raw);
      return undefined;
    } catch (error) {
      if (error instanceof DomainError) return `${label} ${error.message}.`;
      throw error;
    }
  };
}

export const checkEmail = checkWith('Email', Email.parse);

/**
 * The API counts a password in UTF-8 bytes (bcrypt reads 72 of them), but people count
 * characters, and 8 characters are always at least 8 bytes: the page asks for characters, and
 * speaks of bytes only to a password too long in them.
 */
export const PASSWORD_HINT = `At least ${Password.MIN_BYTES} characters.`;
export const checkPassword: Check = (raw) => {
  if (checkWith('Password', Password.parse)(raw) === undefined) return undefined;
  const bytes = new TextEncoder().encode(raw).length;
  if (bytes < Password.MIN_BYTES) return `Password must be at least ${Password.MIN_BYTES} characters.`;
  return `Password must be at most ${Password.MAX_BYTES} bytes, and this one has ${bytes}: a letter or digit counts one, an accented letter two, an emoji four.`;
};
export const checkCounterValue = checkWith('The value', (raw) => Counter.parse(raw));
export const checkSequenceName = checkWith('The name', (raw) => SequenceName.parse(raw));
/** A new sequence's starting value may be left empty: it then starts at 0. */
export const checkStartValue: Check = (raw) => (raw === '' ? undefined : checkCounterValue(raw));
/** A label may be left empty on the page: that sends none. */
export const checkLabel: Check = (raw) => (raw === '' ? undefined : checkWith('The label', ApiKeyLabel.parse)(raw));
export const checkApiKey: Check = (raw) => (raw.trim() === '' ? 'Paste the API key you were given at sign-up.' : undefined);
