import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { api, resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg, LOOPBACK_URL, Org } from '../subscriptions/admin-api';

const SCREENSHOTS = join(__dirname, 'screenshots');

// The endpoint form's rate limit and ordering controls (SPEC §10) in real headless Chromium against the real admin API.
describe('the dashboard: an endpoint’s delivery pace', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let browser: Browser;
  let page: Page;
  let org: Org;
  const pageErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    await resetWorld();
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startStack(testEnv(), ['subscriptions']);
    org = await createOrg(stack.apiUrl, 'Pace');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${stack.apiUrl}/dashboard/`);
    await page.getByLabel('API key').fill(org.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('should create an endpoint with a rate limit and strict ordering from the form, and show them', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await page.getByLabel('URL', { exact: true }).fill(LOOPBACK_URL);
    await page.getByLabel('Requests per second at most (optional)').fill('20');
    await page.getByLabel('Delivery order', { exact: true }).selectOption('strict');
    await shot('pacing-01-form');
    await page.getByRole('button', { name: 'Create endpoint' }).click();

    await page.locator('#endpoint-pacing').filter({ hasText: 'At most 20 requests/s; strict order (one at a time)' }).waitFor();
    const endpointId = /#\/endpoints\/(ep_[0-9a-z]+)/.exec(page.url())![1];
    const stored = await api(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}`, { token: org.apiKey });
    expect(stored.body).toMatchObject({ rateLimitPerSecond: 20, ordering: 'strict' });
    await shot('pacing-02-endpoint');
  });

  it('should clear the limit and the ordering when edited back to the defaults', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    // The form shows what is stored.
    expect(await page.getByLabel('Requests per second at most (optional)').inputValue()).toBe('20');
    expect(await page.getByLabel('Delivery order', { exact: true }).inputValue()).toBe('strict');
    await page.getByLabel('Requests per second at most (optional)').fill('');
    await page.getByLabel('Delivery order', { exact: true }).selectOption('none');
    await page.getByRole('button', { name: 'Save changes' }).click();

    await page.locator('#endpoint-pacing').filter({ hasText: 'No rate limit; any order' }).waitFor();
    const endpointId = /#\/endpoints\/(ep_[0-9a-z]+)/.exec(page.url())![1];
    const stored = await api(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}`, { token: org.apiKey });
    expect(stored.body).toMatchObject({ rateLimitPerSecond: null, ordering: 'none' });
    expect(pageErrors).toEqual([]);
  });
});
