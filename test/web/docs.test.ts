import { expect } from 'chai';
import { browserSuite } from '../support/browser';
import { bearer, registerUser } from '../support/test-server';

/** /docs as a new user meets it: Swagger UI from local files, in a real Chromium, trying a call. */
describe('the interactive docs in a real browser', function () {
  this.timeout(60_000);
  const suite = browserSuite();

  it('lists every operation, loads nothing from elsewhere, and runs a call with the key given to Authorize', async () => {
    const key = await registerUser(suite.server);
    const origins = new Set<string>();
    suite.browser.context.on('request', (request) => origins.add(new URL(request.url()).origin));
    const { page, screenshot } = await suite.open('/docs');

    await page.locator('.opblock-summary-path', { hasText: '/v1/register' }).waitFor();
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    for (const path of ['/v1/register', '/v1/next', '/v1/current', '/health', '/metrics']) {
      expect(paths.map((text) => text.replace(/\u200b/g, ''))).to.include(path);
    }

    await page.getByRole('button', { name: /Authorize/ }).first().click();
    const dialog = page.locator('.dialog-ux');
    // Typed, not filled: Swagger UI's inputs take keystrokes. The bearer scheme is listed first.
    await dialog.locator('#auth-bearer-value').pressSequentially(key);
    await dialog.getByRole('button', { name: 'Apply credentials' }).first().click();
    await dialog.getByText('Authorized', { exact: true }).first().waitFor();
    await dialog.getByRole('button', { name: 'Close' }).first().click();

    const next = page.locator('#operations-counter-nextIntegerPost');
    await next.locator('.opblock-summary').click();
    await next.getByRole('button', { name: 'Execute' }).click();
    const answer = next.locator('.live-responses-table tbody .response-col_status').first();
    await answer.waitFor();
    expect((await answer.textContent())?.trim()).to.equal('200');
    expect(await next.locator('.live-responses-table .microlight').first().textContent()).to.contain('"value": 1');
    await screenshot('8-docs-try-it-out');

    expect((await suite.server.http.get('/v1/current', { headers: bearer(key) })).body.data.attributes.value, 'the call was real').to.equal(1);
    expect([...origins]).to.deep.equal([suite.server.url]);
  });
});
