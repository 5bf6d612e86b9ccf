import { TSchema, Type } from '@sinclair/typebox';
import { Counter } from '../../domain/counter';
import { IssueCount } from '../../domain/sequence';
import { errorsOf, Operation } from './operation';
import { bodySchemas } from './request';
import { OPERATIONS } from './routes';
import { errorDocument, JSON_API_MEDIA_TYPE, MAX_BODY_BYTES } from './schemas';
import { ProblemCode, PROBLEMS } from './problems';

/** The OpenAPI 3.1 document at /openapi.json, generated from the route table. */
const INTRO = `Incrementing integers as a service. Register to get an API key, then each call to \`/v1/next\`
returns the next integer of your own sequence: never the same one twice, never lost once returned.

- **Named sequences** (\`/v1/sequences\`): several per account besides \`default\`, ranges of up to ${IssueCount.MAX} integers in one call,
  exactly-once retries with \`Idempotency-Key\`, and writes conditional on the value with \`If-Match\`.
- **Authenticate** with \`Authorization: Bearer <key>\` (or \`?token=<key>\`, as the original service did).
  Creating a key (logging in) and deleting the account take the password instead: \`Authorization: Basic\` with
  the base64 of \`email:password\` in UTF-8.
- **Values** are integers from 0 to ${Counter.MAX_VALUE} (2^53-1), exact in every JSON client.
- **Bodies** may be JSON, a JSON:API document or a form, of at most ${MAX_BODY_BYTES / 1024} KiB.
- **Errors** are JSON:API error documents with a stable \`code\`; \`source\` names the field, parameter or header at fault.
  An unknown path answers 404 \`not_found\`; a method a path does not take answers 405 \`method_not_allowed\` with \`Allow\`.
- HEAD works wherever GET does, except on \`/v1/next\`; OPTIONS answers with \`Allow\`.`;

const TAGS = [
  { name: 'users', description: 'Accounts and their API keys.' },
  { name: 'counter', description: 'Your default sequence of integers, as the original service had it.' },
  { name: 'sequences', description: 'Named sequences: several per account, ranges in one call, exactly-once retries, conditional writes.' },
  { name: 'operations', description: 'Health checks, metrics and this document, for operators.' },
];

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Every operation the app serves, this document's own included. */
export const API: readonly Operation[] = [
  ...OPERATIONS,
  {
    operationId: 'openApiDocument',
    method: 'get',
    path: '/openapi.json',
    tag: 'operations',
    summary: 'This document',
    description: 'The OpenAPI 3.1 description of the API, generated from the same route table that serves it.',
    auth: 'none',
    responses: {
      200: { description: 'The document.', schema: Type.Object({ openapi: Type.Literal('3.1.0') }), mediaType: 'application/json', example: { openapi: '3.1.0' } },
    },
    errors: [],
    usesStorage: false,
    handle: () => ({ status: 200, body: openApiDocument, type: 'application/json' }),
  },
];

function errorResponses(operation: Operation): Record<string, object> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of errorsOf(operation)) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      status,
      {
        description: `Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
        ...(status === 401
          ? {
              headers: {
                'WWW-Authenticate': {
                  description: '`Bearer` where a key is asked for (`error="invalid_token"` for an unknown key); `Basic realm="increment"` where the password is.',
                  schema: { type: 'string' },
                },
              },
            }
          : {}),
        ...(status === 503 || status === 429 || codes.includes('idempotency_key_in_use')
          ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string' } } } }
          : {}),
        ...(status === 412 ? { headers: { ETag: { description: 'The current value, "<value>": the If-Match a retry may send.', schema: { type: 'string' } } } } : {}),
        content: {
          [JSON_API_MEDIA_TYPE]: {
            schema: plain(errorDocument(status, codes)),
            example: { errors: [{ status: String(status), code: codes[0], title: PROBLEMS[codes[0]].title, detail: `${PROBLEMS[codes[0]].title}.` }] },
          },
        },
      },
    ]),
  );
}

function parameters(operation: Operation): object[] {
  const described = (where: 'path' | 'query' | 'header', fields: Operation['query']) =>
    Object.entries(fields ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || field.required === true,
      description: field.description,
      schema: plain(field.schema),
    }));
  const encoding = operation.body
    ? [{ name: 'Content-Encoding', in: 'header', required: false, description: 'How the body is compressed, if it is.', schema: { enum: ['identity', 'gzip', 'deflate', 'br'] } }]
    : [];
  return [...described('path', operation.params), ...described('query', operation.query), ...described('header', operation.headers), ...encoding];
}

function requestBody(operation: Operation): object | undefined {
  const body = operation.body;
  if (!body) return undefined;
  const { flat, document, attribute } = bodySchemas(body);
  const attributes = Object.entries(body.example).filter(([name]) => name !== body.idField);
  const documentExample = {
    data: {
      type: body.resource,
      ...(body.idField ? { id: body.example[body.idField] } : {}),
      attributes: Object.fromEntries(attributes.map(([name, value]) => [attribute(name), value])),
    },
  };
  const form = Type.Object(Object.fromEntries(Object.entries(body.fields).map(([name, field]) => [name, field.required ? Type.String() : Type.Optional(Type.String())])));
  return {
    required: body.required,
    description: body.description ?? 'Flat JSON, a form, or a JSON:API document.',
    content: {
      // The service reads either shape whichever JSON type it comes as.
      [JSON_API_MEDIA_TYPE]: { schema: plain(Type.Union([document, flat])), example: documentExample },
      'application/json': { schema: plain(Type.Union([flat, document])), example: body.example },
      'application/x-www-form-urlencoded': { schema: plain(form), example: Object.fromEntries(Object.entries(body.example).map(([name, value]) => [name, String(value)])) },
    },
  };
}

function describe(operation: Operation): object {
  const successes = Object.entries(operation.responses).map(([status, response]) => [
    status,
    {
      description: response.description,
      ...(response.headers ? { headers: plain(response.headers) } : {}),
      ...(response.schema
        ? { content: { [response.mediaType ?? JSON_API_MEDIA_TYPE]: { schema: plain(response.schema as TSchema), example: response.example } } }
        : {}),
    },
  ]);
  const parameterList = parameters(operation);
  const body = requestBody(operation);
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    description: operation.description,
    security: SECURITY[operation.auth],
    ...(parameterList.length > 0 ? { parameters: parameterList } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: { ...Object.fromEntries(successes), ...errorResponses(operation) },
  };
}

const SECURITY: Record<Operation['auth'], object[]> = {
  none: [],
  key: [{ bearer: [] }, { token: [] }],
  password: [{ basic: [] }],
  'key-or-password': [{ bearer: [] }, { token: [] }, { basic: [] }],
};

function generate(operations: readonly Operation[]) {
  const paths: Record<string, Record<string, object>> = {};
  for (const operation of operations) (paths[operation.path] ??= {})[operation.method] = describe(operation);
  return {
    openapi: '3.1.0',
    info: { title: 'Increment', version: '1.0.0', summary: 'Incrementing integers as a service.', description: INTRO, license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } },
    servers: [{ url: '/', description: 'This server.' }],
    tags: TAGS,
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
        token: { type: 'apiKey', in: 'query', name: 'token', description: 'The API key as ?token=, as the original service took it; prefer the header.' },
        basic: { type: 'http', scheme: 'basic', description: 'Authorization: Basic base64(email:password), the password of your account, in UTF-8.' },
      },
    },
  };
}

export const openApiDocument = generate(API);
