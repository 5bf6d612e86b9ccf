import Router from '@koa/router';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The sign-up and dashboard page at /, built into dist/web by `npm run build`. A single-page
 * app that talks to the public API like any client; this adapter only serves its files.
 */
const FILES: ReadonlyArray<{ route: string; file: string; type: string }> = [
  { route: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { route: '/app.js.map', file: 'app.js.map', type: 'application/json; charset=utf-8' },
  { route: '/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
  { route: '/favicon.svg', file: 'favicon.svg', type: 'image/svg+xml' },
];

/**
 * Only this origin, and no inline script or style: an injected tag could run nothing.
 * The API's own responses keep their stricter `default-src 'none'` (see the error middleware).
 */
const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

interface PageFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

export type WebPage = ReadonlyMap<string, PageFile>;

export class WebPageNotBuilt extends Error {
  constructor(folder: string, cause: unknown) {
    super(`The web page is not built: ${folder} lacks its files. Run "npm run build".`);
    this.name = 'WebPageNotBuilt';
    this.cause = cause;
  }
}

/** Reads the built page once, at start-up, so a missing build stops the service with a clear message. */
export function loadWebPage(folder: string): WebPage {
  const page = new Map<string, PageFile>();
  for (const { route, file, type } of FILES) {
    let body: Buffer;
    try {
      body = readFileSync(path.join(folder, file));
    } catch (error) {
      throw new WebPageNotBuilt(folder, error);
    }
    page.set(route, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return page;
}

export function webPageRoutes(router: Router, page: WebPage): void {
  for (const [route, file] of page) {
    router.get(route, (ctx) => {
      for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) ctx.set(name, value);
      // Revalidated on every load, so a new release shows at once; unchanged files cost a 304.
      ctx.set('Cache-Control', 'no-cache');
      ctx.set('ETag', file.etag);
      ctx.type = file.type;
      ctx.status = 200; // Koa judges freshness only on a 2xx
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.body = file.body;
    });
  }
}
