import { Counter } from './counter';
import { InvalidCount, InvalidIdempotencyKey, InvalidPageSize, InvalidSequenceName } from './errors';

/**
 * One of an account's named sequences of integers. Every account has `default`, the one
 * /v1/next and /v1/current serve; it exists before anything was ever stored for it.
 */
export interface Sequence {
  readonly name: string;
  /** The last integer handed out (or set); the next `next` returns value + 1. */
  readonly value: number;
  /**
   * When the sequence was created and last written. null only for an account's `default`
   * that nothing has written since sequences gained timestamps: never used, or last written
   * by a release (or a rolling-upgrade replica) that stored a bare counter.
   */
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
}

/** A contiguous range handed out by one `next`: first..last, count integers. */
export interface IssuedRange {
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

const NAME_MAX_LENGTH = 64;
const NAME_PATTERN = `^[a-z0-9][a-z0-9_.-]{0,${NAME_MAX_LENGTH - 1}}$`;
const NAME_SHAPE = new RegExp(NAME_PATTERN);

export const SequenceName = {
  /** As a string, so schemas (JSON Schema `pattern`) can state the very same rule. */
  PATTERN: NAME_PATTERN,
  MAX_LENGTH: NAME_MAX_LENGTH,
  DEFAULT: 'default',
  RULE: `must be 1 to ${NAME_MAX_LENGTH} characters of a-z, 0-9, "_", "." and "-", starting with a letter or digit`,

  /** Returns the name unchanged, or throws InvalidSequenceName. Upper case is refused, not folded. */
  parse(raw: unknown, field = 'name'): string {
    if (raw === undefined || raw === null || raw === '') throw new InvalidSequenceName('is required', field);
    if (typeof raw !== 'string') throw new InvalidSequenceName('must be a string', field);
    if (!NAME_SHAPE.test(raw)) throw new InvalidSequenceName(SequenceName.RULE, field);
    return raw;
  },
};

export const Sequences = {
  /** How many sequences (`default` included) an account may hold unless MAX_SEQUENCES says otherwise. */
  DEFAULT_MAX_PER_ACCOUNT: 1000,

  /** An account's `default` before anything was stored for it. */
  untouchedDefault(): Sequence {
    return { name: SequenceName.DEFAULT, value: Counter.INITIAL_VALUE, createdAt: null, updatedAt: null };
  },
};

/** Keyset pagination of an account's sequences by name. */
export const SequencePage = {
  MIN_SIZE: 1,
  MAX_SIZE: 200,
  DEFAULT_SIZE: 50,

  parseSize(raw: number | undefined): number {
    if (raw === undefined) return SequencePage.DEFAULT_SIZE;
    if (!Number.isInteger(raw) || raw < SequencePage.MIN_SIZE || raw > SequencePage.MAX_SIZE) {
      throw new InvalidPageSize(`must be a whole number from ${SequencePage.MIN_SIZE} to ${SequencePage.MAX_SIZE}`);
    }
    return raw;
  },
};

const COUNT_MAX = 1_000_000;

/** How many integers one `next` hands out. */
export const IssueCount = {
  MIN: 1,
  MAX: COUNT_MAX,
  DEFAULT: 1,
  RULE: `must be a whole number from 1 to ${COUNT_MAX} written in decimal digits`,

  /** Parses plain decimal digits ("250"); a sign, fraction or exponent is refused rather than rounded. */
  parse(decimal: string): number {
    // At most 7 digits before Number(), so a long string of digits is refused, not rounded.
    if (!/^[0-9]{1,7}$/.test(decimal) || Number(decimal) < IssueCount.MIN || Number(decimal) > IssueCount.MAX) {
      throw new InvalidCount(IssueCount.RULE);
    }
    return Number(decimal);
  },
};

const KEY_MAX_LENGTH = 255;
/** Visible ASCII (VCHAR, %x21-7E): no spaces, no control characters, nothing a proxy might re-encode. */
const KEY_PATTERN = `^[\\x21-\\x7E]{1,${KEY_MAX_LENGTH}}$`;
const KEY_SHAPE = new RegExp(KEY_PATTERN);

/** The caller's name for one logical `next`, so that its retries hand out nothing new. */
export const IdempotencyKey = {
  MIN_LENGTH: 1,
  MAX_LENGTH: KEY_MAX_LENGTH,
  PATTERN: KEY_PATTERN,
  RULE: `must be 1 to ${KEY_MAX_LENGTH} visible ASCII characters (no spaces)`,
  /** Keys are remembered at least this long; stores may keep them longer. */
  RETENTION_MS: 24 * 60 * 60 * 1000,

  parse(raw: string): string {
    if (raw.length === 0) throw new InvalidIdempotencyKey('must not be empty');
    if (raw.length > KEY_MAX_LENGTH) throw new InvalidIdempotencyKey(`must be at most ${KEY_MAX_LENGTH} characters`);
    if (!KEY_SHAPE.test(raw)) throw new InvalidIdempotencyKey('must be visible ASCII characters only (no spaces)');
    return raw;
  },
};
