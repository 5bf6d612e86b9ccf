import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { BrowserContext, chromium, Page, Response } from 'playwright-core';
import { conformsToOpenApi } from './openapi-validator';
import { startTestServer, TestServer } from './test-server';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Where screenshots go for a person to look at: test-output/screenshots, ignored by git. */
export const SCREENSHOTS = path.resolve(__dirname, '..', '..', '..', 'test-output', 'screenshots');

interface Chromium {
  readonly executablePath: string;
  readonly env?: Record<string, string>;
}

/**
 * The Chromium to drive, in this order: CHROMIUM_PATH; the system's (Debian's `chromium`);
 * otherwise the headless shell inside the @sparticuz/chromium devDependency, so that
 * `npm ci && npm test` needs nothing but Node.js and npm.
 */
export function findChromium(): Chromium {
  const named = process.env.CHROMIUM_PATH;
  if (named) {
    if (!existsSync(named)) throw new Error(`CHROMIUM_PATH names ${named}, which does not exist.`);
    return { executablePath: named };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM };
  return unpackedChromium();
}

/**
 * @sparticuz/chromium ships its binary brotli-compressed and unpacks it into os.tmpdir() on first use,
 * checking only that /tmp/chromium exists, so two test runs at once could start a half-written file.
 * It unpacks here in a child process whose TMPDIR is a private folder, renamed into place in one step;
 * the folder's name carries the package version, so an upgrade unpacks afresh.
 */
function unpackedChromium(): Chromium {
  // The package exports no package.json; its entry point is build/cjs/index.cjs.
  const packageJson = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..', '..', 'package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const folder = path.join(tmpdir(), `increment-sparticuz-chromium-${version}`);
  if (!existsSync(path.join(folder, 'chromium'))) {
    const partial = mkdtempSync(`${folder}-partial-`);
    try {
      execFileSync(process.execPath, ['-e', "require('@sparticuz/chromium').executablePath()"], { env: { ...process.env, TMPDIR: partial }, stdio: 'inherit' });
      writeFileSync(path.join(partial, 'fonts.conf'), fontsConf(partial));
      renameSync(partial, folder);
    } catch (error) {
      // Another run renamed its folder into place first: use that one.
      if (!existsSync(path.join(folder, 'chromium'))) throw error;
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  return { executablePath: path.join(folder, 'chromium'), env: { FONTCONFIG_FILE: path.join(folder, 'fonts.conf') } };
}

/** The machine's fonts, if it has any, and the Open Sans that comes with the package, if it has none. */
function fontsConf(folder: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${path.join(folder, 'fonts', 'fonts')}</dir>
</fontconfig>
`;
}

export interface Browser {
  readonly context: BrowserContext;
  /** A new tab on `url`, recording what would show up in its console as an error. */
  open(url: string): Promise<Tab>;
  close(): Promise<void>;
}

export interface Tab {
  readonly page: Page;
  /**
   * Script errors, CSP violations, console errors (except the HTTP statuses the test provoked),
   * and any reply from the service that breaks its OpenAPI document.
   */
  readonly problems: string[];
  /** Resolves once every reply seen so far has been checked. */
  settled(): Promise<void>;
  /** Closes the tab once its replies are checked, and returns its problems. */
  close(): Promise<string[]>;
  screenshot(name: string): Promise<void>;
}

/** A real headless Chromium with a fresh profile, started for a test file and thrown away after it. */
export async function launchBrowser(): Promise<Browser> {
  const { executablePath, env } = findChromium();
  const profile = mkdtempSync(path.join(tmpdir(), 'increment-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: FLAGS,
    env: { ...process.env, ...env },
    viewport: { width: 1280, height: 800 },
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    open: async (url) => {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
      page.on('console', (message) => {
        // Chromium logs every 4xx answer to fetch as a console error; those the test asks for are expected.
        if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
          problems.push(message.text());
        }
      });
      const origin = new URL(url).origin;
      const checks: Array<Promise<void>> = [];
      const check = async (response: Response) => {
        const text = response.status() === 304 ? '' : await response.text().catch(() => '');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        try {
          const { pathname } = new URL(response.url());
          const sent = response.request();
          conformsToOpenApi({
            method: sent.method(),
            path: pathname,
            status: response.status(),
            contentType: response.headers()['content-type'],
            body,
            text,
            request: { contentType: sent.headers()['content-type'], body: sent.postData() ?? undefined },
          });
        } catch (error) {
          problems.push((error as Error).message);
        }
      };
      page.on('response', (response) => {
        if (new URL(response.url()).origin === origin) checks.push(check(response));
      });
      await page.goto(url);
      const settled = async () => {
        await Promise.all(checks);
      };
      return {
        page,
        problems,
        settled,
        close: async () => {
          await settled();
          await page.close();
          return problems;
        },
        screenshot: async (name) => {
          await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
        },
      };
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface BrowserSuite {
  readonly server: TestServer;
  readonly browser: Browser;
  /** Opens a tab on a path of the server; it is closed after the test, which fails on its problems. */
  open(path: string): Promise<Tab>;
}

/**
 * The mocha hooks of a suite of browser tests: the real service (in memory, real HTTP) and a
 * Chromium, started once for the suite; after each test its tab is closed, and the test fails
 * on any script error, CSP violation or reply off the OpenAPI document that the tab recorded.
 */
export function browserSuite(): BrowserSuite {
  let server: TestServer;
  let browser: Browser;
  let tab: Tab | undefined;

  before(async () => {
    [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  afterEach(async () => {
    const closing = tab;
    tab = undefined;
    expect((await closing?.close()) ?? [], 'console errors and replies off the OpenAPI document').to.deep.equal([]);
  });

  return {
    get server() {
      return server;
    },
    get browser() {
      return browser;
    },
    open: async (path) => (tab = await browser.open(`${server.url}${path}`)),
  };
}
