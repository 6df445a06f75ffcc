import { createHash } from 'node:crypto';
import { api, query, resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg, ErrorBody, Org } from './admin-api';

interface KeyBody {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
  apiKey?: string;
}

describe('organization API keys', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;

  const createKey = (org: Org, name: string, token = org.apiKey) => api<KeyBody>(stack.apiUrl, 'POST', '/v1/api-keys', { token, body: { name } });
  const revoke = (org: Org, id: string, token = org.apiKey) => api<ErrorBody | null>(stack.apiUrl, 'DELETE', `/v1/api-keys/${id}`, { token });
  const list = (token: string) => api<{ data: KeyBody[]; nextCursor: string | null }>(stack.apiUrl, 'GET', '/v1/api-keys?limit=100', { token });
  const works = async (token: string) => (await api(stack.apiUrl, 'GET', '/v1/endpoints', { token })).status;

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv(), ['subscriptions']);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('should show a new key once, store only its hash, and let it act for the organization when a key is created', async () => {
    const org = await createOrg(stack.apiUrl, 'Keys');

    const created = await createKey(org, 'ci deploys');

    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^key_/), name: 'ci deploys', prefix: expect.any(String), createdAt: expect.any(String), revokedAt: null, apiKey: expect.stringMatching(/^shk_/) });
    const value = created.body.apiKey!;
    expect(value.startsWith(created.body.prefix)).toBe(true);
    expect(await works(value)).toBe(200);

    const [row] = await query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [created.body.id]);
    expect(row.key_hash).toBe(createHash('sha256').update(value).digest('hex'));
    expect(Object.values(row).map(String)).not.toContain(value);

    const listed = await list(org.apiKey);
    expect(listed.body.data.map((k) => k.name)).toEqual(['default', 'ci deploys']);
    expect(listed.body.data.find((k) => k.id === created.body.id)).toEqual({ ...created.body, apiKey: undefined });
    expect(JSON.stringify(listed.body)).not.toContain(value);
    expect(JSON.stringify(listed.body)).not.toContain(String(row.key_hash));
  });

  it('should answer 401 for a revoked key, list it as revoked, and keep the revocation time when it is revoked twice', async () => {
    const org = await createOrg(stack.apiUrl, 'Revoker');
    const extra = (await createKey(org, 'leaked')).body;

    expect((await revoke(org, extra.id)).status).toBe(204);
    expect(await works(extra.apiKey!)).toBe(401);
    const revokedAt = (await list(org.apiKey)).body.data.find((k) => k.id === extra.id)?.revokedAt;
    expect(revokedAt).toEqual(expect.any(String));

    expect((await revoke(org, extra.id)).status).toBe(204);
    expect((await list(org.apiKey)).body.data.find((k) => k.id === extra.id)?.revokedAt).toBe(revokedAt);
    expect(await works(org.apiKey)).toBe(200);
  });

  it('should let a key revoke itself when another active key remains', async () => {
    const org = await createOrg(stack.apiUrl, 'Self');
    const second = (await createKey(org, 'second')).body;
    const firstId = (await list(org.apiKey)).body.data.find((k) => k.name === 'default')!.id;

    expect((await revoke(org, firstId)).status).toBe(204);

    expect(await works(org.apiKey)).toBe(401);
    expect(await works(second.apiKey!)).toBe(200);
  });

  it("should answer 409 and keep the key working when it is the organization's last active key", async () => {
    const org = await createOrg(stack.apiUrl, 'Lonely');
    const only = (await list(org.apiKey)).body.data[0];

    const res = await revoke(org, only.id);

    expect(res.status).toBe(409);
    expect((res.body as ErrorBody).message).toEqual([expect.stringMatching(/last active key/)]);
    expect(await works(org.apiKey)).toBe(200);
    expect(await query('SELECT revoked_at FROM api_keys WHERE id = $1', [only.id])).toEqual([{ revoked_at: null }]);
  });

  it('should keep one active key when two requests revoke the last two keys at the same time', async () => {
    const org = await createOrg(stack.apiUrl, 'Race');
    const second = (await createKey(org, 'second')).body;
    const firstId = (await list(org.apiKey)).body.data.find((k) => k.name === 'default')!.id;

    const results = await Promise.all([revoke(org, firstId), revoke(org, second.id, second.apiKey)]);

    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    const active = await query('SELECT id FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL', [org.id]);
    expect(active).toHaveLength(1);
  });
});
