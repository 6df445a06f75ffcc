import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { launchChromium } from '../support/browser';
import { api, resetWorld, startStack, testEnv } from '../support/stack';
import { TestReceiver, ReceivedRequest } from '../support/test-receiver';
import { createOrg, Org } from '../subscriptions/admin-api';

const SCREENSHOTS = join(__dirname, 'screenshots');

function verify(secret: string, request: ReceivedRequest): unknown {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
}

// The dashboard in real headless Chromium (Debian's package, installed by scripts/ensure-chromium.js)
// against the real admin API, delivery service, Kafka and PostgreSQL, with a real local receiver.
// The steps build on each other, as an admin's session does.
describe('the dashboard in a browser', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let browser: Browser;
  let page: Page;
  let org: Org;
  const receiver = new TestReceiver();
  const pageErrors: string[] = [];
  let endpointId: string;
  let firstSecret: string;

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    await resetWorld();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await receiver.start();
    stack = await startStack(testEnv(), ['subscriptions', 'delivery']);
    org = await createOrg(stack.apiUrl, 'Acme');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(15_000);
    // A CSP violation or a script error shows up here: the page must run clean under its own policy.
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of 40[149]/.test(msg.text())) pageErrors.push(msg.text());
    });
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await receiver.stop();
  });

  it('should serve the page with a self-only content security policy when / is opened', async () => {
    const response = await page.goto(stack.apiUrl + '/');

    expect(page.url()).toBe(`${stack.apiUrl}/dashboard/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'; script-src 'self'");
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    await page.getByRole('heading', { name: 'Sign in to Sourcehub Webhooks' }).waitFor();
    await shot('01-sign-in');
  });

  it('should refuse an unknown key and sign in with a valid one using the keyboard only', async () => {
    await page.getByLabel('API key').fill('shk_not-a-real-key');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'unknown or revoked' }).waitFor();

    await page.getByLabel('API key').fill(org.apiKey);
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    // The list loads after the heading renders: wait for it (waitFor fails the test if it never shows).
    await page.getByText('No test endpoints yet.').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.evaluate(() => sessionStorage.getItem('sourcehub.apiKey'))).toBe(org.apiKey);
  });

  it('should create a test-mode endpoint pointing at the receiver from the form', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await page.getByLabel('URL', { exact: true }).fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('Local receiver');
    // Every form control has a label a screen reader can announce.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')].filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label')).length,
    );
    expect(unlabelled).toBe(0);
    await shot('02-add-endpoint');

    await page.getByRole('button', { name: 'Create endpoint' }).click();

    await page.getByRole('heading', { name: receiver.url }).waitFor();
    endpointId = /#\/endpoints\/(ep_[0-9a-z]+)/.exec(page.url())![1];
    const stored = await api<{ url: string; mode: string; eventTypes: string[]; description: string }>(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}`, { token: org.apiKey });
    expect(stored.body).toMatchObject({ url: receiver.url, mode: 'test', eventTypes: ['*'], description: 'Local receiver' });
  });

  it('should reveal the secret and deliver a signed test event that the receiver verifies with it', async () => {
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.locator('#secret-value').filter({ hasText: /^whsec_[A-Za-z0-9+/=]+$/ }).waitFor();
    firstSecret = (await page.locator('#secret-value').textContent())!;

    await page.getByRole('button', { name: 'Send test event' }).click();

    const [request] = await receiver.waitFor(1);
    expect(verify(firstSecret, request)).toMatchObject({ type: 'webhook.test', organizationId: org.id, mode: 'test' });
  });

  it('should show the delivery and its attempt in the timeline once made', async () => {
    const row = page.getByRole('row').filter({ hasText: 'webhook.test' });
    await row.getByText('succeeded').waitFor();
    await row.getByRole('link', { name: /^Attempts of webhook.test/ }).click();

    const timeline = page.getByRole('list', { name: 'Attempt timeline' });
    await timeline.getByText('Attempt 1').waitFor();
    await timeline.getByText('200').first().waitFor({ state: 'visible', timeout: 10_000 });
    await shot('03-endpoint-detail');
  });

  it('should resend the delivery: the receiver gets it again with the same webhook-id and a second attempt appears', async () => {
    await page.getByRole('button', { name: 'Resend' }).click();

    const [first, second] = await receiver.waitFor(2);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(verify(firstSecret, second)).toMatchObject({ type: 'webhook.test' });
    await page.getByRole('list', { name: 'Attempt timeline' }).getByText('Attempt 2').waitFor();
    await shot('04-delivery-timeline');
  });

  it('should rotate the secret and show the new one, which then signs deliveries', async () => {
    await page.getByRole('button', { name: 'Rotate' }).click();

    await page.locator('#secret-note').filter({ hasText: 'previous secret also signs until' }).waitFor();
    const rotated = (await page.locator('#secret-value').textContent())!;
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(firstSecret);
    const stored = await api<{ secret: string }>(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}/secret`, { token: org.apiKey });
    expect(stored.body.secret).toBe(rotated);
    await shot('05-secret-rotated');

    await page.getByRole('button', { name: 'Send test event' }).click();
    const [, , third] = await receiver.waitFor(3);
    expect(verify(rotated, third)).toMatchObject({ type: 'webhook.test' });
  });

  it('should edit, disable and delete the endpoint', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('All event types, including future ones').uncheck();
    await page.getByLabel('order.new').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: receiver.url }).waitFor();
    await page.getByText('order.new', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    const disabled = await api<{ status: string; eventTypes: string[] }>(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}`, { token: org.apiKey });
    expect(disabled.body).toMatchObject({ status: 'disabled', eventTypes: ['order.new'] });

    await page.getByRole('link', { name: '← All endpoints' }).click();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    await shot('06-endpoint-list');
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('button', { name: 'Delete' }).click();

    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    await page.getByText('No test endpoints yet.').waitFor();
    expect((await api(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}`, { token: org.apiKey })).status).toBe(404);
  });

  it('should show why the platform disabled an endpoint (410 Gone), re-enable it, and subscribe it to the operational events', async () => {
    const gone = await new TestReceiver((_n, _req, res) => void res.writeHead(410).end()).start();
    try {
      const created = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.apiKey, body: { url: gone.url, mode: 'test' } });
      await api(stack.apiUrl, 'POST', `/v1/endpoints/${created.body.id}/test`, { token: org.apiKey });
      await gone.waitFor(1);

      await page.goto(`${stack.apiUrl}/dashboard/#/endpoints/${created.body.id}`);
      // The disable is written with the attempt, moments after the answer: reload until it shows.
      for (let i = 0; i < 50 && !(await page.locator('#disabled-notice').isVisible()); i++) {
        await new Promise((r) => setTimeout(r, 200));
        await page.reload();
        await page.getByRole('heading', { name: gone.url }).waitFor();
      }
      await page.locator('#disabled-notice').filter({ hasText: '410 Gone' }).waitFor();
      await shot('08-disabled-gone');

      await page.getByRole('button', { name: 'Re-enable' }).click();
      await page.getByRole('button', { name: 'Disable' }).waitFor();
      expect(await page.locator('#disabled-notice').count()).toBe(0);
      const enabled = await api<{ status: string; disabledReason: string | null }>(stack.apiUrl, 'GET', `/v1/endpoints/${created.body.id}`, { token: org.apiKey });
      expect(enabled.body).toMatchObject({ status: 'enabled', disabledReason: null });

      await page.getByRole('link', { name: 'Edit' }).click();
      // "All" stays checked: the operational events are chosen beside it.
      expect(await page.getByLabel('All event types, including future ones').isChecked()).toBe(true);
      await page.getByLabel('webhook.endpoint.disabled').check();
      await page.getByLabel('webhook.delivery.exhausted').check();
      await shot('09-operational-events');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('heading', { name: gone.url }).waitFor();
      await page.getByText('All, webhook.delivery.exhausted, webhook.endpoint.disabled').waitFor();
      const subscribed = await api<{ eventTypes: string[] }>(stack.apiUrl, 'GET', `/v1/endpoints/${created.body.id}`, { token: org.apiKey });
      expect(subscribed.body.eventTypes).toEqual(['*', 'webhook.delivery.exhausted', 'webhook.endpoint.disabled']);
    } finally {
      await gone.stop();
    }
  });

  it('should list only live endpoints after switching to live mode', async () => {
    await api(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.apiKey, body: { url: receiver.url.replace('/webhooks', '/live'), mode: 'live' } });

    await page.getByText('Live', { exact: true }).click();

    await page.getByRole('table').getByRole('link', { name: /\/live$/ }).waitFor();
    expect(await page.getByRole('radio', { name: 'Live' }).isChecked()).toBe(true);
    await shot('07-live-mode');
  });

  it('should have run without script errors or policy violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
