import { Consumer } from 'kafkajs';
import { EndpointChange, Topics } from '@app/contracts';
import { api, eventually, query, resetWorld, startStack, testEnv, testKafka } from '../support/stack';
import { createEndpoint, createOrg, EndpointBody, ErrorBody, Org, storedState } from './admin-api';

interface SeenChange extends EndpointChange {
  /** The endpoint row's version when the notice was read; null when the row is gone. */
  versionInDb: number | null;
}

describe('an endpoint through its life', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let consumer: Consumer;
  const changes: SeenChange[] = [];
  let org: Org;

  const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.apiUrl}/v1/endpoints/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as EndpointBody & ErrorBody }));
  const changesOf = (endpointId: string) => changes.filter((c) => c.endpointId === endpointId).map((c) => c.change);

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv(), ['subscriptions']);
    org = await createOrg(stack.apiUrl, 'Lifecycle');
    consumer = testKafka().consumer({ groupId: `test-endpoint-changes-${Date.now()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.endpointChanges, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const change = JSON.parse(message.value!.toString()) as EndpointChange;
        expect(message.key?.toString()).toBe(change.organizationId);
        const rows = await query<{ version: number }>('SELECT version FROM endpoints WHERE organization_id = $1 AND id = $2', [change.organizationId, change.endpointId]);
        changes.push({ ...change, versionInDb: rows[0]?.version ?? null });
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await stack?.stop();
  });

  it('should publish created, updated and deleted, each read when its change is already committed, when an endpoint is created, changed, rotated and deleted', async () => {
    // One step at a time: each notice is awaited before the next change, so the row a consumer reads
    // on receipt must be exactly the state that change committed (a notice sent before the commit would see the old one).
    // Each notice names the admin request that made the change (made up by the API: these calls give none).
    const REQUEST_ID = expect.stringMatching(/^req_[0-9a-f]{32}$/) as unknown as string;
    const noticeNumber = async (endpointId: string, n: number) =>
      eventually(async () => changes.filter((c) => c.endpointId === endpointId)[n - 1], 15_000, `change notice ${n}`);

    const endpoint = await createEndpoint(stack.apiUrl, org);
    expect(await noticeNumber(endpoint.id, 1)).toEqual({ organizationId: org.id, endpointId: endpoint.id, change: 'created', versionInDb: endpoint.version, requestId: REQUEST_ID });

    expect((await patch(endpoint.id, { description: 'v2' })).status).toBe(200);
    expect(await noticeNumber(endpoint.id, 2)).toEqual({ organizationId: org.id, endpointId: endpoint.id, change: 'updated', versionInDb: endpoint.version + 1, requestId: REQUEST_ID });

    expect((await api(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.id}/rotate-secret`, { token: org.apiKey })).status).toBe(200);
    expect(await noticeNumber(endpoint.id, 3)).toEqual({ organizationId: org.id, endpointId: endpoint.id, change: 'updated', versionInDb: endpoint.version + 2, requestId: REQUEST_ID });

    expect((await api(stack.apiUrl, 'DELETE', `/v1/endpoints/${endpoint.id}`, { token: org.apiKey })).status).toBe(204);
    expect(await noticeNumber(endpoint.id, 4)).toEqual({ organizationId: org.id, endpointId: endpoint.id, change: 'deleted', versionInDb: null, requestId: REQUEST_ID });
  });

  it('should publish nothing when a change is refused', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);
    await eventually(async () => (changesOf(endpoint.id).length === 1 ? true : undefined), 15_000, 'the created notice');

    expect((await patch(endpoint.id, { status: 'paused' })).status).toBe(400);
    expect((await patch(endpoint.id, { eventTypes: ['nope.nope'] })).status).toBe(400);
    expect((await patch(endpoint.id, { description: 'stale' }, { 'if-match': `"${endpoint.version + 5}"` })).status).toBe(409);
    expect((await api(stack.apiUrl, 'DELETE', `/v1/endpoints/${endpoint.id}`, { token: org.apiKey, body: undefined })).status).toBe(204);

    await eventually(async () => (changesOf(endpoint.id).length >= 2 ? true : undefined), 15_000, 'the deleted notice');
    expect(changesOf(endpoint.id)).toEqual(['created', 'deleted']);
  });

  it('should show an endpoint without its secret and with its version as ETag when it is read', async () => {
    const created = await createEndpoint(stack.apiUrl, org, { mode: 'live', eventTypes: ['order.new'], description: 'shop', headers: { 'x-shop': '1' }, metadata: { team: 'a' } });
    const res = await fetch(`${stack.apiUrl}/v1/endpoints/${created.id}`, { headers: { authorization: `Bearer ${org.apiKey}` } });
    const body = (await res.json()) as EndpointBody;

    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${created.version}"`);
    const { secret, ...withoutSecret } = created;
    expect(secret).toMatch(/^whsec_/);
    expect(body).toEqual(withoutSecret);
    expect(JSON.stringify(body)).not.toContain(secret);
  });

  it('should subscribe to every type when eventTypes is absent or names "*" among others', async () => {
    const absent = await createEndpoint(stack.apiUrl, org);
    const starred = await createEndpoint(stack.apiUrl, org, { eventTypes: ['order.new', '*'] });
    const repeated = await createEndpoint(stack.apiUrl, org, { eventTypes: ['order.new', 'order.new', 'customer.created'] });

    expect(absent.eventTypes).toEqual(['*']);
    expect(starred.eventTypes).toEqual(['*']);
    expect(repeated.eventTypes).toEqual(['order.new', 'customer.created']);
    expect(absent.status).toBe('enabled');
  });

  it.each<[string, Record<string, unknown>, Partial<EndpointBody>]>([
    ['the url', { url: 'http://127.0.0.1:9/moved' }, { url: 'http://127.0.0.1:9/moved' }],
    ['the event types', { eventTypes: ['product.created', 'product.deleted'] }, { eventTypes: ['product.created', 'product.deleted'] }],
    ['the event types to every type', { eventTypes: ['*'] }, { eventTypes: ['*'] }],
    ['the status to disabled', { status: 'disabled' }, { status: 'disabled' }],
    ['the description', { description: 'new words' }, { description: 'new words' }],
    ['the description to empty', { description: '' }, { description: '' }],
    ['the headers (replacing them all)', { headers: { 'x-new': 'n' } }, { headers: { 'x-new': 'n' } }],
    ['the headers to none', { headers: {} }, { headers: {} }],
    ['the metadata (replacing it all)', { metadata: { owner: 'ops' } }, { metadata: { owner: 'ops' } }],
    ['several fields at once', { status: 'disabled', description: 'paused for maintenance', eventTypes: ['order.updated'] }, { status: 'disabled', description: 'paused for maintenance', eventTypes: ['order.updated'] }],
  ])('should change only %s and bump the version when it is patched', async (_name, body, expected) => {
    const before = await createEndpoint(stack.apiUrl, org, { eventTypes: ['order.new'], description: 'old', headers: { 'x-old': 'o' }, metadata: { team: 'a' } });
    const { secret: _secret, ...shown } = before;

    const res = await patch(before.id, body);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...shown, ...expected, version: before.version + 1, updatedAt: expect.any(String) });
    expect(res.etag).toBe(`"${before.version + 1}"`);
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
    const read = await api<EndpointBody>(stack.apiUrl, 'GET', `/v1/endpoints/${before.id}`, { token: org.apiKey });
    expect(read.body).toEqual(res.body);
  });

  it('should re-enable a disabled endpoint when its status is patched to enabled', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);
    await patch(endpoint.id, { status: 'disabled' });

    const res = await patch(endpoint.id, { status: 'enabled' });

    expect(res.body.status).toBe('enabled');
    expect((await query<{ status: string }>('SELECT status FROM endpoints WHERE id = $1', [endpoint.id]))[0].status).toBe('enabled');
  });

  it('should answer 409 and change nothing when If-Match names a version that is no longer current', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org, { description: 'v1' });
    const first = await patch(endpoint.id, { description: 'by Alice' }, { 'if-match': `"${endpoint.version}"` });
    expect(first.status).toBe(200);
    const afterAlice = await storedState(org.id);

    const second = await patch(endpoint.id, { description: 'by Bob, from a stale read' }, { 'if-match': `"${endpoint.version}"` });

    expect(second.status).toBe(409);
    expect(second.body.message).toEqual([expect.stringMatching(/changed meanwhile.*version 1.*now at 2/)]);
    expect(await storedState(org.id)).toEqual(afterAlice);
  });

  it('should let exactly one of several concurrent writers win when they all send the same If-Match', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => patch(endpoint.id, { description: `writer ${i}` }, { 'if-match': `"${endpoint.version}"` })),
    );

    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200)!;
    const [row] = await query<{ description: string; version: number }>('SELECT description, version FROM endpoints WHERE id = $1', [endpoint.id]);
    expect(row).toEqual({ description: winner.body.description, version: endpoint.version + 1 });
  });

  it('should apply the change whatever the version when If-Match is * or absent', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);
    await patch(endpoint.id, { description: 'someone else' });

    expect((await patch(endpoint.id, { description: 'any version' }, { 'if-match': '*' })).status).toBe(200);
    const res = await patch(endpoint.id, { description: 'no condition' });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(endpoint.version + 3);
  });

  it('should delete the endpoint once and then answer 404 for it when it is deleted', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);

    const deleted = await api(stack.apiUrl, 'DELETE', `/v1/endpoints/${endpoint.id}`, { token: org.apiKey });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();

    expect((await api(stack.apiUrl, 'GET', `/v1/endpoints/${endpoint.id}`, { token: org.apiKey })).status).toBe(404);
    expect((await api(stack.apiUrl, 'DELETE', `/v1/endpoints/${endpoint.id}`, { token: org.apiKey })).status).toBe(404);
    expect((await patch(endpoint.id, { description: 'too late' })).status).toBe(404);
    expect(await query('SELECT id FROM endpoints WHERE id = $1', [endpoint.id])).toEqual([]);
  });

  it('should keep the endpoint and answer 409 when a delete names a stale version', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);
    await patch(endpoint.id, { description: 'changed after the read' });

    const res = await fetch(`${stack.apiUrl}/v1/endpoints/${endpoint.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${org.apiKey}`, 'if-match': `"${endpoint.version}"` },
    });

    expect(res.status).toBe(409);
    expect(await query('SELECT id FROM endpoints WHERE id = $1', [endpoint.id])).toHaveLength(1);
  });

  it('should list the catalog of event types seeded as data when asked for them', async () => {
    const res = await api<{ data: Array<{ name: string; description: string }> }>(stack.apiUrl, 'GET', '/v1/event-types', { token: org.apiKey });
    const stored = await query<{ name: string }>('SELECT name FROM event_types ORDER BY name');

    expect(res.status).toBe(200);
    expect(res.body.data.map((t) => t.name)).toEqual(stored.map((t) => t.name));
    expect(res.body.data.map((t) => t.name)).toEqual(expect.arrayContaining(['order.new', 'customer.created', 'product.deleted']));
  });

  it('should describe every route and body in the OpenAPI document generated from the validating DTOs', async () => {
    const res = await api<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { required?: string[]; properties: Record<string, unknown> }> } }>(
      stack.apiUrl,
      'GET',
      '/openapi.json',
    );

    expect(res.status).toBe(200);
    const routes = Object.entries(res.body.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/organizations',
        'POST /v1/api-keys',
        'GET /v1/api-keys',
        'DELETE /v1/api-keys/{id}',
        'POST /v1/endpoints',
        'GET /v1/endpoints',
        'GET /v1/endpoints/{id}',
        'PATCH /v1/endpoints/{id}',
        'DELETE /v1/endpoints/{id}',
        'POST /v1/endpoints/{id}/rotate-secret',
        'GET /v1/endpoints/{id}/secret',
        'GET /v1/event-types',
        'PUT /v1/event-types/{type}',
        'POST /v1/endpoints/filter-preview',
      ]),
    );
    const schemas = res.body.components.schemas;
    expect(schemas.CreateEndpointDto.required?.sort()).toEqual(['mode', 'url']);
    expect(Object.keys(schemas.CreateEndpointDto.properties).sort()).toEqual(['description', 'eventTypes', 'filter', 'headers', 'metadata', 'mode', 'ordering', 'rateLimitPerSecond', 'url']);
    expect(schemas.UpdateEndpointDto.required ?? []).toEqual([]);
    expect(Object.keys(schemas.UpdateEndpointDto.properties).sort()).toEqual(['description', 'eventTypes', 'filter', 'headers', 'metadata', 'ordering', 'rateLimitPerSecond', 'status', 'url']);
    expect(Object.keys(schemas.ApiKeyResponseDto.properties).sort()).toEqual(['createdAt', 'id', 'name', 'prefix', 'revokedAt']);
    expect(schemas.EndpointPageDto.properties).toEqual(expect.objectContaining({ data: expect.anything(), nextCursor: expect.anything() }));
    const docs = await fetch(`${stack.apiUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});
