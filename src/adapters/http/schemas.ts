import { TSchema, Type } from '@sinclair/typebox';
import { ApiKey } from '../../domain/api-key';
import { Counter } from '../../domain/counter';
import { Email, Password } from '../../domain/user';
import type { ProblemCode } from './problems';

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

export const UserDocument = resourceDocument('users', Type.String({ minLength: 1 }), {
  email: Type.String({ format: 'email', maxLength: Email.MAX_LENGTH, description: 'Trimmed and lower-cased.' }),
  apiKey: ApiKeyValue,
});

/** A JSON:API error document; narrowed to one status and its codes where an operation declares them. */
export function errorDocument(status?: number, codes?: readonly ProblemCode[]) {
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
