import { newId } from '@app/contracts';
import { api, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv } from '../support/stack';
import { createEndpoint, createOrg, EndpointBody, ErrorBody, Org, storedState } from './admin-api';

// Every organization route, with placeholders for the ids of the organization under test.
interface Route {
  method: string;
  path: string;
  body?: unknown;
}
const ROUTES: Route[] = [
  { method: 'POST', path: '/v1/endpoints', body: { url: 'http://127.0.0.1:9/new', mode: 'test' } },
  { method: 'GET', path: '/v1/endpoints' },
  { method: 'GET', path: '/v1/endpoints/:endpoint' },
  { method: 'PATCH', path: '/v1/endpoints/:endpoint', body: { description: 'changed' } },
  { method: 'PATCH', path: '/v1/endpoints/:endpoint', body: { url: 'http://127.0.0.1:9/moved' } },
  { method: 'DELETE', path: '/v1/endpoints/:endpoint' },
  { method: 'POST', path: '/v1/endpoints/:endpoint/rotate-secret' },
  { method: 'GET', path: '/v1/endpoints/:endpoint/secret' },
  { method: 'GET', path: '/v1/event-types' },
  { method: 'POST', path: '/v1/api-keys', body: { name: 'another' } },
  { method: 'GET', path: '/v1/api-keys' },
  { method: 'DELETE', path: '/v1/api-keys/:key' },
];
const RESOURCE_ROUTES = ROUTES.filter((r) => r.path.includes(':'));
const describeRoute = (r: Route) => `${r.method} ${r.path}${r.body ? ' ' + JSON.stringify(r.body) : ''}`;

describe('the admin API between two organizations', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let a: Org;
  let b: Org;
  let bEndpoints: EndpointBody[];
  let bSpareKeyId: string;
  let aEndpoint: EndpointBody;
  let aTestEndpoint: EndpointBody;

  const fill = (path: string, ids: { endpoint: string; key: string }) => path.replace(':endpoint', ids.endpoint).replace(':key', ids.key);

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv(), ['subscriptions']);
    [a, b] = [await createOrg(stack.apiUrl, 'A'), await createOrg(stack.apiUrl, 'B')];
    aEndpoint = await createEndpoint(stack.apiUrl, a, { mode: 'live', eventTypes: ['order.new'] });
    aTestEndpoint = await createEndpoint(stack.apiUrl, a, { mode: 'test', eventTypes: ['customer.created'] });
    bEndpoints = [
      await createEndpoint(stack.apiUrl, b, { mode: 'live', eventTypes: ['order.new'] }),
      await createEndpoint(stack.apiUrl, b, { mode: 'test' }),
    ];
    const spare = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/api-keys', { token: b.apiKey, body: { name: 'spare' } });
    bSpareKeyId = spare.body.id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it.each(RESOURCE_ROUTES.map((r) => [describeRoute(r), r] as const))(
    "should answer 404 exactly as for a missing resource and change nothing when A calls %s on B's resource",
    async (_name, route) => {
      const before = await storedState(b.id);
      const bIds = { endpoint: bEndpoints[0].id, key: bSpareKeyId };
      const missingIds = { endpoint: newId('ep'), key: newId('key') };

      const foreign = await api<ErrorBody>(stack.apiUrl, route.method, fill(route.path, bIds), { token: a.apiKey, body: route.body });
      const missing = await api<ErrorBody>(stack.apiUrl, route.method, fill(route.path, missingIds), { token: a.apiKey, body: route.body });

      expect(foreign.status).toBe(404);
      expect(missing.status).toBe(404);
      const withoutIds = (body: ErrorBody, ids: { endpoint: string; key: string }) =>
        JSON.stringify(body).replaceAll(ids.endpoint, '<id>').replaceAll(ids.key, '<id>');
      expect(withoutIds(foreign.body, bIds)).toBe(withoutIds(missing.body, missingIds));
      expect(await storedState(b.id)).toEqual(before);
    },
  );

  it.each<[string, Array<'live' | 'test' | 'keys'>]>([
    ['/v1/endpoints', ['live', 'test']],
    ['/v1/endpoints?mode=live', ['live']],
    ['/v1/endpoints?mode=test', ['test']],
    ['/v1/endpoints?status=enabled', ['live', 'test']],
    ['/v1/endpoints?eventType=order.new', ['live']],
    ['/v1/endpoints?limit=100', ['live', 'test']],
    ['/v1/api-keys', ['keys']],
  ])("should list only the caller's own resources when A lists %s", async (path, expected) => {
    const res = await api<{ data: Array<{ id: string }>; nextCursor: string | null }>(stack.apiUrl, 'GET', path, { token: a.apiKey });

    expect(res.status).toBe(200);
    const ids = res.body.data.map((item) => item.id);
    const aKeys = (await query<{ id: string }>('SELECT id FROM api_keys WHERE organization_id = $1', [a.id])).map((r) => r.id);
    const aOwn = expected.flatMap((what) => (what === 'keys' ? aKeys : what === 'live' ? [aEndpoint.id] : [aTestEndpoint.id]));
    expect(ids.sort()).toEqual(aOwn.sort());
    const bIds = (await query<{ id: string }>('SELECT id FROM endpoints WHERE organization_id = $1 UNION SELECT id FROM api_keys WHERE organization_id = $1', [b.id])).map((r) => r.id);
    expect(bIds).toHaveLength(4);
    expect(ids.filter((id) => bIds.includes(id))).toEqual([]);
  });

  it("should not accept another organization's cursor as a way into its list when A pages with an id of B", async () => {
    // A cursor is only a position in the caller's own ordered list: B's id as a position shows A's later rows, never B's.
    const cursor = Buffer.from(bEndpoints[0].id).toString('base64url');
    const res = await api<{ data: Array<{ id: string }> }>(stack.apiUrl, 'GET', `/v1/endpoints?cursor=${cursor}`, { token: a.apiKey });

    expect(res.status).toBe(200);
    expect(res.body.data.every((e) => e.id !== bEndpoints[0].id && e.id !== bEndpoints[1].id)).toBe(true);
  });

  it.each(ROUTES.map((r) => [describeRoute(r), r] as const))('should answer 401 and change nothing when %s is called without a valid key', async (_name, route) => {
    const ids = { endpoint: aEndpoint.id, key: (await query<{ id: string }>('SELECT id FROM api_keys WHERE organization_id = $1 LIMIT 1', [a.id]))[0].id };
    const before = await storedState(a.id);
    const attempts: Array<[string, Record<string, string>]> = [
      ['no Authorization header', {}],
      ['a Basic scheme', { authorization: `Basic ${Buffer.from(`x:${a.apiKey}`).toString('base64')}` }],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['an unknown key', { authorization: 'Bearer shk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
      ['the platform admin token', { authorization: `Bearer ${PLATFORM_ADMIN_TOKEN}` }],
    ];
    for (const [why, headers] of attempts) {
      const res = await fetch(`${stack.apiUrl}${fill(route.path, ids)}`, {
        method: route.method,
        headers: { 'content-type': 'application/json', ...headers },
        body: route.body ? JSON.stringify(route.body) : undefined,
      });
      const body = (await res.json()) as ErrorBody;
      expect({ why, status: res.status }).toEqual({ why, status: 401 });
      expect(body).toEqual({ statusCode: 401, error: 'UNAUTHORIZED', message: [expect.any(String)] });
    }
    expect(await storedState(a.id)).toEqual(before);
  });

  it('should answer 401 on every route when the key was revoked', async () => {
    const org = await createOrg(stack.apiUrl, 'C');
    const endpoint = await createEndpoint(stack.apiUrl, org);
    const extra = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/api-keys', { token: org.apiKey, body: { name: 'to revoke' } });
    expect((await api(stack.apiUrl, 'GET', '/v1/endpoints', { token: extra.body.apiKey })).status).toBe(200);

    expect((await api(stack.apiUrl, 'DELETE', `/v1/api-keys/${extra.body.id}`, { token: org.apiKey })).status).toBe(204);

    const before = await storedState(org.id);
    for (const route of ROUTES) {
      const res = await api<ErrorBody>(stack.apiUrl, route.method, fill(route.path, { endpoint: endpoint.id, key: extra.body.id }), { token: extra.body.apiKey, body: route.body });
      expect({ route: describeRoute(route), status: res.status }).toEqual({ route: describeRoute(route), status: 401 });
    }
    expect(await storedState(org.id)).toEqual(before);
    expect((await api(stack.apiUrl, 'GET', '/v1/endpoints', { token: org.apiKey })).status).toBe(200);
  });

  it.each<[string, string | undefined]>([
    ['no token', undefined],
    ['a wrong token', 'test-platform-admin-token-0123456788'],
    ['a longer token that starts with the right one', `${PLATFORM_ADMIN_TOKEN}x`],
    ["an organization's API key", 'org-key'],
  ])('should answer 401 and create no organization when POST /v1/organizations has %s', async (_name, token) => {
    const before = await query('SELECT id FROM organizations ORDER BY id');
    const res = await api<ErrorBody>(stack.apiUrl, 'POST', '/v1/organizations', { token: token === 'org-key' ? a.apiKey : token, body: { name: 'Mallory' } });

    expect(res.status).toBe(401);
    expect(res.body.statusCode).toBe(401);
    expect(await query('SELECT id FROM organizations ORDER BY id')).toEqual(before);
  });

  it.each<[string, string, string | undefined]>([
    ['an unknown path with a key', '/v1/nothing-here', 'key'],
    ['an unknown path without a key', '/v1/nothing-here', undefined],
    ['an unknown sub-resource of an endpoint', '/v1/endpoints/:endpoint/nothing', 'key'],
    ['an unversioned path', '/endpoints', 'key'],
  ])('should answer 404 as JSON when the request names %s', async (_name, path, token) => {
    const res = await api<ErrorBody>(stack.apiUrl, 'GET', fill(path, { endpoint: aEndpoint.id, key: '' }), { token: token ? a.apiKey : undefined });

    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'NOT_FOUND', message: [expect.any(String)] });
  });
});
