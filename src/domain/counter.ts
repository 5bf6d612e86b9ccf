import { InvalidCounterValue } from './errors';

/**
 * A user's sequence of integers. Values stay within 0..2^53-1 so that every
 * JSON client can represent them exactly.
 */
export const Counter = {
  MIN_VALUE: 0,
  MAX_VALUE: Number.MAX_SAFE_INTEGER,
  /** The value of a sequence nobody has touched: its first `next` is 1. */
  INITIAL_VALUE: 0,

  /**
   * Parses a value written in plain decimal digits ("1000"). Anything else —
   * a sign, a fraction, an exponent, spaces — is refused rather than rounded.
   */
  parse(decimal: string, field?: string): number {
    if (!/^[0-9]+$/.test(decimal)) {
      throw new InvalidCounterValue(
        `must be a whole number from ${Counter.MIN_VALUE} to ${Counter.MAX_VALUE} written in decimal digits`,
        field,
      );
    }
    // BigInt keeps 2^53 and above exact, so they are refused instead of rounded.
    if (BigInt(decimal) > BigInt(Counter.MAX_VALUE)) {
      throw new InvalidCounterValue(`must not exceed ${Counter.MAX_VALUE}`, field);
    }
    return Number(decimal);
  },
};
