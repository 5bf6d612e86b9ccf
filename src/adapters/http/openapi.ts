/**
 * The OpenAPI 3.1 description of the HTTP API, served at /openapi.json. The HTTP test suite
 * validates every response it receives against this document, so it cannot drift from the code.
 */
const JSON_API = 'application/vnd.api+json';
const MAX = Number.MAX_SAFE_INTEGER;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function errorResponse(description: string, status: number, codes: string[]) {
  return {
    description: `${description} Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
    content: {
      [JSON_API]: {
        schema: {
          allOf: [ref('ErrorDocument')],
          properties: {
            errors: { items: { properties: { status: { const: String(status) }, code: { enum: codes } } } },
          },
        },
      },
    },
  };
}

const unauthorized = {
  ...errorResponse('No API key, an unknown one, or a malformed Authorization header or token parameter.', 401, [
    'missing_api_key',
    'invalid_api_key',
    'malformed_authorization',
    'malformed_token',
  ]),
  headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Always `Bearer`, with `error="invalid_token"` for an unknown key.' } },
};
const internalError = errorResponse('Unexpected failure; the cause is logged, never sent.', 500, ['internal_error']);
const storageUnavailable = {
  ...errorResponse('The store cannot be reached; retry after Retry-After seconds.', 503, ['storage_unavailable']),
  headers: { 'Retry-After': { schema: { type: 'string' } } },
};
const bodyErrors = {
  '400': errorResponse('The body is not valid JSON, or not compressed as its Content-Encoding says.', 400, [
    'malformed_json',
    'malformed_body',
    'bad_request',
  ]),
  '413': errorResponse('The body is larger than 16 KiB.', 413, ['payload_too_large']),
  '415': errorResponse('The body is not JSON, JSON:API or a form, not UTF-8, or in a Content-Encoding other than gzip, deflate or br.', 415, [
    'unsupported_media_type',
    'unsupported_charset',
    'unsupported_encoding',
  ]),
};

/** A file of the web page at /: served with an ETag, so a revalidation can get 304. */
function pageFile(operationId: string, summary: string, mediaType: string, schema: object = { type: 'string' }) {
  return {
    get: {
      operationId,
      tags: ['pages'],
      summary,
      responses: {
        '200': { description: 'The file.', content: { [mediaType]: { schema } } },
        '304': { description: 'Unchanged since the ETag in If-None-Match.' },
      },
    },
  };
}

const methodNotAllowed = {
  ...errorResponse('The route exists but not for this method; see Allow.', 405, ['method_not_allowed']),
  headers: { Allow: { schema: { type: 'string' } } },
};

const counterOk = { description: 'The counter.', content: { [JSON_API]: { schema: ref('CounterDocument') } } };
const authenticated = [{ bearer: [] }, { token: [] }];

/** Bodies may come compressed; anything but these is refused with 415 unsupported_encoding. */
const contentEncoding = {
  name: 'Content-Encoding',
  in: 'header',
  required: false,
  schema: { enum: ['identity', 'gzip', 'deflate', 'br'] },
  description: 'How the body is compressed, if it is.',
};

function bodyOf(flat: object, document: object, formExample: string) {
  return {
    required: true,
    content: {
      [JSON_API]: { schema: document },
      'application/json': { schema: { oneOf: [flat, document] } },
      'application/x-www-form-urlencoded': { schema: flat, example: formExample },
    },
  };
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Increment',
    version: '1.0.0',
    summary: 'Incrementing integers as a service.',
    description:
      'Register to get an API key; each call to /v1/next returns the next integer of your own sequence. ' +
      `Values are integers from 0 to ${MAX} (2^53-1). Errors are JSON:API error documents with a stable code. ` +
      'A method a route does not take is answered 405 with an Allow header (see x-unmatched-responses); ' +
      'OPTIONS on any route answers 200 with Allow. HEAD works wherever GET does, except on /v1/next.',
  },
  servers: [{ url: '/' }],
  tags: [{ name: 'users' }, { name: 'counter' }, { name: 'operations' }, { name: 'pages' }],
  paths: withHead({
    '/v1/register': {
      post: {
        operationId: 'register',
        tags: ['users'],
        summary: 'Create a user and get an API key (shown this once).',
        parameters: [contentEncoding],
        requestBody: bodyOf(ref('RegisterAttributes'), ref('RegisterDocument'), 'email=ada%40example.com&password=correct+horse'),
        responses: {
          '201': { description: 'Registered.', content: { [JSON_API]: { schema: ref('UserDocument') } } },
          ...bodyErrors,
          '409': errorResponse('The email is registered already, or the JSON:API document has another type.', 409, ['email_taken', 'type_mismatch']),
          '422': errorResponse('A field breaks a rule; source.pointer names it.', 422, ['invalid_email', 'invalid_password', 'invalid_document']),
          '500': internalError,
          '503': storageUnavailable,
        },
      },
    },
    '/v1/next': {
      get: nextOperation('nextInteger'),
      head: {
        operationId: 'nextIntegerHead',
        tags: ['counter'],
        summary: 'Refused: a GET here hands out a number, so a HEAD (sent freely by proxies and monitors) must not.',
        responses: { '405': methodNotAllowed },
      },
      post: {
        ...nextOperation('nextIntegerPost', bodyErrors),
        parameters: [{ $ref: '#/components/parameters/token' }, contentEncoding],
        requestBody: {
          required: false,
          description: 'Optional and ignored; when one is sent it must be a JSON, JSON:API or form body of at most 16 KiB.',
          content: {
            [JSON_API]: { schema: { type: 'object' }, example: {} },
            'application/json': { schema: { type: 'object' }, example: {} },
            'application/x-www-form-urlencoded': { schema: { type: 'object' } },
          },
        },
      },
    },
    '/v1/current': {
      get: {
        operationId: 'currentInteger',
        tags: ['counter'],
        summary: 'Read the current value; changes nothing.',
        security: authenticated,
        parameters: [{ $ref: '#/components/parameters/token' }],
        responses: { '200': counterOk, '401': unauthorized, '500': internalError, '503': storageUnavailable },
      },
      put: {
        operationId: 'resetInteger',
        tags: ['counter'],
        summary: 'Set the current value; the next call to /v1/next returns it plus one.',
        security: authenticated,
        parameters: [{ $ref: '#/components/parameters/token' }, contentEncoding],
        requestBody: bodyOf(ref('ResetAttributes'), ref('ResetDocument'), 'current=1000'),
        responses: {
          '200': counterOk,
          ...bodyErrors,
          '401': unauthorized,
          '409': errorResponse('The JSON:API document has another type.', 409, ['type_mismatch']),
          '422': errorResponse('current is not an integer from 0 to 2^53-1, or the document is malformed.', 422, ['invalid_counter_value', 'invalid_document']),
          '500': internalError,
          '503': storageUnavailable,
        },
      },
    },
    '/health': {
      get: {
        operationId: 'readiness',
        tags: ['operations'],
        summary: 'Readiness: answers 200 when the process and its store answer.',
        responses: {
          '200': { description: 'Ready.', content: { 'application/json': { schema: ref('Health') } } },
          '503': { description: 'Not ready; the failing check is named.', content: { 'application/json': { schema: ref('Health') } } },
          '500': internalError,
        },
      },
    },
    '/health/live': {
      get: {
        operationId: 'liveness',
        tags: ['operations'],
        summary: 'Liveness: answers 200 while the process runs. Never touches the store.',
        responses: {
          '200': {
            description: 'Alive.',
            content: { 'application/json': { schema: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } } },
          },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        tags: ['operations'],
        summary: 'Prometheus metrics in the text exposition format.',
        responses: { '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } }, '500': internalError },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApiDocument',
        tags: ['operations'],
        summary: 'This document.',
        responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
    '/': pageFile('webPage', 'The web page: sign up, see your key once, and drive your counter.', 'text/html'),
    '/app.js': pageFile('webPageScript', 'The web page\'s script.', 'text/javascript'),
    '/app.js.map': pageFile('webPageSourceMap', 'The source map of the web page\'s script.', 'application/json', { type: 'object' }),
    '/app.css': pageFile('webPageStylesheet', 'The web page\'s stylesheet.', 'text/css'),
    '/favicon.svg': pageFile('webPageIcon', 'The web page\'s icon.', 'image/svg+xml'),
    '/docs': {
      get: {
        operationId: 'docsPage',
        tags: ['pages'],
        summary: 'Interactive documentation of this API, served from local files.',
        responses: { '200': { description: 'HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    '/docs/{asset}': {
      get: {
        operationId: 'docsAsset',
        tags: ['pages'],
        summary: 'A script, stylesheet or icon of the documentation page.',
        parameters: [
          { name: 'asset', in: 'path', required: true, schema: { enum: ['init.js', 'swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'] } },
        ],
        responses: {
          '200': {
            description: 'The asset.',
            content: {
              'text/javascript': { schema: { type: 'string' } },
              'text/css': { schema: { type: 'string' } },
              'image/png': { schema: { type: 'string' } },
            },
          },
          '404': errorResponse('No such asset.', 404, ['not_found']),
        },
      },
    },
  }),
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
      token: { type: 'apiKey', in: 'query', name: 'token', description: 'The original service\'s style; prefer the header.' },
    },
    parameters: {
      token: { name: 'token', in: 'query', required: false, schema: { type: 'string' }, description: 'The API key, when not sent as a Bearer token.' },
    },
    schemas: {
      CounterValue: { type: 'integer', minimum: 0, maximum: MAX, description: 'Never rounded: 2^53 and above are refused.' },
      CounterDocument: {
        type: 'object',
        required: ['data'],
        additionalProperties: false,
        properties: {
          data: {
            type: 'object',
            required: ['type', 'id', 'attributes'],
            additionalProperties: false,
            properties: {
              type: { const: 'counters' },
              id: { const: 'default' },
              attributes: { type: 'object', required: ['value'], additionalProperties: false, properties: { value: ref('CounterValue') } },
            },
          },
        },
      },
      UserDocument: {
        type: 'object',
        required: ['data'],
        additionalProperties: false,
        properties: {
          data: {
            type: 'object',
            required: ['type', 'id', 'attributes'],
            additionalProperties: false,
            properties: {
              type: { const: 'users' },
              id: { type: 'string', minLength: 1 },
              attributes: {
                type: 'object',
                required: ['email', 'apiKey'],
                additionalProperties: false,
                properties: {
                  email: { type: 'string', format: 'email', maxLength: 254, description: 'Trimmed and lower-cased.' },
                  apiKey: { type: 'string', pattern: '^inc_[A-Za-z0-9_-]{43}$', description: 'Shown once; store it safely.' },
                },
              },
            },
          },
        },
      },
      RegisterAttributes: {
        type: 'object',
        required: ['email', 'password'],
        properties: {
          email: { type: 'string', maxLength: 254, examples: ['ada@example.com'] },
          password: { type: 'string', description: '8 to 72 bytes of UTF-8.', examples: ['correct horse'] },
        },
      },
      RegisterDocument: {
        type: 'object',
        required: ['data'],
        properties: {
          data: { type: 'object', required: ['type', 'attributes'], properties: { type: { const: 'users' }, attributes: ref('RegisterAttributes') } },
        },
      },
      ResetAttributes: {
        type: 'object',
        required: ['current'],
        properties: {
          current: {
            oneOf: [ref('CounterValue'), { type: 'string', pattern: '^[0-9]+$' }],
            description: 'A whole number, as a number or a string of decimal digits; no fraction or exponent.',
            examples: [1000],
          },
        },
      },
      ResetDocument: {
        type: 'object',
        required: ['data'],
        properties: {
          data: {
            type: 'object',
            required: ['type', 'attributes'],
            properties: {
              type: { const: 'counters' },
              id: { const: 'default' },
              attributes: { type: 'object', required: ['value'], properties: { value: ref('CounterValue') } },
            },
          },
        },
      },
      ErrorDocument: {
        type: 'object',
        required: ['errors'],
        additionalProperties: false,
        properties: {
          errors: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['status', 'code', 'title', 'detail'],
              additionalProperties: false,
              properties: {
                status: { type: 'string', pattern: '^[45][0-9]{2}$' },
                code: { type: 'string' },
                title: { type: 'string' },
                detail: { type: 'string' },
                source: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { pointer: { type: 'string' }, parameter: { type: 'string' }, header: { type: 'string' } },
                },
              },
            },
          },
        },
      },
      Health: {
        type: 'object',
        required: ['status', 'checks'],
        properties: {
          status: { enum: ['ok', 'unavailable'] },
          checks: {
            type: 'object',
            required: ['storage'],
            properties: {
              storage: {
                type: 'object',
                required: ['adapter', 'status'],
                properties: { adapter: { type: 'string' }, status: { enum: ['ok', 'fail'] }, error: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
  /** Answers to requests no operation describes: unknown routes and methods. */
  'x-unmatched-responses': {
    '404': errorResponse('No such route.', 404, ['not_found']),
    '405': methodNotAllowed,
  },
  /** OPTIONS on any route: its methods in Allow, no body. */
  'x-options-responses': {
    '200': { description: 'The methods the route accepts, in the Allow header.', headers: { Allow: { schema: { type: 'string' } } } },
  },
} as const;

function nextOperation(operationId: string, moreResponses: object = {}) {
  return {
    operationId,
    tags: ['counter'],
    summary: 'Atomically increment and return the new value. A new user\'s first call returns 1.',
    security: authenticated,
    parameters: [{ $ref: '#/components/parameters/token' }],
    responses: {
      '200': counterOk,
      '401': unauthorized,
      '409': errorResponse('The counter is at 2^53-1; reset it to continue.', 409, ['sequence_exhausted']),
      '500': internalError,
      '503': storageUnavailable,
      ...moreResponses,
    },
  };
}

type Operation = { operationId: string; tags: readonly string[]; summary: string; responses: Record<string, { description: string; headers?: object }> };

/**
 * HEAD wherever GET is, as the router answers it: the same statuses and headers, no body.
 * Routes that refuse HEAD (/v1/next) or describe their own keep theirs.
 */
function withHead<Paths extends Record<string, object>>(paths: Paths): Paths {
  const described: Record<string, object> = {};
  for (const [template, item] of Object.entries(paths) as Array<[string, { get?: Operation; head?: Operation }]>) {
    if (!item.get || item.head) {
      described[template] = item;
      continue;
    }
    const { operationId, tags, summary, responses, ...rest } = item.get;
    const headers = Object.fromEntries(
      Object.entries(responses).map(([status, { description, headers }]) => [status, { description, ...(headers ? { headers } : {}) }]),
    );
    const head = { ...rest, operationId: `${operationId}Head`, tags, summary: `Headers only: ${summary[0].toLowerCase()}${summary.slice(1)}`, responses: headers };
    described[template] = { ...item, head };
  }
  return described as Paths;
}
