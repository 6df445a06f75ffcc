import { Agent, request } from 'undici';
import { PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg, LOOPBACK_URL } from './admin-api';
import { missingSecurityHeaders } from './security-headers';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { statusCode?: number; error?: string; message?: string[] } | null;
}

// Other loopback addresses stand for other clients: Linux lets a socket bind any 127.x address.
const from = (address: string) => new Agent({ localAddress: address });

async function call(apiUrl: string, token: string | undefined, options: { method?: string; path?: string; body?: unknown; agent?: Agent; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await request(`${apiUrl}${options.path ?? '/v1/endpoints'}`, {
    method: (options.method ?? 'GET') as 'GET',
    dispatcher: options.agent,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? (JSON.parse(text) as Answer['body']) : null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PER_KEY = 5;
const FAILED_PER_ADDRESS = 3;
const WINDOW_SECONDS = 60;

describe('rate limits of the admin API', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  // Organizations and keys are made through an instance without limits (same database), so making
  // them spends none of the budgets under test.
  let unlimited: Awaited<ReturnType<typeof startStack>>;
  const env = testEnv({
    API_RATE_LIMIT_PER_KEY: String(PER_KEY),
    API_RATE_LIMIT_FAILED_AUTH_PER_IP: String(FAILED_PER_ADDRESS),
    API_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  });

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env, ['subscriptions']);
    unlimited = await startStack({ ...env, API_RATE_LIMIT_PER_KEY: '0', API_RATE_LIMIT_FAILED_AUTH_PER_IP: '0' }, ['subscriptions']);
  });

  afterAll(async () => {
    await stack?.stop();
    await unlimited?.stop();
  });

  const newOrg = async (name: string) => createOrg(unlimited.apiUrl, name);

  it('should answer 429 with Retry-After in the error shape once a key has made its requests of the window, and count them down before', async () => {
    const org = await newOrg('Busy');
    const answers: Answer[] = [];
    for (let i = 0; i <= PER_KEY; i++) answers.push(await call(stack.apiUrl, org.apiKey));

    expect(answers.map((a) => a.status)).toEqual([...Array(PER_KEY).fill(200), 429]);
    expect(answers.slice(0, PER_KEY).map((a) => a.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    expect(answers[0].headers['ratelimit-limit']).toBe(String(PER_KEY));
    const refused = answers[PER_KEY];
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'TOO_MANY_REQUESTS',
      message: [expect.stringMatching(new RegExp(`^too many requests for this API key \\(at most ${PER_KEY} per ${WINDOW_SECONDS} s\\); retry after \\d+ s$`))],
      code: 'rate_limited',
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(missingSecurityHeaders(refused.headers)).toEqual([]);
  });

  it('should change nothing when a throttled key asks for a change', async () => {
    const org = await newOrg('Throttled writer');
    for (let i = 0; i < PER_KEY; i++) await call(stack.apiUrl, org.apiKey);

    const res = await call(stack.apiUrl, org.apiKey, { method: 'POST', body: { url: LOOPBACK_URL, mode: 'test' } });

    expect(res.status).toBe(429);
    expect(await query('SELECT id FROM endpoints WHERE organization_id = $1', [org.id])).toEqual([]);
  });

  it("should count per key: another organization's key and the same organization's other key keep their own budget", async () => {
    const a = await newOrg('A');
    const b = await newOrg('B');
    const spare = (await call(unlimited.apiUrl, a.apiKey, { method: 'POST', path: '/v1/api-keys', body: { name: 'spare' } })).body as unknown as { apiKey: string };
    for (let i = 0; i < PER_KEY; i++) await call(stack.apiUrl, a.apiKey);
    expect((await call(stack.apiUrl, a.apiKey)).status).toBe(429);

    expect((await call(stack.apiUrl, b.apiKey)).status).toBe(200);
    expect((await call(stack.apiUrl, spare.apiKey)).status).toBe(200);
  });

  it('should count the platform token like a key', async () => {
    const created: number[] = [];
    for (let i = 0; i <= PER_KEY; i++) {
      created.push((await call(stack.apiUrl, PLATFORM_ADMIN_TOKEN, { method: 'POST', path: '/v1/organizations', body: { name: `org ${i}` } })).status);
    }

    expect(created).toEqual([...Array(PER_KEY).fill(201), 429]);
  });

  it('should refuse an address with 429 after its failed authentications, even with a valid key, and leave other addresses alone', async () => {
    const org = await newOrg('Neighbour');
    const guesser = from('127.0.0.2');
    const failures: number[] = [];
    for (const token of ['shk_guess1', undefined, 'shk_guess3']) failures.push((await call(stack.apiUrl, token, { agent: guesser })).status);

    const withValidKey = await call(stack.apiUrl, org.apiKey, { agent: guesser });
    const withPlatformToken = await call(stack.apiUrl, PLATFORM_ADMIN_TOKEN, { method: 'POST', path: '/v1/organizations', body: { name: 'x' }, agent: guesser });
    const otherAddress = await call(stack.apiUrl, 'shk_guess4', { agent: from('127.0.0.3') });

    expect(failures).toEqual([401, 401, 401]);
    expect(withValidKey.status).toBe(429);
    expect(withValidKey.body?.message).toEqual([expect.stringMatching(/^too many requests without a valid API key from this address \(at most 3 per 60 s\); retry after \d+ s$/)]);
    expect(Number(withValidKey.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(withPlatformToken.status).toBe(429);
    expect(otherAddress.status).toBe(401);
    expect((await call(stack.apiUrl, org.apiKey)).status).toBe(200);
  });

  it('should share the counts between instances, since they live in PostgreSQL', async () => {
    const second = await startStack(env, ['subscriptions']);
    try {
      const org = await newOrg('Two instances');
      const statuses: number[] = [];
      for (let i = 0; i <= PER_KEY; i++) statuses.push((await call(i % 2 === 0 ? stack.apiUrl : second.apiUrl, org.apiKey)).status);

      expect(statuses).toEqual([...Array(PER_KEY).fill(200), 429]);
    } finally {
      await second.stop();
    }
  });

  it('should count failures per forwarded client address when TRUST_PROXY trusts the proxy in front', async () => {
    const behindProxy = await startStack({ ...env, TRUST_PROXY: 'loopback' }, ['subscriptions']);
    try {
      const forwardedFor = (address: string) => ({ headers: { 'x-forwarded-for': address } });
      for (let i = 0; i < FAILED_PER_ADDRESS; i++) await call(behindProxy.apiUrl, 'shk_wrong', forwardedFor('203.0.113.7'));

      expect((await call(behindProxy.apiUrl, 'shk_wrong', forwardedFor('203.0.113.7'))).status).toBe(429);
      expect((await call(behindProxy.apiUrl, 'shk_wrong', forwardedFor('203.0.113.8'))).status).toBe(401);
    } finally {
      await behindProxy.stop();
    }
  });

  it('should let a key and an address in again once the window has passed', async () => {
    const shortWindow = await startStack({ ...env, API_RATE_LIMIT_WINDOW_SECONDS: '2' }, ['subscriptions']);
    try {
      const org = await newOrg('Patient');
      const address = from('127.0.0.4');
      // Spend both budgets; on a slow machine a window may pass meanwhile, so spend until refused.
      const spend = async (token: string | undefined, agent?: Agent): Promise<Answer> => {
        for (let i = 0; i < 50; i++) {
          const res = await call(shortWindow.apiUrl, token, { agent });
          if (res.status === 429) return res;
        }
        throw new Error('never refused');
      };
      const keyRefusal = await spend(org.apiKey);
      const addressRefusal = await spend('shk_wrong', address);

      await sleep(Math.max(Number(keyRefusal.headers['retry-after']), Number(addressRefusal.headers['retry-after'])) * 1000 + 300);

      expect((await call(shortWindow.apiUrl, org.apiKey)).status).toBe(200);
      expect((await call(shortWindow.apiUrl, org.apiKey, { agent: address })).status).toBe(200);
    } finally {
      await shortWindow.stop();
    }
  });

  it('should not limit at all when the limits are set to 0', async () => {
    const org = await newOrg('Unlimited');
    const statuses: number[] = [];
    for (let i = 0; i < PER_KEY * 2; i++) statuses.push((await call(unlimited.apiUrl, org.apiKey)).status);
    for (let i = 0; i < FAILED_PER_ADDRESS * 2; i++) statuses.push((await call(unlimited.apiUrl, 'shk_wrong', { agent: from('127.0.0.5') })).status);

    expect(statuses).toEqual([...Array(PER_KEY * 2).fill(200), ...Array(FAILED_PER_ADDRESS * 2).fill(401)]);
  });
});
