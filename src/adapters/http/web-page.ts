import { send } from '@koa/send';
import Router from '@koa/router';
import { Middleware } from 'koa';
import conditional from 'koa-conditional-get';
import etag from '@koa/etag';
import helmet from 'koa-helmet';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The sign-up and dashboard page at / and the interactive docs at /docs, served as static files
 * from dist/web (built by `npm run build`) and from swagger-ui-dist. Not part of the API: they
 * are clients of it, like any other.
 */
const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']);

/** Only this origin, and no inline script or style: an injected tag could run nothing. */
const PAGE_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
const pageHeaders = (directives: Record<string, string[]>) =>
  // TLS and its HSTS policy belong to whoever terminates TLS in front of the service.
  helmet({ contentSecurityPolicy: { useDefaults: false, directives }, xFrameOptions: { action: 'deny' }, strictTransportSecurity: false });
// Swagger UI sets styles from script and shows data: images, so the docs allow those two.
const DOCS_POLICY = { ...PAGE_POLICY, imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"] };

const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=()';
/** RFC 9239's type for scripts; the mime table still says application/javascript. */
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8' };

export interface WebPage {
  readonly folder: string;
  /** The files of the page itself, served at /<name> (index.html at /). */
  readonly files: readonly string[];
}

export class WebPageNotBuilt extends Error {
  constructor(folder: string, missing: string) {
    super(`The web page is not built: ${folder} lacks ${missing}. Run "npm run build".`);
    this.name = 'WebPageNotBuilt';
  }
}

/** Checks the build at start-up, so a missing one stops the service with a clear message. */
export function loadWebPage(folder: string): WebPage {
  for (const required of ['index.html', 'app.js', 'docs/index.html']) {
    if (!existsSync(path.join(folder, required))) throw new WebPageNotBuilt(folder, required);
  }
  const files = readdirSync(folder).filter((name) => statSync(path.join(folder, name)).isFile());
  return { folder, files };
}

function serve(root: string, headers: Middleware, cacheControl: string): (file: string) => Middleware[] {
  return (file) => [
    headers,
    conditional(),
    // size-mtime, like nginx's: strong, since a new build writes new files.
    etag({ weak: false }),
    async (ctx) => {
      ctx.set('Permissions-Policy', PERMISSIONS_POLICY);
      ctx.set('Cache-Control', cacheControl);
      await send(ctx, file, { root });
      ctx.type = TYPES[path.extname(file)] ?? ctx.type;
    },
  ];
}

export function webPageRoutes(router: Router, page: WebPage): void {
  // Revalidated on every load, so a new release shows at once; unchanged files cost a 304.
  const pageFile = serve(page.folder, pageHeaders(PAGE_POLICY), 'no-cache');
  router.get('/', ...pageFile('index.html'));
  for (const file of page.files) if (file !== 'index.html') router.get(`/${file}`, ...pageFile(file));

  const docsHeaders = pageHeaders(DOCS_POLICY);
  const docsFile = serve(path.join(page.folder, 'docs'), docsHeaders, 'no-cache');
  const swaggerFile = serve(SWAGGER_UI, docsHeaders, 'public, max-age=86400');
  router.get('/docs', ...docsFile('index.html'));
  router.get('/docs/init.js', ...docsFile('init.js'));
  for (const asset of SWAGGER_ASSETS) router.get(`/docs/${asset}`, ...swaggerFile(asset));
}
