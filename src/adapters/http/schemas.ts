import { TSchema, Type } from '@sinclair/typebox';
import { ApiKey, ApiKeyLabel } from '../../domain/api-key';
import { Counter } from '../../domain/counter';
import { IdempotencyKey, IssueCount, SequenceName, SequencePage } from '../../domain/sequence';
import { Email, Password } from '../../domain/user';

/**
 * JSON Schemas (TypeBox) of what the API reads and sends. Every limit comes from the domain,
 * which stays the authority: these mirror its rules for the document and for the validator.
 */
export const JSON_API_MEDIA_TYPE = 'application/vnd.api+json';
/** The largest body any operation takes. */
export const MAX_BODY_BYTES = 16 * 1024;

export const CounterValue = Type.Integer({
  minimum: Counter.MIN_VALUE,
  maximum: Counter.MAX_VALUE,
  description: `An integer from ${Counter.MIN_VALUE} to ${Counter.MAX_VALUE} (2^53-1). Never rounded: larger values are refused.`,
});

/** As clients send it: a JSON number, or decimal digits in a string or a form field. No sign, fraction or exponent. */
export const CounterValueInput = Type.Union([CounterValue, Type.String({ pattern: '^[0-9]+$' })], {
  description: 'A whole number, as a JSON number or a string of decimal digits; no fraction, exponent or sign.',
  examples: [1000],
});

export const EmailInput = Type.String({
  maxLength: Email.MAX_LENGTH,
  description: 'An email address; trimmed and lower-cased before use.',
  examples: ['ada@example.com'],
});

/** JSON Schema counts characters, the domain counts UTF-8 bytes: the schema bounds what any byte count allows. */
export const PasswordInput = Type.String({
  minLength: Math.ceil(Password.MIN_BYTES / 4),
  maxLength: Password.MAX_BYTES,
  description: `${Password.MIN_BYTES} to ${Password.MAX_BYTES} bytes of UTF-8 (bcrypt reads no more).`,
  examples: ['correct horse'],
});

export const ApiKeyValue = Type.String({
  pattern: ApiKey.SHAPE.source,
  description: 'The API key. Shown once; store it safely.',
  examples: [`${ApiKey.PREFIX}${'x'.repeat(43)}`],
});

/** A JSON:API top-level document whose primary data is one resource of `type` with `attributes`. */
export function resourceDocument(type: string, id: TSchema, attributes: Record<string, TSchema>) {
  return Type.Object(
    {
      data: Type.Object(
        { type: Type.Literal(type), id, attributes: Type.Object(attributes, { additionalProperties: false }) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  );
}

export const CounterDocument = resourceDocument('counters', Type.Literal('default'), { value: CounterValue });

/** What /v1/next answers: the counter as the call left it, and the range it handed out. */
export const IssuedRange = Type.Object(
  {
    first: CounterValue,
    last: CounterValue,
    count: Type.Integer({ minimum: IssueCount.MIN, maximum: IssueCount.MAX }),
  },
  { additionalProperties: false, description: 'The integers handed out: first..last, count of them.' },
);

export const CounterIssueDocument = Type.Object(
  { data: CounterDocument.properties.data, meta: Type.Object({ issued: IssuedRange }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export const SequenceNameValue = Type.String({
  pattern: SequenceName.PATTERN,
  maxLength: SequenceName.MAX_LENGTH,
  description: `1 to ${SequenceName.MAX_LENGTH} characters of a-z, 0-9, "_", "." and "-", starting with a letter or digit.`,
  examples: ['orders'],
});

const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
  description: 'null only for a default sequence nothing has written since named sequences came (never used, or last written by an older release).',
});

export const SequenceResource = Type.Object(
  {
    type: Type.Literal('sequences'),
    id: SequenceNameValue,
    attributes: Type.Object({ value: CounterValue, createdAt: Timestamp, updatedAt: Timestamp }, { additionalProperties: false }),
    links: Type.Object({ self: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const SequenceDocument = Type.Object({ data: SequenceResource }, { additionalProperties: false });

export const SequenceIssueDocument = Type.Object(
  { data: SequenceResource, meta: Type.Object({ issued: IssuedRange }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export const SequenceListDocument = Type.Object(
  {
    data: Type.Array(SequenceResource, { maxItems: SequencePage.MAX_SIZE }),
    links: Type.Object(
      { self: Type.String(), next: Type.Optional(Type.String({ description: 'The next page, while more remain.' })) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** Query parameters arrive as text; the domain checks their range, so the rule is written once. */
const Digits = (description: string, examples: string[]) => Type.String({ pattern: '^[0-9]+$', description, examples });

export const CountParameter = Digits(`How many consecutive integers to hand out, ${IssueCount.MIN} to ${IssueCount.MAX}; 1 when absent.`, ['10']);

/** In a body: a JSON number, or decimal digits in a string or a form field. */
export const CountInput = Type.Union([Type.Integer({ minimum: IssueCount.MIN, maximum: IssueCount.MAX }), Type.String({ pattern: '^[0-9]+$' })], {
  description: `How many consecutive integers to hand out, ${IssueCount.MIN} to ${IssueCount.MAX}; 1 when absent. May be given in the query instead.`,
  examples: [10],
});

export const PageSizeParameter = Digits(`Sequences per page, ${SequencePage.MIN_SIZE} to ${SequencePage.MAX_SIZE}; ${SequencePage.DEFAULT_SIZE} when absent.`, ['50']);

export const IdempotencyKeyHeader = Type.String({
  pattern: IdempotencyKey.PATTERN,
  minLength: IdempotencyKey.MIN_LENGTH,
  maxLength: IdempotencyKey.MAX_LENGTH,
  description:
    `1 to ${IdempotencyKey.MAX_LENGTH} visible ASCII characters naming this request, such as a UUID. The same key with the same sequence and count ` +
    `returns the same range again (with Idempotent-Replayed: true) and hands out nothing new; kept at least ${IdempotencyKey.RETENTION_MS / 3_600_000} h, per account.`,
  examples: ['8e0f5b8c-4a7e-4d1e-9c53-2f7d0c6a1b90'],
});

export const IfMatchHeader = Type.String({
  description:
    'Write only if the value is still one of these: `"1000"`, a list `"41", "42"`, or `*` for any. ' +
    'Weak tags (W/"5") never match, as RFC 9110 compares If-Match strongly. Otherwise 412 with the current ETag, and nothing changes.',
  examples: ['"42"'],
});

export const ETagHeader = { description: 'The value as a strong entity tag: "<value>". Send it back in If-Match.', schema: Type.String({ examples: ['"42"'] }) as TSchema };

export const UserDocument = resourceDocument('users', Type.String({ minLength: 1 }), {
  email: Type.String({ maxLength: Email.MAX_LENGTH, description: 'Trimmed, NFC-normalised and lower-cased; may hold non-ASCII letters.' }),
  apiKey: ApiKeyValue,
});

export const LabelInput = Type.String({
  minLength: ApiKeyLabel.MIN_LENGTH,
  maxLength: ApiKeyLabel.MAX_LENGTH,
  description: `A name for the key, ${ApiKeyLabel.MIN_LENGTH} to ${ApiKeyLabel.MAX_LENGTH} characters without control characters, such as "ci" or "laptop". Optional.`,
  examples: ['ci'],
});

const Instant = Type.String({ format: 'date-time', description: 'An instant, in ISO 8601 UTC.' });

/** What anyone may see of a key: never the key itself, nor its digest. */
const keyAttributes = {
  label: Type.Union([Type.String({ maxLength: ApiKeyLabel.MAX_LENGTH }), Type.Null()], { description: 'The label given at creation, or null.' }),
  prefix: Type.Union([Type.String({ pattern: `^[A-Za-z0-9_-]{${ApiKey.VISIBLE_CHARACTERS}}$` }), Type.Null()], {
    description: `The first ${ApiKey.VISIBLE_CHARACTERS} characters after ${ApiKey.PREFIX}, to recognise the key by. Null for a key issued before keys had prefixes, until its next use.`,
  }),
  createdAt: Instant,
  lastUsedAt: Type.Union([Instant, Type.Null()], {
    description: `The last use, to within ${ApiKey.LAST_USED_PRECISION_MS / 1000} s (it is written at most that often), or null if never used.`,
  }),
};

const KeyId = Type.String({ minLength: 1, description: 'The id of the key, for revoking it.' });

export const KeyDocument = resourceDocument('keys', KeyId, { ...keyAttributes, apiKey: ApiKeyValue });

export const KeyListDocument = Type.Object(
  {
    data: Type.Array(
      Type.Object({ type: Type.Literal('keys'), id: KeyId, attributes: Type.Object(keyAttributes, { additionalProperties: false }) }, { additionalProperties: false }),
      { maxItems: ApiKey.MAX_PER_USER, description: 'Newest first.' },
    ),
  },
  { additionalProperties: false },
);

/** A JSON:API error document; narrowed to one status and its codes where an operation declares them. */
export function errorDocument(status?: number, codes?: readonly string[]) {
  return Type.Object(
    {
      errors: Type.Array(
        Type.Object(
          {
            status: status === undefined ? Type.String({ pattern: '^[45][0-9]{2}$' }) : Type.Literal(String(status)),
            code: codes ? Type.Union(codes.map((code) => Type.Literal(code)), { description: 'Stable; clients may rely on it.' }) : Type.String(),
            title: Type.String(),
            detail: Type.String(),
            source: Type.Optional(
              Type.Object(
                { pointer: Type.Optional(Type.String()), parameter: Type.Optional(Type.String()), header: Type.Optional(Type.String()) },
                { additionalProperties: false, description: 'The field (JSON pointer), query parameter or header at fault.' },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
    },
    { additionalProperties: false },
  );
}

export const ErrorDocument = errorDocument();

export const HealthDocument = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Object({
    storage: Type.Object({
      adapter: Type.String(),
      status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]),
      error: Type.Optional(Type.String()),
    }),
  }),
});
