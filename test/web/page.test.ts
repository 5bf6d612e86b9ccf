import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Page } from 'playwright-core';
import { bearer, registerUser } from '../support/test-server';
import { browserSuite } from '../support/browser';

const run = promisify(execFile);

/**
 * The sign-up and dashboard page in a real headless Chromium, against the real service over
 * real HTTP. Every test also fails on any script error or Content-Security-Policy violation.
 */
describe('the web page in a real browser', function () {
  this.timeout(60_000);
  const suite = browserSuite();

  const open = () => suite.open('/');
  const newEmail = () => `web-${Math.random().toString(36).slice(2)}@example.com`;
  const row = (page: Page, name: string) => page.locator(`[data-sequence="${name}"]`);
  const shows = (page: Page, name: string, value: string) => row(page, name).locator('output', { hasText: new RegExp(`^${value}$`) }).waitFor();
  const counterShows = (page: Page, value: string) => shows(page, 'default', value);
  const nextOf = (page: Page, name: string) => row(page, name).getByRole('button', { name: 'Next', exact: true });
  const currentByApi = async (key: string) => (await suite.server.http.get('/v1/current', { headers: bearer(key) })).body.data.attributes.value;
  const evaluate = <T>(page: Page, expression: string) => page.evaluate(expression) as Promise<T>;
  const signUp = async (page: Page, email = newEmail()) => {
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account and get a key' }).click();
    await page.locator('#new-key-value', { hasText: /^inc_/ }).waitFor();
    return (await page.locator('#new-key-value').textContent())!;
  };
  const registerRequests = (page: Page) => {
    const sent: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/v1/register') sent.push(request.method());
    });
    return sent;
  };

  it('sign up → key shown once → next gives 1 then 2 → reset to 1000 → next gives 1001', async () => {
    const { page, screenshot } = await open();
    await screenshot('1-sign-up');
    const key = await signUp(page);
    expect(await page.locator('#new-key').textContent()).to.contain('it will not be shown again');
    await screenshot('2-key-shown-once');
    expect(await currentByApi(key), 'the key shown works on the API').to.equal(0);

    const results = page.getByRole('heading', { name: 'Results, newest first' });
    expect(await results.isVisible(), 'no results heading before the first result').to.equal(false);
    const next = nextOf(page, 'default');
    await next.click();
    await counterShows(page, '1');
    expect(await results.isVisible()).to.equal(true);
    await next.click();
    await counterShows(page, '2');
    await page.getByLabel('Reset default to').fill('1000');
    await row(page, 'default').getByRole('button', { name: 'Reset', exact: true }).click();
    await counterShows(page, '1000');
    await next.click();
    await counterShows(page, '1001');
    expect(await page.locator('#activity li').allTextContents()).to.deep.equal([
      'default: next → 1001',
      'default: reset to 1000 → 1000',
      'default: next → 2',
      'default: next → 1',
    ]);
    expect(await page.locator('#activity').evaluate((list) => [list.tagName, list.ownerDocument.defaultView!.getComputedStyle(list).listStyleType]), 'no numbers').to.deep.equal(['UL', 'none']);
    await page.getByRole('button', { name: 'I have saved my key' }).click();
    await screenshot('3-dashboard');
    expect(await currentByApi(key), 'the page drove the real counter').to.equal(1001);

    expect(await evaluate(page, `sessionStorage.getItem('increment.apiKey')`)).to.equal(key);
    expect(await evaluate(page, 'localStorage.length')).to.equal(0);
    expect(await evaluate(page, 'document.cookie')).to.equal('');
    expect(await suite.browser.context.cookies()).to.deep.equal([]);
  });

  it('never shows the key again: a reload keeps it for the tab only, and forgetting it goes back to sign-up', async () => {
    const { page } = await open();
    const key = await signUp(page);
    await nextOf(page, 'default').click();
    await counterShows(page, '1');

    await page.reload();
    await counterShows(page, '1');
    expect(await page.locator('#new-key').isHidden()).to.equal(true);
    expect(await page.locator('#new-key-value').textContent()).to.equal('');
    expect(await page.locator('#curl-next').textContent(), 'the curl lines still use it').to.contain(key);
  });

  it('a new tab does not get the key, and "Forget this key" drops it', async () => {
    const { page } = await open();
    await signUp(page);
    const other = await suite.browser.open(`${suite.server.url}/`);
    expect(await other.page.locator('#start').isVisible()).to.equal(true);
    expect(await evaluate(other.page, `sessionStorage.length`)).to.equal(0);
    expect(await other.close()).to.deep.equal([]);
    await page.getByRole('button', { name: 'Forget this key' }).click();
    expect(await page.locator('#start').isVisible()).to.equal(true);
    expect(await evaluate(page, `sessionStorage.getItem('increment.apiKey')`)).to.equal(null);
    await page.reload();
    expect(await page.locator('#dashboard').isHidden()).to.equal(true);
  });

  it('copy buttons put the key, and curl lines that really work, on the clipboard', async () => {
    await suite.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.server.url });
    const { page } = await open();
    const key = await signUp(page);
    const clipboard = () => evaluate<string>(page, 'navigator.clipboard.readText()');

    await page.locator('#copy-new-key').click();
    await page.locator('#copy-new-key-status', { hasText: 'Copied' }).waitFor();
    expect(await clipboard()).to.equal(key);

    const copyLine = async (title: string) => {
      await page.locator('.snippet', { has: page.getByRole('heading', { name: title }) }).getByRole('button', { name: 'Copy' }).click();
      const line = await clipboard();
      expect(line).to.contain(key).and.to.contain(suite.server.url);
      const { stdout } = await run('bash', ['-c', `${line} --silent --show-error`]);
      return JSON.parse(stdout).data.attributes.value as number;
    };
    expect(await copyLine('Next integer')).to.equal(1);
    expect(await copyLine('Current value')).to.equal(1);
    expect(await copyLine('Reset to 1000')).to.equal(1000);
    expect(await copyLine('Ten integers, safe to retry')).to.equal(1010);
    expect(await copyLine('Ten integers, safe to retry'), 'the same key again: the same ten, no more').to.equal(1010);
    expect(await currentByApi(key)).to.equal(1010);
  });

  it('a bad email and a short password show their errors before submitting, and send nothing', async () => {
    const { page, screenshot } = await open();
    const sent = registerRequests(page);
    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });

    await email.fill('not-an-email');
    await password.focus(); // leaving the field checks it
    expect(await page.locator('#signup-email-error').textContent()).to.equal('Email must be an email address such as ada@example.com.');
    expect(await email.getAttribute('aria-invalid')).to.equal('true');
    await password.fill('ééé'); // 6 bytes in UTF-8, as the API counts them
    await email.focus();
    expect(await page.locator('#signup-password-error').textContent()).to.equal('Password must be at least 8 characters.');
    await screenshot('4-sign-up-errors');

    await page.getByRole('button', { name: 'Create account and get a key' }).click();
    expect(await evaluate(page, 'document.activeElement.id')).to.equal('signup-email');
    await email.fill('ada.lovelace@example.com');
    expect(await page.locator('#signup-email-error').textContent(), 'fixed as typed').to.equal('');
    await page.getByRole('button', { name: 'Create account and get a key' }).click();
    expect(await page.locator('#signup-password-error').textContent()).to.equal('Password must be at least 8 characters.');
    expect(sent, 'requests to /v1/register').to.deep.equal([]);
    expect(await page.locator('#new-key').isHidden()).to.equal(true);

    await password.fill('éééé'); // 8 bytes: accepted by the API's rule, though only 4 characters
    await page.getByRole('button', { name: 'Create account and get a key' }).click();
    await page.locator('#new-key-value', { hasText: /^inc_/ }).waitFor();
    expect(sent).to.deep.equal(['POST']);
  });

  it('says what the service does, asks for "At least 8 characters", and speaks of bytes only to a password too long in them', async () => {
    const { page } = await open();
    const sent = registerRequests(page);
    const about = page.locator('#about');
    expect(await about.isVisible()).to.equal(true);
    expect(await about.textContent()).to.match(/POST \/v1\/next[\s\S]*GET \/v1\/current[\s\S]*PUT \/v1\/current/);
    expect(await page.locator('#signup-password-hint').textContent()).to.equal('At least 8 characters.');
    expect(await page.locator('body').textContent()).not.to.contain('bytes');

    await page.getByLabel('Email', { exact: true }).fill(newEmail());
    await page.getByLabel('Password', { exact: true }).fill('ü'.repeat(37)); // 37 characters, 74 bytes
    await page.getByRole('button', { name: 'Create account and get a key' }).click();
    expect(await page.locator('#signup-password-error').textContent()).to.equal(
      'Password must be at most 72 bytes, and this one has 74: a letter or digit counts one, an accented letter two, an emoji four.',
    );
    expect(sent).to.deep.equal([]);
  });

  it("shows the API's own error next to the field it names: an email already registered", async () => {
    const taken = newEmail();
    await registerUser(suite.server, taken);
    const { page } = await open();
    await page.getByLabel('Email', { exact: true }).fill(taken.toUpperCase());
    await page.getByLabel('Password', { exact: true }).fill('another password');
    await page.getByRole('button', { name: 'Create account and get a key' }).click();
    await page.locator('#signup-email-error', { hasText: 'This email address is already registered.' }).waitFor();
    expect(await page.getByLabel('Email', { exact: true }).getAttribute('aria-invalid')).to.equal('true');
    expect(await page.locator('#new-key').isHidden()).to.equal(true);
  });

  it('a wrong key shows the 401 message and is not kept; a right one opens its counter', async () => {
    const { page, screenshot } = await open();
    await page.getByLabel('API key', { exact: true }).fill('inc_not-a-key-anyone-was-given');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('#use-key-error', { hasText: 'The API key is not valid.' }).waitFor();
    expect(await page.getByLabel('API key', { exact: true }).getAttribute('aria-invalid')).to.equal('true');
    expect(await evaluate(page, `sessionStorage.getItem('increment.apiKey')`)).to.equal(null);
    expect(await page.locator('#dashboard').isHidden()).to.equal(true);
    await screenshot('5-wrong-key');

    const key = await registerUser(suite.server);
    await suite.server.http.put('/v1/current', { headers: bearer(key), body: { current: 41 } });
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await counterShows(page, '41');
    expect(await page.locator('#use-key-error').textContent()).to.equal('');
    expect(await page.locator('#new-key').isHidden(), 'a pasted key is not shown back').to.equal(true);
  });

  it('checks a reset value as the API does, and sends nothing it would refuse', async () => {
    const { page } = await open();
    const key = await signUp(page);
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH') puts.push(request.url());
    });
    const input = page.getByLabel('Reset default to');
    const reset = row(page, 'default').getByRole('button', { name: 'Reset', exact: true });
    for (const [value, message] of [
      ['-1', 'The value must be a whole number from 0 to 9007199254740991 written in decimal digits.'],
      ['1e3', 'The value must be a whole number from 0 to 9007199254740991 written in decimal digits.'],
      ['9007199254740992', 'The value must not exceed 9007199254740991.'],
      ['', 'The value must be a whole number from 0 to 9007199254740991 written in decimal digits.'],
    ]) {
      await input.fill(value);
      await reset.click();
      expect(await page.locator('#reset-default-error').textContent(), value).to.equal(message);
    }
    expect(puts).to.deep.equal([]);
    await input.fill('9007199254740991');
    await reset.click();
    await counterShows(page, '9007199254740991');
    expect(await page.locator('#reset-default-error').textContent()).to.equal('');
    await nextOf(page, 'default').click();
    await page.locator('#dashboard-error', { hasText: 'The sequence has reached its maximum value' }).waitFor();
    expect(await currentByApi(key)).to.equal(9007199254740991);
  });

  it('creates a sequence, hands out its next integer and a range of ten, each listed with what it handed out', async () => {
    const { page, screenshot } = await open();
    const key = await signUp(page);
    await page.getByRole('button', { name: 'I have saved my key' }).click();
    await page.getByLabel('Name').fill('orders');
    await page.getByLabel('Starting value (optional)').fill('41');
    await page.getByRole('button', { name: 'Create sequence' }).click();
    await shows(page, 'orders', '41');
    expect(await page.locator('#sequences .sequence-name').allTextContents(), 'in name order').to.deep.equal(['default', 'orders']);

    await nextOf(page, 'orders').click();
    await shows(page, 'orders', '42');
    await row(page, 'orders').getByRole('button', { name: 'Next 10' }).click();
    await shows(page, 'orders', '52');
    await screenshot('8-sequences');
    expect(await page.locator('#activity li').allTextContents()).to.deep.equal([
      'orders: next 10 → 43–52',
      'orders: next → 42',
      'orders: created at 41',
    ]);
    const byApi = await suite.server.http.get('/v1/sequences/orders', { headers: bearer(key) });
    expect(byApi.body.data.attributes.value, 'the page drove the real sequence').to.equal(52);
    expect(await currentByApi(key), 'default untouched').to.equal(0);
  });

  it("checks a new sequence's name before sending, and shows the API's sequence_exists next to it", async () => {
    const { page } = await open();
    await signUp(page);
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/sequences') posts.push(request.url());
    });
    await page.getByLabel('Name').fill('Orders');
    await page.getByRole('button', { name: 'Create sequence' }).click();
    expect(await page.locator('#create-name-error').textContent()).to.match(/^The name must be 1 to 64 characters/);
    expect(posts).to.deep.equal([]);
    await page.getByLabel('Name').fill('default');
    await page.getByRole('button', { name: 'Create sequence' }).click();
    await page.locator('#create-name-error', { hasText: 'A sequence named "default" exists already.' }).waitFor();
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).to.equal('true');
    expect(posts).to.have.length(1);
  });

  it('refuses a reset once the value moved since it was shown: 412 next to the field, nothing changed', async () => {
    const { page, screenshot } = await open();
    const key = await signUp(page);
    await counterShows(page, '0');
    // Another client takes a number meanwhile; the page still shows 0.
    await suite.server.http.post('/v1/next', { headers: bearer(key) });
    await page.getByLabel('Reset default to').fill('1000');
    await row(page, 'default').getByRole('button', { name: 'Reset', exact: true }).click();
    await page.locator('#reset-default-error', { hasText: 'The value is 1, not 0; nothing was changed.' }).waitFor();
    expect(await page.getByLabel('Reset default to').getAttribute('aria-invalid')).to.equal('true');
    await counterShows(page, '1');
    await screenshot('9-reset-refused');
    expect(await currentByApi(key), 'nothing changed').to.equal(1);

    // Now the page shows what the sequence holds, so the same reset goes through.
    await row(page, 'default').getByRole('button', { name: 'Reset', exact: true }).click();
    await counterShows(page, '1000');
    expect(await page.locator('#reset-default-error').textContent()).to.equal('');
    expect(await currentByApi(key)).to.equal(1000);
  });

  it('works from the keyboard alone, and every input has a label', async () => {
    const { page } = await open();
    const focused = () => evaluate<string>(page, 'document.activeElement.id');
    const tabTo = async (id: string) => {
      for (let presses = 0; presses < 20 && (await focused()) !== id; presses++) await page.keyboard.press('Tab');
      expect(await focused()).to.equal(id);
    };
    expect(await evaluate(page, `[...document.querySelectorAll('input')].filter((input) => input.labels.length === 0).map((input) => input.id)`)).to.deep.equal([]);

    await tabTo('signup-email');
    await page.keyboard.type(newEmail());
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Enter');
    await page.locator('#new-key-value', { hasText: /^inc_/ }).waitFor();
    expect(await focused(), 'focus moves to the key').to.equal('new-key-title');
    await tabTo('next-default');
    await page.keyboard.press('Enter');
    await counterShows(page, '1');
    await page.keyboard.press('Space');
    await counterShows(page, '2');
    await tabTo('reset-default');
    await page.keyboard.type('7');
    await page.keyboard.press('Enter');
    await counterShows(page, '7');
  });

  for (const width of [390, 1280]) {
    it(`reads well at ${width} px: no sideways scrolling, curl lines broken only between their words`, async () => {
      const { page, screenshot } = await open();
      await page.setViewportSize({ width, height: 800 });
      const fits = () => evaluate<boolean>(page, 'document.documentElement.scrollWidth <= window.innerWidth');
      const withinScreen = async (selector: string) => {
        const box = (await page.locator(selector).boundingBox())!;
        expect(box.x >= 0 && box.x + box.width <= width, `${selector} within the screen`).to.equal(true);
      };
      expect(await fits(), 'sign-up').to.equal(true);
      await withinScreen('#about');
      await withinScreen('#signup-form button');
      await screenshot(`6-sign-up-${width}px`);

      await signUp(page);
      await page.getByRole('button', { name: 'I have saved my key' }).click();
      await nextOf(page, 'default').click();
      await counterShows(page, '1');
      expect(await fits(), 'dashboard').to.equal(true);
      await withinScreen('#next-default');
      await withinScreen('#range-default');
      for (const id of ['curl-next', 'curl-current', 'curl-reset', 'curl-range']) {
        const code = page.locator(`#${id}`);
        const layout = await code.evaluate((element) => {
          const box = element.closest('pre')!;
          return {
            text: element.textContent!,
            words: [...element.querySelectorAll('.word')].map((word) => ({ word: word.textContent!, lines: word.getClientRects().length })),
            boxRight: box.getBoundingClientRect().right,
            cardRight: element.closest('.card')!.getBoundingClientRect().right,
            scrolls: box.scrollWidth > box.clientWidth,
          };
        });
        expect(layout.text, 'one line, as copied').to.match(/^curl [^\n]+$/);
        expect(layout.words.map(({ word }) => word).join(' ')).to.equal(layout.text);
        expect(layout.words.filter(({ lines }) => lines !== 1), `${id}: words split across lines`).to.deep.equal([]);
        expect(layout.words.some(({ word }) => /^-H 'Authorization: Bearer inc_\S+'$/.test(word)), 'Bearer and the key are one word').to.equal(true);
        expect(layout.boxRight, `${id}: its box stays inside its card`).to.be.at.most(layout.cardRight);
        if (width >= 1280) expect(layout.scrolls, `${id}: nothing hidden on a wide screen`).to.equal(false);
      }
      await screenshot(`7-dashboard-${width}px`);
    });
  }
});
