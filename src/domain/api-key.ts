import { InvalidLabel } from './errors';
import { UserId } from './user';

/** The shape every issued API key has, and the limits on a user's keys. */
export const ApiKey = {
  PREFIX: 'inc_',
  SHAPE: /^inc_[A-Za-z0-9_-]{43}$/,
  /** A user holds 1 to this many keys. */
  MAX_PER_USER: 20,
  /** How many characters after `inc_` are shown, so a person can tell keys apart in their records. */
  VISIBLE_CHARACTERS: 8,
  /** lastUsedAt is written at most this often per key, never on every request. */
  LAST_USED_PRECISION_MS: 60_000,

  isWellFormed(candidate: string): boolean {
    return ApiKey.SHAPE.test(candidate);
  },

  /** The non-secret part of a key: its first characters after `inc_`. */
  prefixOf(key: string): string {
    return key.slice(ApiKey.PREFIX.length, ApiKey.PREFIX.length + ApiKey.VISIBLE_CHARACTERS);
  },
};

export interface IssuedApiKey {
  /** A fresh id for the key's record; not secret. */
  readonly id: string;
  /** Shown to the user once, never stored. */
  readonly key: string;
  readonly digest: string;
}

/** A key as stored: everything about it except the key itself. */
export interface ApiKey {
  readonly id: string;
  readonly userId: UserId;
  readonly label: string | null;
  /**
   * ApiKey.prefixOf the key. Null for a key issued before keys had prefixes (only its digest
   * was kept), until its next use fills it in.
   */
  readonly prefix: string | null;
  /** SHA-256 digest of the key; the key itself is never stored. */
  readonly digest: string;
  readonly createdAt: Date;
  /** May lag up to ApiKey.LAST_USED_PRECISION_MS behind the last use. */
  readonly lastUsedAt: Date | null;
}

// A lone surrogate cannot be stored as UTF-8: MongoDB and SQLite would each change it differently.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL_CHARACTER = /\p{Cc}/u;
const FORMAT_CHARACTER = /\p{Cf}/u;

export const ApiKeyLabel = {
  MIN_LENGTH: 1,
  MAX_LENGTH: 64,

  /**
   * A label is optional: absent (undefined or null) gives null. Present, it must be 1 to 64
   * characters (code points, as a person counts them) without control characters.
   */
  parse(raw: unknown): string | null {
    if (raw === undefined || raw === null) return null;
    if (typeof raw !== 'string') throw new InvalidLabel('must be a string');
    const length = [...raw].length;
    if (length < ApiKeyLabel.MIN_LENGTH) throw new InvalidLabel(`must be at least ${ApiKeyLabel.MIN_LENGTH} character long`);
    if (length > ApiKeyLabel.MAX_LENGTH) throw new InvalidLabel(`must be at most ${ApiKeyLabel.MAX_LENGTH} characters long`);
    if (CONTROL_CHARACTER.test(raw)) throw new InvalidLabel('must not contain control characters (such as line breaks or tabs)');
    // Zero-width and direction-changing characters would let a label look like another one.
    if (FORMAT_CHARACTER.test(raw)) throw new InvalidLabel('must not contain invisible formatting characters (such as a right-to-left override)');
    if (raw.trim() === '') throw new InvalidLabel('must not be blank');
    if (LONE_SURROGATE.test(raw)) throw new InvalidLabel('must be valid Unicode text');
    return raw;
  },
};
