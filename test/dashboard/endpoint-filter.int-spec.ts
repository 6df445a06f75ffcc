import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Producer } from 'kafkajs';
import { Browser, Page } from 'playwright-core';
import { domainEvent } from '../history/history-support';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { launchChromium } from '../support/browser';
import { api, eventually, resetWorld, startStack, testEnv, testProducer } from '../support/stack';

const SCREENSHOTS = join(__dirname, 'screenshots');

// The endpoint form's payload filter (SPEC §10) in real headless Chromium against the real admin API
// and fan-out (which logs the events the preview tries): edit, "test against recent events", save, clear.
describe('the dashboard: an endpoint filter and its preview against recent events', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  let browser: Browser;
  let page: Page;
  let org: Org;
  let endpointId: string;
  const pageErrors: string[] = [];
  const orders = [
    { total: 20, currency: 'EUR' },
    { total: 150, currency: 'EUR' },
    { total: 300, currency: 'JPY' },
    { total: 99, currency: 'USD' },
    { total: 100, currency: 'USD' },
    { total: 5, currency: 'GBP' },
  ];
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    await resetWorld();
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startStack(testEnv(), ['subscriptions', 'fanout']);
    producer = await testProducer();
    org = await createOrg(stack.apiUrl, 'Acme');
    endpointId = (await createEndpoint(stack.apiUrl, org, { mode: 'test', eventTypes: ['order.new'], description: 'Orders' })).id;
    const events = orders.map((o, i) => domainEvent(org.id, 'order.new', 'test', `evt_dash_filter_${i}`, o));
    // Another type and the other mode: the preview must not try them for this endpoint.
    events.push(domainEvent(org.id, 'customer.created', 'test', 'evt_dash_customer', { total: 1000 }), domainEvent(org.id, 'order.new', 'live', 'evt_dash_live', { total: 1000 }));
    for (const e of events) await producer.send({ topic: e.type, messages: [{ key: org.id, value: JSON.stringify(e) }] });
    await eventually(async () => {
      const res = await api<{ data: unknown[] }>(stack.apiUrl, 'GET', '/v1/events?limit=20', { token: org.apiKey });
      return res.body.data.length === events.length ? true : undefined;
    }, 30_000, 'the fan-out to log every event');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A refused filter is a 400 the page shows; the browser logs the status itself.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of 40[0149]/.test(msg.text())) pageErrors.push(msg.text());
    });
    await page.goto(`${stack.apiUrl}/dashboard/`);
    await page.evaluate((key) => sessionStorage.setItem('sourcehub.apiKey', key), org.apiKey);
  });

  afterAll(async () => {
    await browser?.close();
    await producer?.disconnect();
    await stack?.stop();
  });

  it('should show which recent events of the endpoint mode and types a filter matches', async () => {
    await page.goto(`${stack.apiUrl}/dashboard/#/endpoints/${endpointId}/edit`);
    await page.getByRole('heading', { name: 'Edit endpoint' }).waitFor();
    await page.getByLabel('Filter (optional)').fill('{"data.total": {"$gte": 100}, "data.currency": {"$in": ["EUR", "USD"]}}');
    await page.getByRole('button', { name: 'Test against recent events' }).click();

    const expected = orders.filter((o) => o.total >= 100 && ['EUR', 'USD'].includes(o.currency)).length;
    await page.locator('#filter-preview-summary').filter({ hasText: `Matches ${expected} of the ${orders.length} most recent test events of these types.` }).waitFor();
    expect(await page.locator('#filter-preview tbody tr').count()).toBe(orders.length);
    expect(await page.locator('#filter-preview tbody tr.matches').count()).toBe(expected);
    // Newest first: the last order published is the first row, and it does not match (5 GBP).
    await expect(page.locator('#filter-preview tbody tr').first().textContent()).resolves.toContain('evt_dash_filter_5');
    await page.locator('#filter-preview tbody tr.matches').first().getByText('data').click();
    await shot('10-filter-preview');
  });

  it('should show the API refusal naming filter and the bad part, and a JSON mistake before sending', async () => {
    await page.getByLabel('Filter (optional)').fill('{"data.total": {"$foo": 1}}');
    await page.getByRole('button', { name: 'Test against recent events' }).click();
    await page.getByRole('alert').filter({ hasText: 'filter is invalid: filter.data.total.$foo: unknown operator $foo' }).waitFor();
    await shot('11-filter-refused');

    await page.getByLabel('Filter (optional)').fill('{"data.total": ');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: 'filter is not valid JSON' }).waitFor();
    const unchanged = await api<{ filter: unknown; version: number }>(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}`, { token: org.apiKey });
    expect(unchanged.body).toMatchObject({ filter: null, version: 1 });
  });

  it('should save the filter, show it on the endpoint, and remove it again', async () => {
    const filter = { 'data.currency': { $nin: ['JPY'] } };
    await page.getByLabel('Filter (optional)').fill(JSON.stringify(filter));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#endpoint-filter-value').filter({ hasText: JSON.stringify(filter) }).waitFor();
    await shot('12-filter-saved');
    expect((await api<{ filter: unknown }>(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}`, { token: org.apiKey })).body.filter).toEqual(filter);

    await page.getByRole('link', { name: 'Edit' }).click();
    expect(JSON.parse(await page.getByLabel('Filter (optional)').inputValue())).toEqual(filter);
    await page.getByLabel('Filter (optional)').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#endpoint-filter-value').filter({ hasText: 'none' }).waitFor();
    expect((await api<{ filter: unknown }>(stack.apiUrl, 'GET', `/v1/endpoints/${endpointId}`, { token: org.apiKey })).body.filter).toBeNull();
  });

  it('should have run without script errors or policy violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
