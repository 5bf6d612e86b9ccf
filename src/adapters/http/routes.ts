import { Type } from '@sinclair/typebox';
import { ApiKey } from '../../domain/api-key';
import { Operation } from './operation';
import { CounterDocument, CounterValueInput, EmailInput, HealthDocument, PasswordInput, UserDocument } from './schemas';

/**
 * The route table: every operation of the API, declared once. The Koa routes, the request
 * validation and the OpenAPI document at /openapi.json are all derived from it. A new route is
 * a new entry here, with its use case in HttpDependencies (operation.ts).
 */
const PLAIN_JSON = 'application/json';
const counterReply = (value: number, issued?: number) => ({ status: 200, body: { data: { type: 'counters', id: 'default', attributes: { value } } }, issued });
const counterResponse = (description: string) => ({ 200: { description, schema: CounterDocument, example: counterReply(42).body } });

const EXAMPLE_KEY = `${ApiKey.PREFIX}${'Xb3k'.repeat(10)}Q2w`;

const next = (method: 'get' | 'post'): Operation => ({
  operationId: method === 'get' ? 'nextInteger' : 'nextIntegerPost',
  method,
  path: '/v1/next',
  tag: 'counter',
  summary: method === 'get' ? 'Hand out the next integer' : 'Hand out the next integer (POST)',
  description:
    'Atomically adds one to your sequence and returns the new value. A new account\'s first call returns 1. ' +
    'The number is on disk before the reply leaves, and no other call ever gets it.' +
    (method === 'get'
      ? ' HEAD is refused (405), so a probe cannot use up a number.'
      : ' The body is optional and ignored; when one is sent it is read like any other, so a bad one uses up nothing.'),
  auth: 'key',
  refusesHead: method === 'get',
  body: method === 'post' ? { resource: 'counters', required: false, fields: {}, example: {} } : undefined,
  responses: counterResponse('The value handed out.'),
  errors: ['sequence_exhausted'],
  usesStorage: true,
  async handle({ userId }, { nextInteger }) {
    return counterReply((await nextInteger.execute(userId)).sequence.value, 1);
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
    errors: ['email_taken'],
    outcome: 'registration',
    usesStorage: true,
    async handle({ body }, { registerUser }) {
      const { user, apiKey } = await registerUser.execute({ email: body.email, password: body.password });
      return { status: 201, body: { data: { type: 'users', id: user.id, attributes: { email: user.email, apiKey } } } };
    },
  },
  next('get'),
  next('post'),
  {
    operationId: 'currentInteger',
    method: 'get',
    path: '/v1/current',
    tag: 'counter',
    summary: 'Read the current value',
    description: 'Returns the last value handed out (or set); changes nothing.',
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
    description: 'Sets the value; the next call to /v1/next returns it plus one.',
    auth: 'key',
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
    errors: [],
    outcome: 'reset',
    usesStorage: true,
    async handle({ userId, body }, { resetInteger }) {
      // A JSON number arrives here only as a safe integer (request.ts), so its decimal text is exact.
      return counterReply((await resetInteger.execute(userId, String(body.current))).value);
    },
  },
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
