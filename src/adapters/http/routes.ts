import { Type } from '@sinclair/typebox';
import { ApiKey } from '../../domain/api-key';
import { etagOf, expectedValues, withConditions } from './conditions';
import { KEY_OPERATIONS } from './key-routes';
import { Operation } from './operation';
import { CounterDocument, CounterIssueDocument, CounterValueInput, EmailInput, ETagHeader, HealthDocument, PasswordInput, UserDocument } from './schemas';
import {
  countBody,
  countOf,
  countQuery,
  IDEMPOTENCY_ERRORS,
  idempotencyHeader,
  ifMatchHeader,
  issueReply,
  replayedHeader,
  SEQUENCE_OPERATIONS,
} from './sequence-routes';

/**
 * The route table: every operation of the API, declared once. The Koa routes, the request
 * validation and the OpenAPI document at /openapi.json are all derived from it. A new route is
 * a new entry here, with its use case in HttpDependencies (operation.ts).
 */
const PLAIN_JSON = 'application/json';
const counterResource = (value: number) => ({ type: 'counters', id: 'default', attributes: { value } });
/** /v1/current answers with the value as its ETag, for an If-Match on PUT. */
const counterReply = (value: number) => ({ status: 200, body: { data: counterResource(value) }, headers: { ETag: etagOf(value) } });
const counterResponse = (description: string) => ({ 200: { description, schema: CounterDocument, example: counterReply(42).body, headers: { ETag: ETagHeader } } });

const EXAMPLE_KEY = `${ApiKey.PREFIX}${'Xb3k'.repeat(10)}Q2w`;

const next = (method: 'get' | 'post'): Operation => ({
  operationId: method === 'get' ? 'nextInteger' : 'nextIntegerPost',
  method,
  path: '/v1/next',
  tag: 'counter',
  summary: method === 'get' ? 'Hand out the next integer' : 'Hand out the next integer (POST)',
  description:
    'Atomically adds one to your default sequence and returns the new value. A new account\'s first call returns 1. ' +
    'The number is on disk before the reply leaves, and no other call ever gets it. With `count` a contiguous range of that many ' +
    'is handed out (all or nothing); `meta.issued` names it. With Idempotency-Key a retry returns the same range again instead of a new one.' +
    (method === 'get'
      ? ' HEAD is refused (405), so a probe cannot use up a number.'
      : ' The body is optional (`count` may be given there instead); when one is sent it is read like any other, so a bad one uses up nothing.'),
  auth: 'key',
  refusesHead: method === 'get',
  query: countQuery,
  headers: idempotencyHeader,
  // The example sends no count, as the original clients do: one integer. The field documents count.
  body: method === 'post' ? { resource: 'counters', required: false, fields: countBody, example: {} } : undefined,
  responses: {
    200: {
      description: 'The value handed out (the range\'s last integer), and the range.',
      schema: CounterIssueDocument,
      example: { data: counterResource(52), meta: { issued: { first: 43, last: 52, count: 10 } } },
      headers: replayedHeader,
    },
  },
  errors: ['sequence_exhausted', ...IDEMPOTENCY_ERRORS],
  usesStorage: true,
  async handle(request, { nextInteger }) {
    const next = { count: countOf(request), idempotencyKey: request.headers['Idempotency-Key'] as string | undefined };
    const issue = await withConditions(() => nextInteger.execute(request.userId, next));
    return issueReply(issue, counterResource(issue.sequence.value));
  },
});

export const OPERATIONS: readonly Operation[] = [
  {
    operationId: 'register',
    method: 'post',
    path: '/v1/register',
    tag: 'users',
    summary: 'Create an account',
    description: 'Registers an email and a password and returns an API key. The key is shown this once: store it safely.',
    auth: 'none',
    body: {
      resource: 'users',
      required: true,
      fields: {
        email: { schema: EmailInput, code: 'invalid_email', required: true },
        password: { schema: PasswordInput, code: 'invalid_password', required: true },
      },
      example: { email: 'ada@example.com', password: 'correct horse' },
    },
    responses: {
      201: {
        description: 'Registered. The reply carries the API key, once.',
        schema: UserDocument,
        example: { data: { type: 'users', id: '4b0c7d5e-2f6a-4c1b-9a53-0e8f1c2d3b4a', attributes: { email: 'ada@example.com', apiKey: EXAMPLE_KEY } } },
      },
    },
    errors: ['email_taken', 'too_many_requests'],
    outcome: 'registration',
    usesStorage: true,
    async handle({ body, clientAddress }, { registerUser }) {
      const { user, apiKey } = await registerUser.execute({ email: body.email, password: body.password }, clientAddress);
      return { status: 201, body: { data: { type: 'users', id: user.id, attributes: { email: user.email, apiKey } } } };
    },
  },
  ...KEY_OPERATIONS,
  next('get'),
  next('post'),
  {
    operationId: 'currentInteger',
    method: 'get',
    path: '/v1/current',
    tag: 'counter',
    summary: 'Read the current value',
    description: 'Returns the last value handed out (or set) of your default sequence, and the same as its ETag; changes nothing.',
    auth: 'key',
    responses: counterResponse('The current value.'),
    errors: [],
    usesStorage: true,
    async handle({ userId }, { currentInteger }) {
      return counterReply((await currentInteger.execute(userId)).value);
    },
  },
  {
    operationId: 'resetInteger',
    method: 'put',
    path: '/v1/current',
    tag: 'counter',
    summary: 'Set the current value',
    description:
      'Sets the value; the next call to /v1/next returns it plus one. With If-Match, only if the value is still the one named: compared and written in one step.',
    auth: 'key',
    headers: ifMatchHeader,
    body: {
      resource: 'counters',
      id: Type.Literal('default'),
      required: true,
      fields: {
        current: {
          schema: CounterValueInput,
          code: 'invalid_counter_value',
          required: true,
          attribute: 'value',
          hint: 'must be a whole number from 0 to 9007199254740991 written in decimal digits',
        },
      },
      example: { current: 1000 },
    },
    responses: counterResponse('The value now set.'),
    errors: ['precondition_failed'],
    outcome: 'reset',
    usesStorage: true,
    async handle({ userId, body, headers }, { resetInteger }) {
      const expected = expectedValues(headers['If-Match']);
      // A JSON number arrives here only as a safe integer (request.ts), so its decimal text is exact.
      return counterReply((await withConditions(() => resetInteger.execute(userId, String(body.current), { expected }))).value);
    },
  },
  ...SEQUENCE_OPERATIONS,
  {
    operationId: 'readiness',
    method: 'get',
    path: '/health',
    tag: 'operations',
    summary: 'Readiness',
    description: 'Answers 200 when the process and its store answer, 503 naming the failing check otherwise.',
    auth: 'none',
    responses: {
      200: { description: 'Ready.', schema: HealthDocument, mediaType: PLAIN_JSON, example: { status: 'ok', checks: { storage: { adapter: 'sqlite', status: 'ok' } } } },
      503: { description: 'Not ready.', schema: HealthDocument, mediaType: PLAIN_JSON, example: { status: 'unavailable', checks: { storage: { adapter: 'mongodb', status: 'fail', error: 'MongoServerSelectionError' } } } },
    },
    errors: [],
    usesStorage: false,
    async handle(_request, { checkHealth }) {
      const { healthy, storage } = await checkHealth.execute();
      return { status: healthy ? 200 : 503, body: { status: healthy ? 'ok' : 'unavailable', checks: { storage } }, type: PLAIN_JSON };
    },
  },
  {
    operationId: 'liveness',
    method: 'get',
    path: '/health/live',
    tag: 'operations',
    summary: 'Liveness',
    description: 'Answers 200 while the process runs. Never touches the store.',
    auth: 'none',
    responses: { 200: { description: 'Alive.', schema: Type.Object({ status: Type.Literal('ok') }), mediaType: PLAIN_JSON, example: { status: 'ok' } } },
    errors: [],
    usesStorage: false,
    handle: () => ({ status: 200, body: { status: 'ok' }, type: PLAIN_JSON }),
  },
  {
    operationId: 'metrics',
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    description: 'Request durations by route, business counters, storage latency and process metrics, in the text exposition format.',
    auth: 'none',
    responses: { 200: { description: 'Metrics.', schema: Type.String(), mediaType: 'text/plain', example: 'increment_integers_issued_total 42\n' } },
    errors: [],
    usesStorage: false,
    async handle(_request, { metrics }) {
      return { status: 200, body: await metrics.metrics(), type: metrics.contentType };
    },
  },
];
