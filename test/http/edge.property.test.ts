import { expect } from 'chai';
import fc from 'fast-check';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Operation } from '../../src/adapters/http/operation';
import { OPERATIONS } from '../../src/adapters/http/routes';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { User } from '../../src/domain/user';
import { TOKENS } from '../../src/infrastructure/tokens';
import { bearer, registerUser, startTestServer, TestServer } from '../support/test-server';

/**
 * The HTTP edge under arbitrary input: every operation that takes a body or a query gets
 * arbitrary JSON values, forms, media types and encodings, and valid bodies with one field
 * broken. Whatever comes in, the answer is never a 5xx, it is a document the OpenAPI document
 * allows (the test client checks every reply), and a refusal changes nothing.
 * A fixed seed keeps runs repeatable; FC_RUNS raises their number.
 */
const RUNS = Number(process.env.FC_RUNS ?? 150);
const SEED = Number(process.env.FC_SEED ?? 20261124);

class CountedUsers extends InMemoryUserRepository {
  count = 0;

  override async add(user: User): Promise<void> {
    await super.add(user);
    this.count += 1;
  }
}

const withInput = OPERATIONS.filter((operation) => operation.body !== undefined || operation.query !== undefined);
const withBody = withInput.filter((operation) => operation.body !== undefined);
const withQuery = withInput.filter((operation) => operation.query !== undefined);

const MEDIA_TYPES = [
  'application/json',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
];
const ENCODINGS = ['identity', 'gzip', 'deflate', 'br', 'zzz', 'gzip-garbage'];

function encode(bytes: Buffer, encoding: string): { body: Buffer; header?: string } {
  switch (encoding) {
    case 'gzip':
      return { body: gzipSync(bytes), header: 'gzip' };
    case 'deflate':
      return { body: deflateSync(bytes), header: 'deflate' };
    case 'br':
      return { body: brotliCompressSync(bytes), header: 'br' };
    case 'zzz':
      return { body: bytes, header: 'zzz' };
    case 'gzip-garbage':
      return { body: bytes, header: 'gzip' };
    default:
      return { body: bytes };
  }
}

/** A value of any JSON type, numbers written in every way a client might. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('1e3', '1000.0', '9007199254740992', '-1', '-0', '0x10', ' 5', '５').map((text) => ({ raw: text })),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ maxLength: 300 }),
);

/** JSON text with raw number lexemes spliced in where asked. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (isRaw(inner) ? `\u0000${inner.raw}\u0000` : inner)).replace(/"\\u0000(.*?)\\u0000"/g, '$1');
}

function isRaw(value: unknown): value is { raw: string } {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 1 && typeof (value as { raw?: unknown }).raw === 'string';
}

/** A valid body of the operation (flat or JSON:API) with one field replaced by anything. */
function brokenBody(operation: Operation) {
  const fields = Object.keys(operation.body!.fields);
  return fc.record({
    field: fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('anything'),
    value: anyValue,
    asDocument: fc.boolean(),
    missing: fc.boolean(),
  }).map(({ field, value, asDocument, missing }) => {
    const flat: Record<string, unknown> = { ...operation.body!.example };
    if (missing) delete flat[field];
    else flat[field] = value;
    if (!asDocument) return flat;
    const attribute = (name: string) => operation.body!.fields[name]?.attribute ?? name;
    return { data: { type: operation.body!.resource, attributes: Object.fromEntries(Object.entries(flat).map(([name, inner]) => [attribute(name), inner])) } };
  });
}

function formText(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  return Object.entries(value)
    .map(([name, inner]) => `${encodeURIComponent(name)}=${encodeURIComponent(isRaw(inner) ? inner.raw : typeof inner === 'object' ? JSON.stringify(inner) : String(inner))}`)
    .join('&');
}

describe('the HTTP edge under arbitrary input (property-based)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let users: CountedUsers;
  let key: string;

  before(async () => {
    users = new CountedUsers();
    server = await startTestServer({ customize: (container) => container.rebind(TOKENS.UserRepository).toConstantValue(users) });
    key = await registerUser(server);
  });

  after(() => server.stop());

  const current = async () => (await server.http.get('/v1/current', { headers: bearer(key) })).body.data.attributes.value as number;

  it('covers every operation that takes a body or a query', () => {
    expect(withInput.map((operation) => operation.operationId)).to.include.members(['register', 'nextIntegerPost', 'resetInteger']);
  });

  /** Sends to the operation and holds the reply to the document; a refusal must change nothing. */
  const sendTo = async (operation: Operation, path: string, body: Buffer | undefined, headers: Record<string, string>) => {
    const usersBefore = users.count;
    const valueBefore = await current();
    // The test client checks the reply against the OpenAPI document, and fails on any mismatch.
    const reply = await server.http.send(operation.method.toUpperCase(), path, {
      headers: { ...(operation.auth === 'key' ? bearer(key) : {}), ...headers },
      body,
    });
    expect(reply.status, reply.text).to.be.below(500);
    expect(reply.headers['content-type']).to.equal('application/vnd.api+json');
    if (reply.status >= 400) {
      expect(reply.body.errors[0].status).to.equal(String(reply.status));
      expect(users.count, 'a refusal registered nobody').to.equal(usersBefore);
      expect(await current(), 'a refusal moved no counter').to.equal(valueBefore);
    }
  };

  for (const operation of withQuery) {
    it(`${operation.method.toUpperCase()} ${operation.path}: answers arbitrary query values with a documented 2xx or 4xx, and refusals change nothing`, async () => {
      const names = Object.keys(operation.query!);
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...names), fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('0', '1', '200', '201', '1000000', '1000001', '1e3', '5.0', '-1', 'a.b', 'Default'))), async (values) => {
          const query = Object.entries(values).map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
          await sendTo(operation, `${operation.path.replace('{name}', 'default')}?${query}`, undefined, {});
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }

  for (const operation of withBody) {
    describe(`${operation.method.toUpperCase()} ${operation.path}`, () => {
      const send = (body: Buffer, headers: Record<string, string>) => sendTo(operation, operation.path, body, headers);

      it('answers arbitrary bodies in arbitrary media types and encodings with a documented 2xx or 4xx, and refusals change nothing', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              anyValue.map(jsonText).map((text) => Buffer.from(text)),
              fc.dictionary(fc.string({ maxLength: 12 }), anyValue).map((fields) => Buffer.from(formText(fields))),
              // Bytes that need not be UTF-8 at all.
              fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
            ),
            fc.constantFrom(...MEDIA_TYPES),
            fc.constantFrom(...ENCODINGS),
            async (bytes, mediaType, encoding) => {
              const { body, header } = encode(bytes, encoding);
              await send(body, { ...(mediaType ? { 'Content-Type': mediaType } : {}), ...(header ? { 'Content-Encoding': header } : {}) });
            },
          ),
          { numRuns: RUNS, seed: SEED },
        );
      });

      it('answers valid bodies with one field broken or missing, as JSON, JSON:API or a form, and refusals change nothing', async () => {
        await fc.assert(
          fc.asyncProperty(brokenBody(operation), fc.constantFrom('json', 'document', 'form'), async (document, as) => {
            const form = as === 'form' && !('data' in document);
            const text = form ? formText(document) : jsonText(document);
            const type = form ? 'application/x-www-form-urlencoded' : as === 'document' ? 'application/vnd.api+json' : 'application/json';
            await send(Buffer.from(text), { 'Content-Type': type });
          }),
          { numRuns: RUNS, seed: SEED },
        );
      });
    });
  }
});
