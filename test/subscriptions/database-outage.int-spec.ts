import { eventually, PLATFORM_ADMIN_TOKEN, query, startStack, testEnv } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { createEndpoint, createOrg, ErrorBody, LOOPBACK_URL, Org } from '../subscriptions/admin-api';

/** One call with its status, Retry-After, body and duration; a call that does not answer within 15 s fails the test. */
async function call(url: string, method: string, token?: string, body?: unknown) {
  const t0 = Date.now();
  const res = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (text ? JSON.parse(text) : null) as ErrorBody, ms: Date.now() - t0 };
}

// The admin API's PostgreSQL is reached through a proxy that the test cuts, so the shared test
// database stays up for everyone else while this app sees it gone.
describe('admin API while its database is unreachable', () => {
  let proxy: TcpProxy;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let org: Org;
  let endpointId: string;

  beforeAll(async () => {
    const env = testEnv();
    const db = new URL(env.DATABASE_URL as string);
    proxy = await new TcpProxy(db.hostname, Number(db.port)).start();
    stack = await startStack({ ...env, DATABASE_URL: proxy.rewrite(env.DATABASE_URL as string) }, ['subscriptions']);
    org = await createOrg(stack.apiUrl, 'Outage');
    endpointId = (await createEndpoint(stack.apiUrl, org)).id;
  });

  afterAll(async () => {
    proxy?.restore();
    await stack?.stop();
    await proxy?.stop();
  });

  it('should answer 503 with Retry-After and a JSON error, quickly, while the database is gone, and recover by itself after', async () => {
    proxy.cut();
    const api = stack.apiUrl;
    const calls = await Promise.all([
      call(`${api}/v1/endpoints`, 'GET', org.apiKey),
      call(`${api}/v1/endpoints/${endpointId}`, 'GET', org.apiKey),
      call(`${api}/v1/endpoints`, 'POST', org.apiKey, { url: LOOPBACK_URL, mode: 'test' }),
      call(`${api}/v1/events`, 'GET', org.apiKey),
      call(`${api}/v1/organizations`, 'POST', PLATFORM_ADMIN_TOKEN, { name: 'During the outage' }),
    ]);
    for (const c of calls) {
      expect({ status: c.status, retryAfter: c.retryAfter, body: c.body }).toEqual({
        status: 503,
        retryAfter: '5',
        body: { statusCode: 503, error: 'SERVICE_UNAVAILABLE', message: [expect.stringMatching(/database is unavailable/)], code: 'database_unavailable' },
      });
      // Within the pool's connect timeout (5 s), not a hang.
      expect(c.ms).toBeLessThan(8_000);
    }
    const ready = await call(`${api}/health/ready`, 'GET');
    expect(ready.status).toBe(503);
    expect(ready.body.message).toEqual([expect.stringMatching(/^database: /)]);
    expect((await call(`${api}/health/live`, 'GET')).status).toBe(200);

    proxy.restore();
    await eventually(async () => ((await call(`${api}/health/ready`, 'GET')).status === 200 ? true : undefined), 15_000, 'ready again');
    expect((await call(`${api}/v1/endpoints`, 'GET', org.apiKey)).status).toBe(200);
    expect((await call(`${api}/v1/endpoints`, 'POST', org.apiKey, { url: LOOPBACK_URL, mode: 'test' })).status).toBe(201);
    // The refused POSTs changed nothing: one endpoint from before, one from after.
    expect(await query('SELECT count(*)::int AS n FROM endpoints WHERE organization_id = $1', [org.id])).toEqual([{ n: 2 }]);
    expect(await query(`SELECT count(*)::int AS n FROM organizations WHERE name = 'During the outage'`)).toEqual([{ n: 0 }]);
  });
});
