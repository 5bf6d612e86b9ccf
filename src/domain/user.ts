import { InvalidEmail, InvalidPassword } from './errors';

export type UserId = string;

export interface User {
  readonly id: UserId;
  /** Normalised (trimmed, lower-case); unique across users. */
  readonly email: string;
  readonly passwordHash: string;
  readonly createdAt: Date;
}

const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
const EMAIL_SHAPE = /^[^\s@"(),:;<>[\\\]]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

export const Email = {
  MAX_LENGTH: MAX_EMAIL_LENGTH,

  /** Returns the normalised address, or throws InvalidEmail saying what is wrong. */
  parse(raw: unknown): string {
    if (raw === undefined || raw === null) throw new InvalidEmail('is required');
    if (typeof raw !== 'string') throw new InvalidEmail('must be a string');
    const email = raw.trim().toLowerCase();
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
