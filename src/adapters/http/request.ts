import { TSchema, Type } from '@sinclair/typebox';
import Ajv2020, { ErrorObject as AjvError, ValidateFunction } from 'ajv/dist/2020';
import { Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import { parse as parseLosslessJson } from 'lossless-json';
import qs from 'qs';
import getRawBody from 'raw-body';
import { Body, Field, Operation, Request } from './operation';
import { ErrorSource, refuse } from './problems';
import { JSON_API_MEDIA_TYPE, MAX_BODY_BYTES } from './schemas';

/** Reads and validates what an operation takes. Each validator is compiled once, at start-up. */
/** Deeper nesting than any document of this API has is refused before any recursive parse. */
export const MAX_JSON_DEPTH = 32;
const JSON_TYPES = ['application/json', JSON_API_MEDIA_TYPE];
const FORM_TYPE = 'application/x-www-form-urlencoded';
const ajv = new Ajv2020({ allErrors: false, strict: true, strictTypes: false, validateFormats: false });
const utf8 = new TextDecoder('utf-8', { fatal: true });

// koa-bodyparser (co-body, raw-body, inflation) enforces the limit after decompression and
// refuses unknown encodings; `encoding: null` hands over raw bytes, so that bytes which are not
// UTF-8 are refused here instead of being replaced by U+FFFD and stored.
const readRawBody = bodyParser({
  enableTypes: ['text'],
  extendTypes: { text: [...JSON_TYPES, FORM_TYPE] },
  textLimit: String(MAX_BODY_BYTES),
  encoding: null as unknown as string,
});

export interface ReadRequest {
  /** All but who asks: the caller is authenticated once the whole request is read. */
  readonly request: Omit<Request, 'userId'>;
  /**
   * Where an input was in the request, for errors about it: a body field's pointer (flat or
   * inside a JSON:API document) when the body gave it, else the query or path parameter, or
   * the header, of that name.
   */
  sourceOf(field: string): ErrorSource | undefined;
}

export type RequestReader = (ctx: Context) => Promise<ReadRequest>;

export function requestReader(operation: Operation): RequestReader {
  const params = fieldsValidator(operation.params, 'parameter');
  const query = fieldsValidator(operation.query, 'parameter');
  const headers = fieldsValidator(operation.headers, 'header', (name) => name.toLowerCase());
  const body = operation.body ? bodyValidator(operation.body) : undefined;
  const elsewhere = (field: string): ErrorSource | undefined => {
    if (Object.hasOwn(operation.query ?? {}, field) || Object.hasOwn(operation.params ?? {}, field)) return { parameter: field };
    const header = Object.keys(operation.headers ?? {}).find((name) => name.toLowerCase() === field.toLowerCase());
    return header === undefined ? undefined : { header };
  };
  return async (ctx) => {
    // Koa parses the query string on first use of ctx.query: an operation that takes no
    // parameters (GET /v1/next) never pays for it.
    const request = {
      clientAddress: ctx.ip,
      params: params === NOTHING ? {} : params(ctx.params ?? {}),
      query: query === NOTHING ? {} : query(ctx.query),
      headers: headers === NOTHING ? {} : headers(ctx.headers),
      body: {} as Record<string, unknown>,
    };
    if (!body) return { request, sourceOf: elsewhere };
    const { values, isDocument } = body(await readBody(ctx));
    const { fields, idField } = operation.body!;
    const pointer = (field: string) =>
      !isDocument ? `/${field}` : field === idField ? '/data/id' : `/data/attributes/${fields[field].attribute ?? field}`;
    request.body = values;
    return {
      request,
      sourceOf: (field) => (Object.hasOwn(fields, field) && values[field] !== undefined ? { pointer: pointer(field) } : elsewhere(field)),
    };
  };
}

const NOTHING = (): Record<string, unknown> => ({});

function fieldsValidator(
  fields: Operation['query'] | undefined,
  kind: 'parameter' | 'header',
  nameIn: (name: string) => string = (name) => name,
): (values: Record<string, unknown>) => Record<string, unknown> {
  if (!fields) return NOTHING;
  const names = Object.keys(fields);
  const schema = Type.Object(Object.fromEntries(names.map((name) => [nameIn(name), optionality(fields[name])])));
  const validate = ajv.compile(schema);
  const byKey = new Map(names.map((name) => [`/${nameIn(name)}`, { name, field: fields[name] }]));
  const keys = names.map(nameIn);
  const anyRequired = names.some((name) => fields[name].required);
  return (values) => {
    // Most requests give none of them (next without count or Idempotency-Key): nothing to check or copy.
    if (!anyRequired && keys.every((key) => values[key] === undefined)) return {};
    if (!validate(values)) {
      const { pointer, error } = firstError(validate);
      const found = byKey.get(pointer)!;
      throw refuse(found.field.code, `${found.name} ${found.field.hint ?? describe(error)}`, { [kind]: found.name } as ErrorSource);
    }
    const picked: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i += 1) picked[names[i]] = values[keys[i]];
    return picked;
  };
}

/** The two shapes a body may take: flat (JSON or form), or a JSON:API document. The document shows the same. */
export function bodySchemas(spec: Body) {
  const names = Object.keys(spec.fields);
  const attribute = (name: string) => spec.fields[name].attribute ?? name;
  const fields = (nameOf: (name: string) => string, only: string[]) =>
    Type.Object(Object.fromEntries(only.map((name) => [nameOf(name), optionality(spec.fields[name])])));
  // A field given as the document's `data.id` (a sequence's name) is not among its attributes.
  const idField = spec.idField === undefined ? undefined : spec.fields[spec.idField];
  const id: Record<string, TSchema> = idField ? { id: optionality(idField) } : spec.id ? { id: Type.Optional(spec.id) } : {};
  const attributes = fields(attribute, names.filter((name) => name !== spec.idField));
  const data = Type.Object({ type: Type.Literal(spec.resource), ...id, attributes: Type.Optional(attributes) });
  return { flat: fields((name) => name, names), document: Type.Object({ data }), attribute };
}

function bodyValidator(spec: Body): (raw: unknown) => { values: Record<string, unknown>; isDocument: boolean } {
  const { flat, document, attribute } = bodySchemas(spec);
  const validators = { flat: ajv.compile(flat), document: ajv.compile(document) };
  const fieldAt = new Map(
    Object.keys(spec.fields).flatMap((name) => [[`/${name}`, name], [name === spec.idField ? '/data/id' : `/data/attributes/${attribute(name)}`, name]]),
  );
  return (raw) => {
    const isDocument = isObject(raw) && Object.hasOwn(raw, 'data');
    const validate = isDocument ? validators.document : validators.flat;
    if (!validate(raw)) {
      const { pointer, error } = firstError(validate);
      const name = fieldAt.get(pointer);
      if (name !== undefined) throw refuse(spec.fields[name].code, `${name} ${spec.fields[name].hint ?? describe(error)}`, { pointer });
      if (pointer === '/data/type' && typeof (raw as { data: { type: unknown } }).data.type === 'string') {
        throw refuse('type_mismatch', `data.type must be "${spec.resource}".`, { pointer });
      }
      throw refuse('invalid_document', `${pointer === '' ? 'The body' : pointer} ${describe(error)}.`, { pointer });
    }
    const data = isDocument ? (raw as { data: { id?: unknown; attributes?: Record<string, unknown> } }).data : undefined;
    const valueOf = (name: string) => (!data ? (raw as Record<string, unknown>)[name] : name === spec.idField ? data.id : data.attributes?.[attribute(name)]);
    return { values: Object.fromEntries(Object.keys(spec.fields).map((name) => [name, valueOf(name)])), isDocument };
  };
}

function optionality(field: Field): TSchema {
  return field.required ? field.schema : Type.Optional(field.schema);
}

/** The first error, and the JSON pointer of what it is about (for a missing member, that member). */
function firstError(validate: ValidateFunction): { pointer: string; error: AjvError } {
  const error = validate.errors![0];
  const pointer = error.keyword === 'required' ? `${error.instancePath}/${String(error.params.missingProperty)}` : error.instancePath;
  return { pointer, error };
}

function describe(error: AjvError): string {
  const { keyword, params } = error;
  if (keyword === 'required') return 'is required';
  if (keyword === 'type') return `must be ${String(params.type).replace(/^(integer|object|array)/, 'an $1').replace(/^(string|number|boolean|null)/, 'a $1')}`;
  if (keyword === 'const') return `must be ${JSON.stringify(params.allowedValue)}`;
  return error.message ?? 'is not valid';
}

/** The body as a JSON value, a form's fields, or {} when there is none. */
async function readBody(ctx: Context): Promise<unknown> {
  const type = ctx.request.is(...JSON_TYPES, FORM_TYPE);
  // null: the request has no body at all (no Content-Length, no Transfer-Encoding), as curl -X POST sends.
  if (type === null) return {};
  // Some clients (node:http among them) send a POST without a body as an empty chunked body
  // with no Content-Type: that is no body, not one in an unsupported type.
  if (type === false && ctx.get('Content-Type') === '' && (await getRawBody(ctx.req, { limit: MAX_BODY_BYTES })).length === 0) return {};
  if (type === false) {
    throw refuse('unsupported_media_type', `Send the body as ${JSON_API_MEDIA_TYPE}, application/json or ${FORM_TYPE}.`, { header: 'Content-Type' });
  }
  const charset = ctx.request.charset.toLowerCase();
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    throw refuse('unsupported_charset', 'Send the body in UTF-8.', { header: 'Content-Type' });
  }
  await readRawBody(ctx, async () => {}).catch((error: unknown) => {
    throw decompressionError(error);
  });
  const bytes = ctx.request.body as Buffer;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw refuse('malformed_body', 'The body is not valid UTF-8.');
  }
  if (type === FORM_TYPE) return qs.parse(text, { allowDots: true, depth: MAX_JSON_DEPTH });
  return parseJson(text);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw refuse('invalid_document', `The body nests deeper than ${MAX_JSON_DEPTH} levels.`, { pointer: '' });
  }
  try {
    return parseLosslessJson(text, undefined, exactNumber);
  } catch {
    throw refuse('malformed_json', 'The request body is not valid JSON.');
  }
}

/**
 * JSON.parse turns 1e3 and 1000.0 into 1000 and 9007199254740993 into 9007199254740992. Only
 * numbers written as plain safe integers become numbers; any other becomes NaN, which no schema
 * takes (Ajv's strict numbers), so it is refused instead of rounded.
 */
function exactNumber(lexeme: string): number {
  return /^(?:0|-?[1-9][0-9]{0,15})$/.test(lexeme) && Number.isSafeInteger(Number(lexeme)) ? Number(lexeme) : Number.NaN;
}

/** The deepest nesting of arrays and objects, counted without recursion (strings are skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x7d || char === 0x5d) depth -= 1;
  }
  return deepest;
}

/** An encoding nobody knows, or bytes that are not what Content-Encoding says: the client's fault (zlib's and brotli's codes). */
function decompressionError(error: unknown): unknown {
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (status === 415) {
    return refuse('unsupported_encoding', 'Send the body uncompressed or as gzip, deflate or br.', { header: 'Content-Encoding' });
  }
  if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR_FORMAT') || code.startsWith('ERR_BROTLI'))) {
    return refuse('malformed_body', 'The body is not compressed as its Content-Encoding says.', { header: 'Content-Encoding' });
  }
  return error;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
