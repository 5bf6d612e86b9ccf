import Router from '@koa/router';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from './openapi';

/**
 * GET /openapi.json and interactive docs at /docs, rendered by Swagger UI from the
 * swagger-ui-dist package on local disk: no CDN, and no inline script, so the page
 * runs under a strict Content-Security-Policy.
 */
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Increment API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', tryItOutEnabled: true, persistAuthorization: false, validatorUrl: null });\n`;

// Swagger UI sets styles from script and shows data: images, so those two are allowed.
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function docsRoutes(router: Router): void {
  const serialisedDocument = JSON.stringify(openApiDocument);

  router.get('/openapi.json', (ctx) => {
    ctx.body = serialisedDocument;
    ctx.type = 'application/json';
  });

  router.get('/docs', (ctx) => {
    ctx.set('Content-Security-Policy', DOCS_CSP);
    ctx.body = PAGE;
    ctx.type = 'text/html; charset=utf-8';
  });

  router.get('/docs/init.js', (ctx) => {
    ctx.body = INIT;
    ctx.type = 'text/javascript; charset=utf-8';
  });

  router.get('/docs/:asset', (ctx, next) => {
    const type = ASSETS[ctx.params.asset];
    if (!type) return next();
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = createReadStream(path.join(SWAGGER_UI_DIR, ctx.params.asset));
    ctx.type = type;
  });
}
