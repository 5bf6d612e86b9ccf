import bodyParser from 'koa-bodyparser';
import { Context, Middleware, Next } from 'koa';
import { Readable } from 'node:stream';
import { HttpError } from './http-error';
import { JSON_API_MEDIA_TYPE } from './json-api';
import { JsonNumber, parseJson } from './json-body';

export const MAX_BODY = '16kb';
const JSON_TYPES = ['application/json', JSON_API_MEDIA_TYPE];
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Reads a JSON or form body of at most 16 KiB into ctx.state.body. koa-bodyparser
 * handles limits, charsets and compression; JSON arrives as text so that parseJson
 * can keep numbers as written.
 */
export function readBody(): Middleware {
  const parser = bodyParser({
    enableTypes: ['form', 'text'],
    extendTypes: { text: JSON_TYPES },
    formLimit: MAX_BODY,
    textLimit: MAX_BODY,
  });
  return async (ctx: Context, next: Next) => {
    const type = ctx.request.is(...JSON_TYPES, FORM_TYPE);
    // Some clients (node:http among them) send a POST without a body as an empty chunked body
    // with no Content-Type: that is no body, not one in an unsupported type.
    if (type === false && ctx.get('Content-Type') === '' && (await isEmpty(ctx.req))) {
      ctx.state.body = {};
      return next();
    }
    if (type === false) {
      throw new HttpError(
        415,
        'unsupported_media_type',
        'Unsupported media type',
        `Send the body as ${JSON_API_MEDIA_TYPE}, application/json or ${FORM_TYPE}.`,
        { header: 'Content-Type' },
      );
    }
    const charset = ctx.request.charset.toLowerCase();
    if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
      throw new HttpError(415, 'unsupported_charset', 'Unsupported charset', 'Send the body in UTF-8.', { header: 'Content-Type' });
    }
    await parser(ctx, async () => {}).catch((error: unknown) => {
      throw bodyReadError(error);
    });
    const raw: unknown = ctx.request.body;
    ctx.state.body = type === FORM_TYPE || type === null ? raw : parseJsonBody(String(raw));
    await next();
  };
}

/** Resolves true when the stream ends without a byte; stops reading at the first byte. */
function isEmpty(stream: Readable): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      stream.pause();
      stream.off('data', onData);
      resolve(false);
    };
    stream.on('data', onData);
    stream.once('end', () => resolve(true));
    stream.once('error', reject);
  });
}

/**
 * Decompression failures are the client's: an encoding we do not know (inflation answers 415
 * but does not mark it for clients) or bytes that are not what Content-Encoding says (zlib).
 */
function bodyReadError(error: unknown): unknown {
  const { status, code } = error as { status?: unknown; code?: unknown };
  if (status === 415) {
    return new HttpError(415, 'unsupported_encoding', 'Unsupported content encoding', 'Send the body uncompressed or as gzip, deflate or br.', {
      header: 'Content-Encoding',
    });
  }
  if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR_FORMAT') || code.startsWith('ERR_BROTLI'))) {
    return new HttpError(400, 'malformed_body', 'Malformed body', 'The body is not compressed as its Content-Encoding says.', {
      header: 'Content-Encoding',
    });
  }
  return error;
}

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return parseJson(text);
  } catch {
    throw new HttpError(400, 'malformed_json', 'Malformed JSON', 'The request body is not valid JSON.');
  }
}

/**
 * Picks the named fields out of the body, whether it is flat ({"email": ...}, or a form)
 * or a JSON:API document ({"data": {"type": ..., "attributes": {...}}}). `attributes` maps
 * each field to its JSON:API attribute name. Records where each field came from, so
 * that an error about it can point there.
 */
export function readFields<Field extends string>(
  ctx: Context,
  resourceType: string,
  attributes: Record<Field, string>,
): Record<Field, unknown> {
  const body: unknown = ctx.state.body;
  if (!isObject(body)) throw invalidDocument('', 'The request body must be an object.');
  const fields = {} as Record<Field, unknown>;
  const pointers: Record<string, string> = {};
  const names = Object.keys(attributes) as Field[];
  if (!Object.hasOwn(body, 'data')) {
    for (const field of names) {
      fields[field] = own(body, field);
      pointers[field] = `/${field}`;
    }
  } else {
    const data = body.data;
    if (!isObject(data)) throw invalidDocument('/data', 'data must be a resource object.');
    if (typeof data.type !== 'string') throw invalidDocument('/data/type', 'data.type must be a string.');
    if (data.type !== resourceType) {
      throw new HttpError(409, 'type_mismatch', 'Resource type mismatch', `data.type must be "${resourceType}".`, {
        pointer: '/data/type',
      });
    }
    // JSON:API lets a document leave attributes out, but not send them as null.
    const given = Object.hasOwn(data, 'attributes') ? data.attributes : {};
    if (!isObject(given)) throw invalidDocument('/data/attributes', 'data.attributes must be an object.');
    for (const field of names) {
      fields[field] = own(given, attributes[field]);
      pointers[field] = `/data/attributes/${attributes[field]}`;
    }
  }
  ctx.state.fieldPointers = pointers;
  return fields;
}

function invalidDocument(pointer: string, detail: string): HttpError {
  return new HttpError(422, 'invalid_document', 'Invalid document', detail, { pointer });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
