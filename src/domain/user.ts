import { InvalidEmail, InvalidPassword } from './errors';

export type UserId = string;

export interface User {
  readonly id: UserId;
  /** Normalised (trimmed, NFC, case-folded: see Email.parse); unique across users. */
  readonly email: string;
  readonly passwordHash: string;
  readonly createdAt: Date;
}

const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
const EMAIL_SHAPE = /^[^\s@"(),:;<>[\\\]]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

// Control (Cc: NUL, DEL, C1…), format (Cf: zero-width space, right-to-left override, BOM…) and
// lone surrogates (Cs: in a JS string, a surrogate not part of a pair) are invisible or not
// text at all: an address holding one would be stored as something no one can type again.
const INVISIBLE_OR_BROKEN = /[\p{Cc}\p{Cf}\p{Cs}]/u;
// The Turkish i's: İ lower-cases to i + a combining dot, and Turkish case rules pair I with ı.
// Folded to i, so ADI, adı, ADİ and adi are one address, whatever keyboard typed it.
const TURKISH_I = /[\u0130\u0131]|i\u0307/g;

export const Email = {
  MAX_LENGTH: MAX_EMAIL_LENGTH,

  /**
   * Returns the normalised address, or throws InvalidEmail saying what is wrong.
   * Normalised: trimmed, NFC (a composed and a decomposed á are one address), lower-cased by
   * Unicode's default, locale-free rules, with the Turkish i's folded to i. Refused: invisible
   * and broken characters, and compatibility forms such as fullwidth ａｄａ, which NFKC would
   * turn into other letters. Letters of different scripts stay different (a Cyrillic а is not a
   * Latin a), as they are to mail servers.
   */
  parse(raw: unknown): string {
    if (raw === undefined || raw === null) throw new InvalidEmail('is required');
    if (typeof raw !== 'string') throw new InvalidEmail('must be a string');
    if (INVISIBLE_OR_BROKEN.test(raw)) {
      throw new InvalidEmail('must not contain control, invisible formatting or unpaired surrogate characters');
    }
    const composed = raw.trim().normalize('NFC');
    if (composed.normalize('NFKC') !== composed) {
      throw new InvalidEmail('must not contain fullwidth or other compatibility forms of characters; type them plainly');
    }
    const email = composed.toLowerCase().normalize('NFC').replace(TURKISH_I, 'i');
    if (email.length === 0) throw new InvalidEmail('is required');
    if (email.length > MAX_EMAIL_LENGTH) {
      throw new InvalidEmail(`must be at most ${MAX_EMAIL_LENGTH} characters`);
    }
    const localPart = email.slice(0, email.lastIndexOf('@'));
    if (!EMAIL_SHAPE.test(email) || localPart.length > MAX_LOCAL_PART_LENGTH || /^\.|\.\.|\.$/.test(localPart)) {
      throw new InvalidEmail('must be an email address such as ada@example.com');
    }
    return email;
  },
};

export const Password = {
  // bcrypt reads at most 72 bytes and silently ignores the rest, so longer passwords are refused.
  MIN_BYTES: 8,
  MAX_BYTES: 72,

  /** Returns the password unchanged, or throws InvalidPassword saying what is wrong. */
  parse(raw: unknown): string {
    if (raw === undefined || raw === null) throw new InvalidPassword('is required');
    if (typeof raw !== 'string') throw new InvalidPassword('must be a string');
    // bcrypt stops at the first NUL byte: 8 NULs would be the empty password, "abc\0xyz" would be "abc".
    if (raw.includes('\0')) throw new InvalidPassword('must not contain the NUL character');
    // A lone surrogate has no UTF-8 form: every one would be stored and hashed as the same U+FFFD.
    if (/\p{Cs}/u.test(raw)) throw new InvalidPassword('must be valid Unicode text (it holds an unpaired surrogate)');
    const bytes = utf8Length(raw);
    if (bytes < Password.MIN_BYTES) throw new InvalidPassword(`must be at least ${Password.MIN_BYTES} bytes long`);
    if (bytes > Password.MAX_BYTES) throw new InvalidPassword(`must be at most ${Password.MAX_BYTES} bytes long in UTF-8`);
    return raw;
  },
};

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }
  return bytes;
}
