import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { BrowserContext, chromium, Page, Response } from 'playwright-core';
import { conformsToOpenApi } from './openapi-validator';
import { startTestServer, TestServer } from './test-server';

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere on other systems. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Where screenshots go for a person to look at: test-output/screenshots, ignored by git. */
export const SCREENSHOTS = path.resolve(__dirname, '..', '..', '..', 'test-output', 'screenshots');

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
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'increment-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, viewport: { width: 1280, height: 800 } });
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
