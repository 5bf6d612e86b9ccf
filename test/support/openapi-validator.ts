import Ajv2020 from 'ajv/dist/2020';
import { AssertionError } from 'node:assert';
import { openApiDocument } from '../../src/adapters/http/openapi';

type Document = Record<string, any>;

export interface ObservedResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly text: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks a response against the OpenAPI document: the status is declared for that
 * operation, the content type is the declared one, and the body matches its schema.
 * Requests no operation describes (unknown routes and methods) must get one of the
 * document's x-unmatched-responses, or for OPTIONS its x-options-responses.
 */
export function createOpenApiValidator(document: Document = openApiDocument as Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(document, 'openapi');
  // As @koa/router matches them: any letter case, an optional trailing slash.
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\/$/, '').split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+')}/?$`, 'i'),
  }));

  return function validate(response: ObservedResponse): void {
    const path = new URL(response.path, 'http://localhost').pathname;
    const match = templates.find(({ pattern }) => pattern.test(path));
    const method = response.method.toLowerCase();
    const operation = match ? document.paths[match.template][method] : undefined;
    const status = String(response.status);
    let pointer: string;
    let declared: Document | undefined;
    if (operation) {
      declared = operation.responses[status];
      pointer = `#/paths/${escape(match!.template)}/${method}/responses/${status}`;
    } else {
      const unmatched = method === 'options' && status === '200' ? 'x-options-responses' : 'x-unmatched-responses';
      declared = document[unmatched][status];
      pointer = `#/${unmatched}/${status}`;
    }
    const where = `${response.method} ${path} → ${status}`;
    if (!declared) throw new AssertionError({ message: `OpenAPI: ${where} is not a declared response (${pointer})` });
    if (response.method === 'HEAD' || !declared.content) return;
    const mediaType = response.contentType?.split(';')[0].trim();
    const content = mediaType ? declared.content[mediaType] : undefined;
    if (!content) {
      throw new AssertionError({
        message: `OpenAPI: ${where} has Content-Type ${mediaType}, declared ${Object.keys(declared.content).join(', ')}`,
      });
    }
    const body = mediaType!.includes('json') ? response.body : response.text;
    const check = ajv.getSchema(`openapi${pointer}/content/${escape(mediaType!)}/schema`) ?? ajv.compile({ $ref: `openapi${pointer}/content/${escape(mediaType!)}/schema` });
    if (!check(body)) {
      throw new AssertionError({ message: `OpenAPI: ${where} body does not match its schema: ${ajv.errorsText(check.errors)}` });
    }
  };
}

/** The one validator the test suites share: every reply any HTTP test receives goes through it. */
export const conformsToOpenApi = createOpenApiValidator();
