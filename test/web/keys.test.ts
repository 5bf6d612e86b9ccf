import { expect } from 'chai';
import { Page } from 'playwright-core';
import { ApiKey } from '../../src/domain/api-key';
import { browserSuite } from '../support/browser';
import { bearer } from '../support/test-server';

/** Logging in and managing keys on the page, in a real Chromium against the real service. */
describe('logging in and managing keys in a real browser', function () {
  this.timeout(60_000);
  const suite = browserSuite();
  const PASSWORD = 'correct horse battery';

  const newAccount = async () => {
    const email = `keys-web-${Math.random().toString(36).slice(2)}@example.com`;
    const reply = await suite.server.http.post('/v1/register', { body: { email, password: PASSWORD } });
    return { email, key: reply.body.data.attributes.apiKey as string };
  };
  const logIn = async (page: Page, email: string, password: string) => {
    await page.getByLabel('Account email').fill(email);
    await page.getByLabel('Account password').fill(password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
  };
  const keyRows = (page: Page) => page.locator('#keys-list li');
  const statusOf = async (key: string) => (await suite.server.http.get('/v1/current', { headers: bearer(key) })).status;
  const tabKey = (page: Page) => page.evaluate(`sessionStorage.getItem('increment.apiKey')`) as Promise<string | null>;

  it('log in → the Keys panel lists the new "web" key → create a labelled key, shown once → revoke it after confirming → the API refuses it', async () => {
    const { email, key: firstKey } = await newAccount();
    const { page, screenshot } = await suite.open('/');
    await logIn(page, email, PASSWORD);
    await page.locator('#dashboard').waitFor();
    await keyRows(page).nth(1).waitFor();
    const held = (await tabKey(page))!;
    expect(held).to.match(ApiKey.SHAPE).and.not.to.equal(firstKey);
    expect(await statusOf(held), 'the key the log-in made works on the API').to.equal(200);
    const rows = await keyRows(page).allTextContents();
    expect(rows[0]).to.contain('web').and.to.contain(`${ApiKey.PREFIX}${ApiKey.prefixOf(held)}…`).and.to.contain('this tab');
    expect(rows[1]).to.contain('(no label)').and.to.contain(ApiKey.prefixOf(firstKey));
    await screenshot('keys-1-logged-in');

    await page.getByLabel('Label of a new key').fill('ci');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('#new-key-value', { hasText: /^inc_/ }).waitFor();
    const created = (await page.locator('#new-key-value').textContent())!;
    expect(await page.locator('#new-key').textContent()).to.contain('it will not be shown again');
    expect(await page.locator('#copy-new-key').isVisible()).to.equal(true);
    await keyRows(page).nth(2).waitFor();
    expect(await keyRows(page).first().textContent()).to.contain('ci').and.to.contain(ApiKey.prefixOf(created));
    expect(await statusOf(created)).to.equal(200);
    await screenshot('keys-2-created');

    await keyRows(page).first().getByRole('button', { name: /^Revoke/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).to.contain('“ci”').and.to.contain('stops working at once');
    await screenshot('keys-3-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await keyRows(page).count(), 'cancelled: nothing revoked').to.equal(3);
    expect(await statusOf(created)).to.equal(200);

    await keyRows(page).first().getByRole('button', { name: /^Revoke/ }).click();
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await keyRows(page).nth(2).waitFor({ state: 'detached' });
    expect(await keyRows(page).count()).to.equal(2);
    expect(await statusOf(created), 'the revoked key').to.equal(401);
    expect(await statusOf(held), "the tab's key").to.equal(200);
  });

  it("revoking the key the tab uses goes back to the log-in, and that key is refused from then on", async () => {
    const { email } = await newAccount();
    const { page } = await suite.open('/');
    await logIn(page, email, PASSWORD);
    await keyRows(page).nth(1).waitFor();
    const held = (await tabKey(page))!;
    await keyRows(page).filter({ hasText: 'this tab' }).getByRole('button', { name: /^Revoke/ }).click();
    expect(await page.getByRole('dialog').textContent()).to.contain('the key this tab uses');
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.locator('#log-in-error', { hasText: "This tab's key was revoked. Log in to get a new one." }).waitFor();
    expect(await page.locator('#dashboard').isHidden()).to.equal(true);
    expect(await tabKey(page)).to.equal(null);
    expect(await statusOf(held)).to.equal(401);
  });

  it('shows one message for a wrong password, next to neither field, and keeps no key', async () => {
    const { email } = await newAccount();
    const { page, screenshot } = await suite.open('/');
    await logIn(page, email, 'not the password');
    await page.locator('#log-in-error', { hasText: 'The email or the password is wrong.' }).waitFor();
    expect(await page.getByLabel('Account email').getAttribute('aria-invalid')).to.equal(null);
    expect(await tabKey(page)).to.equal(null);
    expect(await page.locator('#dashboard').isHidden()).to.equal(true);
    await screenshot('keys-4-wrong-password');
  });

  it('says how long to wait once the wrong passwords of an account reach the limit (429)', async () => {
    const { email } = await newAccount();
    const { page, screenshot } = await suite.open('/');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await logIn(page, email, `wrong password ${attempt}`);
      await page.locator('#log-in-error', { hasText: 'The email or the password is wrong.' }).waitFor();
      await page.locator('#log-in-form:not([aria-busy])').waitFor();
    }
    await logIn(page, email, PASSWORD);
    await page.locator('#log-in-error', { hasText: 'Too many attempts. Try again in 15 minutes.' }).waitFor();
    expect(await tabKey(page)).to.equal(null);
    await screenshot('keys-5-too-many-attempts');
  });

  it('refuses to revoke the last key, saying why', async () => {
    const { key } = await newAccount();
    const { page } = await suite.open('/');
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await keyRows(page).first().waitFor();
    await keyRows(page).first().getByRole('button', { name: /^Revoke/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.locator('#keys-error', { hasText: 'last API key' }).waitFor();
    expect(await statusOf(key)).to.equal(200);
  });
});
