import { randomUUID } from 'node:crypto';
import { createApiClient } from '@app/api-client';
import { IdempotencyInterceptor } from '../../apps/subscriptions/src/idempotency/idempotency.interceptor';
import { keyDigest } from '../../apps/subscriptions/src/idempotency/request-fingerprint';
import { PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg, LOOPBACK_URL, Org } from './admin-api';

// SPEC §13: Idempotency-Key on every POST. Against the real admin API and PostgreSQL: a retried POST is
// answered as the first one was and creates nothing more; a key reused for another request is a 409;
// concurrent duplicates are settled by the database (two admin API instances, so no shared memory).

const endpointsOf = async (org: Org) => (await query<{ id: string }>('SELECT id FROM endpoints WHERE organization_id = $1', [org.id])).map((r) => r.id);

describe('Idempotency-Key on the admin API', () => {
  let one: Awaited<ReturnType<typeof startStack>>;
  let two: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    await resetWorld();
    [one, two] = await Promise.all([startStack(testEnv(), ['subscriptions']), startStack(testEnv(), ['subscriptions'])]);
  });

  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
  });

  const clientOf = (org: Org, apiUrl = one.apiUrl) => createApiClient(apiUrl, { token: org.apiKey });
  const header = (key: string) => ({ header: { 'Idempotency-Key': key } });

  it('should answer a retried POST with the same status, body and ETag as the first, creating one endpoint', async () => {
    const org = await createOrg(one.apiUrl, 'Retrier');
    const key = randomUUID();
    const body = { url: LOOPBACK_URL, mode: 'test' as const, description: 'once' };

    const first = await clientOf(org).POST('/v1/endpoints', { body, params: header(key), parseAs: 'text' });
    // Another key order is the same body; the other instance answers from the database.
    const again = await clientOf(org, two.apiUrl).POST('/v1/endpoints', { body: { description: 'once', mode: 'test', url: LOOPBACK_URL }, params: header(key), parseAs: 'text' });

    expect(first.response.status).toBe(201);
    expect(again.response.status).toBe(201);
    expect(again.data).toBe(first.data);
    expect(again.response.headers.get('etag')).toBe(first.response.headers.get('etag'));
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();
    const endpoint = JSON.parse(first.data as string) as { id: string; secret: string };
    expect(await endpointsOf(org)).toEqual([endpoint.id]);
    // The stored answer is sealed under the key: neither the key nor the signing secret is in the table.
    const stored = (await query<{ row: string }>('SELECT t::text AS row FROM idempotency_keys t')).map((r) => r.row).join('\n');
    expect(stored).not.toContain(endpoint.secret);
    expect(stored).not.toContain(key);
  });

  it('should refuse the same key with another body with 409 idempotency_conflict and create nothing', async () => {
    const org = await createOrg(one.apiUrl, 'Reuser');
    const key = randomUUID();
    await clientOf(org).POST('/v1/endpoints', { body: { url: LOOPBACK_URL, mode: 'test' }, params: header(key) });

    const other = await clientOf(org).POST('/v1/endpoints', { body: { url: LOOPBACK_URL, mode: 'live' }, params: header(key) });
    const otherPath = await clientOf(org).POST('/v1/api-keys', { body: { name: 'x' }, params: header(key) });

    expect(other.response.status).toBe(409);
    expect(other.error).toMatchObject({ statusCode: 409, code: 'idempotency_conflict', param: 'Idempotency-Key', message: [expect.stringMatching(/^Idempotency-Key /)] });
    expect(otherPath.error).toMatchObject({ code: 'idempotency_conflict' });
    expect(await endpointsOf(org)).toHaveLength(1);
  });

  it('should create one endpoint when duplicates arrive at once on two instances', async () => {
    const org = await createOrg(one.apiUrl, 'Racer');
    const key = randomUUID();
    const body = { url: LOOPBACK_URL, mode: 'test' as const };

    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => clientOf(org, i % 2 === 0 ? one.apiUrl : two.apiUrl).POST('/v1/endpoints', { body, params: header(key), parseAs: 'text' })),
    );

    expect(answers.map((a) => a.response.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.data)).size).toBe(1);
    expect(answers.filter((a) => a.response.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    expect(await endpointsOf(org)).toHaveLength(1);
  });

  it('should scope keys to the organization, and the platform token to its own scope', async () => {
    const [a, b] = [await createOrg(one.apiUrl, 'Scope A'), await createOrg(one.apiUrl, 'Scope B')];
    const key = randomUUID();
    const [fromA, fromB] = [
      await clientOf(a).POST('/v1/endpoints', { body: { url: LOOPBACK_URL, mode: 'test' }, params: header(key) }),
      await clientOf(b).POST('/v1/endpoints', { body: { url: LOOPBACK_URL, mode: 'live' }, params: header(key) }),
    ];
    expect([fromA.response.status, fromB.response.status]).toEqual([201, 201]);
    expect(fromA.data!.id).not.toBe(fromB.data!.id);

    const platform = createApiClient(one.apiUrl, { token: PLATFORM_ADMIN_TOKEN });
    const orgs = await Promise.all([0, 1].map(() => platform.POST('/v1/organizations', { body: { name: 'Once' }, params: header(key) })));
    expect(orgs[1].data).toEqual(orgs[0].data);
    expect(await query(`SELECT id FROM organizations WHERE name = 'Once'`)).toHaveLength(1);
  });

  it('should answer a replayed 202 of a call that publishes without sending a second test event', async () => {
    const org = await createOrg(one.apiUrl, 'Tester');
    const endpoint = (await clientOf(org).POST('/v1/endpoints', { body: { url: LOOPBACK_URL, mode: 'test' } })).data!;
    const key = randomUUID();

    const sent = await Promise.all([0, 1].map(() => clientOf(org).POST('/v1/endpoints/{id}/test', { params: { path: { id: endpoint.id }, ...header(key) } })));

    expect(sent.map((s) => s.response.status)).toEqual([202, 202]);
    expect(sent[1].data).toEqual(sent[0].data);
    expect(await query(`SELECT id FROM events WHERE organization_id = $1 AND type = 'webhook.test'`, [org.id])).toHaveLength(1);
  });

  it('should free the key of a refused request, and refuse a malformed key naming the header', async () => {
    const org = await createOrg(one.apiUrl, 'Fixer');
    const key = randomUUID();
    const refused = await clientOf(org).POST('/v1/endpoints', { body: { url: 'not a url', mode: 'test' }, params: header(key) });
    const fixed = await clientOf(org).POST('/v1/endpoints', { body: { url: LOOPBACK_URL, mode: 'test' }, params: header(key) });
    const malformed = await clientOf(org).POST('/v1/endpoints', { body: { url: LOOPBACK_URL, mode: 'test' }, params: header('has spaces') });

    expect(refused.error).toMatchObject({ statusCode: 400, code: 'invalid_field', param: 'url' });
    expect(fixed.response.status).toBe(201);
    expect(malformed.error).toMatchObject({ statusCode: 400, code: 'invalid_field', param: 'Idempotency-Key' });
    expect(await endpointsOf(org)).toEqual([fixed.data!.id]);
  });

  it('should forget a key after 24 h: the request runs again, and the purge removes expired keys', async () => {
    const org = await createOrg(one.apiUrl, 'Forgetful');
    const key = randomUUID();
    const body = { url: LOOPBACK_URL, mode: 'test' as const };
    const first = await clientOf(org).POST('/v1/endpoints', { body, params: header(key) });
    await query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE scope = $1 AND key = $2`, [`org:${org.id}`, keyDigest(key)]);

    const later = await clientOf(org).POST('/v1/endpoints', { body, params: header(key) });

    expect(later.response.status).toBe(201);
    expect(later.data!.id).not.toBe(first.data!.id);
    await query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE scope = $1`, [`org:${org.id}`]);
    expect(await one.apps[0].get(IdempotencyInterceptor).purge()).toBeGreaterThanOrEqual(1);
    expect(await query('SELECT key FROM idempotency_keys WHERE scope = $1', [`org:${org.id}`])).toEqual([]);
  });
});
