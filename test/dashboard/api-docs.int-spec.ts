import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { eventually, resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg, Org } from '../subscriptions/admin-api';

// Swagger UI at /docs under the security headers every answer carries: its own content security
// policy must let it render the document and call the API, and nothing else.
describe('the API documentation page in a browser', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let browser: Browser;
  let page: Page;
  let org: Org;
  const problems: string[] = [];

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv(), ['subscriptions']);
    org = await createOrg(stack.apiUrl, 'Reader');
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    // A blocked script, style or request shows up as a console error ("Refused to ...") or a page error.
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('should render every operation of the document with no content security policy violation', async () => {
    const response = await page.goto(`${stack.apiUrl}/docs`);

    expect(response?.status()).toBe(200);
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    await page.locator('.opblock').first().waitFor();
    const shown = await page.locator('.opblock-summary-path').allTextContents();
    expect(shown.map((p) => p.replace(/\u200b/g, ''))).toEqual(expect.arrayContaining(['/v1/endpoints', '/v1/endpoints/{id}/replay', '/v1/organizations']));
    expect(await page.locator('.opblock').count()).toBeGreaterThanOrEqual(20);
    expect(problems).toEqual([]);
  });

  it("should let the page call the API on its own origin, as Swagger UI's try-it-out does", async () => {
    const status = await page.evaluate(async (apiKey) => (await fetch('/v1/event-types', { headers: { authorization: `Bearer ${apiKey}` } })).status, org.apiKey);

    expect(status).toBe(200);
    expect(problems).toEqual([]);
  });

  it('should refuse to be framed by another page', async () => {
    const framing = await browser.newPage();
    try {
      const refusals: string[] = [];
      framing.on('console', (msg) => refusals.push(msg.text()));
      await framing.setContent(`<iframe src="${stack.apiUrl}/docs"></iframe>`);

      // Chromium reports the refusal on the framing page and leaves the frame on its error page.
      const refusal = await eventually(async () => refusals.find((m) => /frame-ancestors|X-Frame-Options/.test(m)), 10_000, 'the browser to refuse the frame');
      expect(refusal).toMatch(/blocked|Refused/);
      expect(framing.frames()[1]?.url()).not.toContain('/docs');
    } finally {
      await framing.close();
    }
  });
});
