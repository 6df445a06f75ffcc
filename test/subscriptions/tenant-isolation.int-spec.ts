import { newId } from '@app/contracts';
import { request } from 'undici';
import { api, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg, ErrorBody, LOOPBACK_URL, Org, storedState } from './admin-api';
import { collectionOf, describeOperation, fetchOpenApi, fillPath, Operation, operationsOf, validValue } from './openapi';
import { changedParts, OrgResources, populate, StoredWorld } from './stored-world';

// The tenant isolation matrix: every operation of the admin API's own OpenAPI document (a route added
// later is tried without touching this file) called with one organization's key on the other's
// resources. Never a read or a write across tenants: 404 exactly like a missing resource, nothing
// stored or published, nothing of the other organization in any answer.

/** Ids that name nothing, one per collection a path can address. */
const MISSING: OrgResources = { endpoints: [newId('ep')], 'api-keys': [newId('key')], events: ['evt_missing'], deliveries: [`del_${'0'.repeat(32)}`], replays: [newId('job')], sessions: [newId('ep')] };

/** Resources of the platform, owned by no organization (the event-type catalog): addressed alike from every side. */
const PLATFORM_RESOURCES: Record<string, string[]> = { 'event-types': ['product.updated'] };

/** A body the operation accepts: the schema's own examples, with values the test receivers and clock need. */
function validBody(op: Operation): unknown {
  if (!op.body) return undefined;
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  return validValue(op.body, 'body', { url: () => LOOPBACK_URL, from: () => hourAgo, to: () => new Date().toISOString() });
}

/** Path values naming the given organization's resources (or the missing ones). */
function pathFor(op: Operation, resources: OrgResources): string {
  const values = Object.fromEntries(
    op.pathParams.map((p) => {
      const collection = collectionOf(op.path, p.name) as keyof OrgResources;
      if (PLATFORM_RESOURCES[collection]) return [p.name, PLATFORM_RESOURCES[collection][0]];
      if (!resources[collection]) throw new Error(`${describeOperation(op)} addresses "${collection}", which the tenant matrix does not know: add it to populate() and MISSING`);
      return [p.name, resources[collection][0]];
    }),
  );
  return fillPath(op.path, values);
}

async function call(apiUrl: string, op: Operation, path: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const body = validBody(op);
  const res = await request(`${apiUrl}${path}`, {
    method: op.method as 'GET',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

describe('the admin API between two organizations', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let operations: Operation[];
  let stored: StoredWorld;
  let a: Org;
  let b: Org;
  let ofA: OrgResources;
  /** Everything of A that must never appear in an answer to B: ids, the key, the endpoint secrets. */
  let secretsOfA: string[];

  beforeAll(async () => {
    await resetWorld();
    // A listen session without a CLI is reaped after the grace period: not while the suite compares stored states.
    stack = await startStack(testEnv({ LISTEN_SESSION_GRACE_SECONDS: '3600' }), ['subscriptions']);
    operations = operationsOf(await fetchOpenApi(stack.apiUrl));
    [a, b] = [await createOrg(stack.apiUrl, 'A'), await createOrg(stack.apiUrl, 'B')];
    // B has resources of its own too, so a leak could not hide behind an empty organization.
    ofA = await populate(stack.apiUrl, a.apiKey, LOOPBACK_URL);
    await populate(stack.apiUrl, b.apiKey, LOOPBACK_URL);
    stored = await StoredWorld.open();
    await stored.settleBackgroundWrites();
    const aRows = await query<{ id: string; secret: string }>('SELECT id, secret FROM endpoints WHERE organization_id = $1', [a.id]);
    const aKeys = await query<{ id: string }>('SELECT id FROM api_keys WHERE organization_id = $1', [a.id]);
    secretsOfA = [a.id, a.apiKey, ...aRows.flatMap((r) => [r.id, r.secret]), ...aKeys.map((k) => k.id), ...Object.values(ofA).flat()];
  });

  afterAll(async () => {
    await stored?.close();
    await stack?.stop();
  });

  it("should answer 404 exactly as for a missing resource, and store or publish nothing, when B calls any documented operation on A's resource", async () => {
    // The platform's own routes address no organization's resource (their credential is tried below).
    const addressed = operations.filter((op) => op.pathParams.length > 0 && op.auth !== 'platformAdmin');
    const bAuth = { authorization: `Bearer ${b.apiKey}` };
    const outcomes = [];
    for (const op of addressed) {
      const before = await stored.fingerprint();
      const foreign = await call(stack.apiUrl, op, pathFor(op, ofA), bAuth);
      const changed = changedParts(before, await stored.fingerprint());
      const missing = await call(stack.apiUrl, op, pathFor(op, MISSING), bAuth);
      const withoutIds = (text: string, resources: OrgResources) => Object.values(resources).flat().reduce((t, id) => t.replaceAll(id, '<id>'), text);
      outcomes.push({
        operation: describeOperation(op),
        status: foreign.status,
        answeredAsMissing: withoutIds(foreign.text, ofA) === withoutIds(missing.text, MISSING),
        changed,
        leaked: secretsOfA.filter((s) => !Object.values(ofA).flat().includes(s) && foreign.text.includes(s)),
      });
    }

    expect(addressed.length).toBeGreaterThanOrEqual(13);
    expect(outcomes).toEqual(addressed.map((op) => ({ operation: describeOperation(op), status: 404, answeredAsMissing: true, changed: [], leaked: [] })));
  });

  it("should never show or change A's resources when B calls any documented operation that names no resource", async () => {
    const collections = operations.filter((op) => op.pathParams.length === 0);
    const outcomes = [];
    for (const op of collections) {
      const before = await storedState(a.id);
      const res = await call(stack.apiUrl, op, op.path, { authorization: `Bearer ${b.apiKey}` });
      outcomes.push({
        operation: describeOperation(op),
        // An organization route does what B asked, for B; the platform route refuses B's key.
        answered: op.auth === 'platformAdmin' ? res.status === 401 : res.status < 300,
        aChanged: JSON.stringify(await storedState(a.id)) !== JSON.stringify(before),
        leaked: secretsOfA.filter((s) => res.text.includes(s)),
      });
    }

    expect(collections.length).toBeGreaterThanOrEqual(7);
    expect(outcomes).toEqual(collections.map((op) => ({ operation: describeOperation(op), answered: true, aChanged: false, leaked: [] })));
  });

  // What each list must hold, read from the database: B's own rows only (the matrix above made some).
  it.each<[string, string]>([
    ['/v1/endpoints', `SELECT id FROM endpoints WHERE organization_id = $1`],
    ['/v1/endpoints?mode=live', `SELECT id FROM endpoints WHERE organization_id = $1 AND mode = 'live'`],
    ['/v1/endpoints?mode=test', `SELECT id FROM endpoints WHERE organization_id = $1 AND mode = 'test'`],
    ['/v1/endpoints?status=enabled', `SELECT id FROM endpoints WHERE organization_id = $1 AND status = 'enabled'`],
    ['/v1/endpoints?eventType=customer.created', `SELECT id FROM endpoints WHERE organization_id = $1 AND event_types && ARRAY['customer.created', '*']`],
    ['/v1/endpoints?limit=100', `SELECT id FROM endpoints WHERE organization_id = $1`],
    ['/v1/events', `SELECT id FROM events WHERE organization_id = $1`],
    ['/v1/api-keys?limit=100', `SELECT id FROM api_keys WHERE organization_id = $1`],
  ])("should list only the caller's own resources when B lists %s", async (path, own) => {
    const res = await api<{ data: Array<{ id: string }>; nextCursor: string | null }>(stack.apiUrl, 'GET', path, { token: b.apiKey });
    const expected = (await query<{ id: string }>(own, [b.id])).map((r) => r.id);

    expect(res.status).toBe(200);
    expect(expected.length).toBeGreaterThan(0);
    expect(res.body.data.map((item) => item.id).sort()).toEqual(expected.sort());
  });

  it("should not accept another organization's cursor as a way into its list when B pages with an id of A", async () => {
    // A cursor is only a position in the caller's own ordered list: A's id as a position shows B's later rows, never A's.
    const cursor = Buffer.from(ofA.endpoints[0]).toString('base64url');
    const res = await api<{ data: Array<{ id: string }> }>(stack.apiUrl, 'GET', `/v1/endpoints?cursor=${cursor}`, { token: b.apiKey });

    expect(res.status).toBe(200);
    expect(res.body.data.filter((e) => ofA.endpoints.includes(e.id))).toEqual([]);
  });

  it.each<[string, Record<string, string>]>([
    ['no Authorization header', {}],
    ['a Basic scheme', { authorization: `Basic ${Buffer.from('x:shk_x').toString('base64')}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['an unknown key', { authorization: 'Bearer shk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ["another credential than the operation's", { authorization: 'other' }],
  ])('should answer 401 in the error shape and change nothing on every documented operation when it is called with %s', async (_why, headers) => {
    const outcomes = [];
    for (const op of operations) {
      // The platform token is the wrong credential for organization routes, an API key for the platform's.
      const auth = headers.authorization === 'other' ? { authorization: `Bearer ${op.auth === 'platformAdmin' ? a.apiKey : PLATFORM_ADMIN_TOKEN}` } : headers;
      const before = await stored.fingerprint();
      const res = await call(stack.apiUrl, op, pathFor(op, ofA), auth);
      outcomes.push({ operation: describeOperation(op), status: res.status, body: JSON.parse(res.text) as unknown, changed: changedParts(before, await stored.fingerprint()) });
    }

    expect(outcomes).toEqual(
      operations.map((op) => ({ operation: describeOperation(op), status: 401, body: { statusCode: 401, error: 'UNAUTHORIZED', message: [expect.any(String)], code: 'unauthorized' }, changed: [] })),
    );
  });

  it('should answer 401 on every documented organization operation when the key was revoked', async () => {
    const org = await createOrg(stack.apiUrl, 'C');
    const own = await populate(stack.apiUrl, org.apiKey, LOOPBACK_URL);
    await stored.settleBackgroundWrites();
    const extra = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/api-keys', { token: org.apiKey, body: { name: 'to revoke' } });
    expect((await api(stack.apiUrl, 'GET', '/v1/endpoints', { token: extra.body.apiKey })).status).toBe(200);

    expect((await api(stack.apiUrl, 'DELETE', `/v1/api-keys/${extra.body.id}`, { token: org.apiKey })).status).toBe(204);

    const before = await storedState(org.id);
    const organizationOps = operations.filter((op) => op.auth === 'apiKey');
    const statuses = [];
    for (const op of organizationOps) statuses.push([describeOperation(op), (await call(stack.apiUrl, op, pathFor(op, own), { authorization: `Bearer ${extra.body.apiKey}` })).status]);
    expect(statuses).toEqual(organizationOps.map((op) => [describeOperation(op), 401]));
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
    const res = await api<ErrorBody>(stack.apiUrl, 'GET', path.replace(':endpoint', ofA.endpoints[0]), { token: token ? a.apiKey : undefined });

    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'NOT_FOUND', message: [expect.any(String)], code: 'not_found' });
  });
});
