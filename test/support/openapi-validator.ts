import Ajv2020 from 'ajv/dist/2020';
import { AssertionError } from 'node:assert';
import { parse as parseQuery } from 'qs';
import { openApiDocument } from '../../src/adapters/http/openapi';
import { ErrorDocument } from '../../src/adapters/http/schemas';

type Document = Record<string, any>;

export interface ObservedExchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly text: string;
  /** What was sent, when known: its body is checked against the operation's request schema. */
  readonly request?: { readonly contentType?: string; readonly body?: string | Buffer };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
/** The page and the docs are clients of the API, served as files, and not part of its document. */
const PAGE_FILE = /^\/(?:[\w.-]+\.\w+|docs(?:\/[\w.-]+)?)?$/;
const CODE_OF_STATUS: Record<number, string> = { 404: 'not_found', 405: 'method_not_allowed', 413: 'payload_too_large' };

/**
 * Checks an exchange against the OpenAPI document: the status is declared for that operation,
 * the content type is the declared one, and the body matches its schema. A request whose body
 * breaks the operation's request schema must not succeed. Requests no operation describes
 * (unknown routes and methods) must get a JSON:API error with the code of their status.
 */
export function createOpenApiValidator(document: Document = openApiDocument as Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(document, 'openapi');
  const errorDocument = ajv.compile(JSON.parse(JSON.stringify(ErrorDocument)));
  const schemaAt = (pointer: string) => ajv.getSchema(`openapi${pointer}`) ?? ajv.compile({ $ref: `openapi${pointer}` });
  // As @koa/router matches them: any letter case, an optional trailing slash.
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\/$/, '').split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+')}/?$`, 'i'),
  }));

  return function validate(exchange: ObservedExchange): void {
    const path = new URL(exchange.path, 'http://localhost').pathname;
    const match = templates.find(({ pattern }) => pattern.test(path));
    const method = exchange.method.toLowerCase();
    const operationMethod = method === 'head' && match && !document.paths[match.template].head ? 'get' : method;
    const operation = match ? document.paths[match.template][operationMethod] : undefined;
    const status = String(exchange.status);
    const where = `${exchange.method} ${path} → ${status}`;
    if (!operation) {
      checkUnmatched(exchange, path, where);
      return;
    }
    const pointer = `#/paths/${escape(match!.template)}/${operationMethod}`;
    const declared = operation.responses[status];
    // A 405 belongs to no operation: a GET that refuses HEAD answers it like an unknown method.
    if (!declared && exchange.status === 405) {
      checkUnmatched(exchange, path, where);
      return;
    }
    if (!declared) throw new AssertionError({ message: `OpenAPI: ${where} is not a declared response (${pointer}/responses/${status})` });
    if (exchange.status < 300) checkRequest(exchange, operation, pointer, where);
    if (exchange.method === 'HEAD' || !declared.content) return;
    const mediaType = exchange.contentType?.split(';')[0].trim();
    if (!mediaType || !declared.content[mediaType]) {
      throw new AssertionError({ message: `OpenAPI: ${where} has Content-Type ${mediaType}, declared ${Object.keys(declared.content).join(', ')}` });
    }
    const check = schemaAt(`${pointer}/responses/${status}/content/${escape(mediaType)}/schema`);
    if (!check(mediaType.includes('json') ? exchange.body : exchange.text)) {
      throw new AssertionError({ message: `OpenAPI: ${where} body does not match its schema: ${ajv.errorsText(check.errors)}` });
    }
  };

  /** A request the document calls invalid must not be served as if it were valid. */
  function checkRequest(exchange: ObservedExchange, operation: Document, pointer: string, where: string): void {
    const sent = exchange.request?.body;
    if (!operation.requestBody || sent === undefined || sent.length === 0) return;
    const mediaType = exchange.request?.contentType?.split(';')[0].trim().toLowerCase() ?? '';
    if (!operation.requestBody.content[mediaType]) return;
    let body: unknown;
    try {
      const text = sent.toString();
      body = mediaType.includes('json') ? JSON.parse(text) : parseQuery(text, { allowDots: true });
    } catch {
      return;
    }
    const check = schemaAt(`${pointer}/requestBody/content/${escape(mediaType)}/schema`);
    if (!check(body)) {
      throw new AssertionError({ message: `OpenAPI: ${where} served a request body its schema refuses: ${ajv.errorsText(check.errors)}` });
    }
  }

  function checkUnmatched(exchange: ObservedExchange, path: string, where: string): void {
    const method = exchange.method;
    if (method === 'OPTIONS' && exchange.status === 200) return;
    if ((method === 'GET' || method === 'HEAD') && (exchange.status === 200 || exchange.status === 304) && PAGE_FILE.test(path)) return;
    const code = CODE_OF_STATUS[exchange.status];
    if (!code) throw new AssertionError({ message: `OpenAPI: ${where} is not a declared response (no operation; only 404, 405 and 413 may answer)` });
    if (method === 'HEAD') return;
    const check = errorDocument;
    const body = exchange.body as { errors?: Array<{ code?: string; status?: string }> } | undefined;
    if (!check(body) || body?.errors?.[0]?.code !== code || body.errors[0].status !== String(exchange.status)) {
      throw new AssertionError({ message: `OpenAPI: ${where} must be a JSON:API error with code ${code}: ${exchange.text.slice(0, 200)}` });
    }
  }
}

/** The one validator the test suites share: every reply any HTTP test receives goes through it. */
export const conformsToOpenApi = createOpenApiValidator();
