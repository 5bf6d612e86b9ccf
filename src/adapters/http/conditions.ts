import { Counter } from '../../domain/counter';
import { IdempotencyKeyInUse, PreconditionFailed } from '../../domain/errors';
import { refuse } from './problems';

/** A value as a strong entity tag: the tag is the value itself, so a client can tell it at a glance. */
export function etagOf(value: number): string {
  return `"${value}"`;
}

/** One entity tag of an If-Match list (RFC 9110 §8.8.3): W/ for weak, then the opaque tag in quotes. */
const ENTITY_TAG = /[ \t]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)/y;
/** The tags this service sends: values in plain decimal, so "05" is another tag than "5". */
const VALUE_TAG = /^(?:0|[1-9][0-9]*)$/;

/**
 * The values an If-Match header lets a write go ahead on: undefined for none given or `*` (any
 * value). A tag that is weak (W/"5") or names no value this service could hold never matches:
 * If-Match compares strongly, and this service sends only strong tags. A header that is no
 * list of entity tags is refused, rather than read as a condition nothing meets.
 */
export function expectedValues(header: unknown): readonly number[] | undefined {
  if (header === undefined || (typeof header === 'string' && header.trim() === '*')) return undefined;
  const text = String(header).trim();
  const malformed = () =>
    refuse('malformed_if_match', 'If-Match must be * or a list of quoted entity tags, such as "42" or "41", "42".', { header: 'If-Match' });
  if (text === '') throw malformed();
  const values: number[] = [];
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < text.length) {
    const tag = ENTITY_TAG.exec(text);
    if (!tag) throw malformed();
    const [, weak, opaque] = tag;
    if (!weak && VALUE_TAG.test(opaque) && BigInt(opaque) <= BigInt(Counter.MAX_VALUE)) values.push(Number(opaque));
  }
  return values;
}

/**
 * Runs a write and turns the domain's refusals that carry a header into HTTP ones: a failed
 * condition answers 412 with the value's current ETag, a key still in use 409 with Retry-After.
 */
export async function withConditions<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof PreconditionFailed) {
      throw refuse('precondition_failed', error.message, { header: 'If-Match' }, { ETag: etagOf(error.current) });
    }
    if (error instanceof IdempotencyKeyInUse) {
      throw refuse('idempotency_key_in_use', error.message, { header: 'Idempotency-Key' }, { 'Retry-After': String(error.retryAfterSeconds) });
    }
    throw error;
  }
}
