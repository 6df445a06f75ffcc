import { Webhook } from 'standardwebhooks';
import { EndpointEntity, EndpointRepository } from '@app/persistence';
import { activeSecrets, webhookHeaders } from '@app/webhooks';
import { api, resetWorld, startStack, testEnv } from '../support/stack';
import { createEndpoint, createOrg, EndpointBody, Org } from './admin-api';

const OVERLAP_SECONDS = 2;

interface SecretBody {
  secret: string;
  previousSecretExpiresAt: string | null;
}

/** Signs a delivery the way the delivery service does: with every secret active at `now`. */
function signedNow(endpoint: EndpointEntity, now: Date) {
  const body = JSON.stringify({ id: 'evt_rotation', type: 'order.new', data: {} });
  return { body, headers: webhookHeaders(activeSecrets(endpoint, now), 'del_rotation', Math.floor(now.getTime() / 1000), body) };
}

function verifies(secret: string, signed: ReturnType<typeof signedNow>): boolean {
  try {
    new Webhook(secret).verify(signed.body, signed.headers);
    return true;
  } catch {
    return false;
  }
}

describe('rotating an endpoint secret', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let org: Org;
  let repository: EndpointRepository;

  const rotate = (id: string) => api<SecretBody>(stack.apiUrl, 'POST', `/v1/endpoints/${id}/rotate-secret`, { token: org.apiKey });
  const reveal = (id: string) => api<SecretBody>(stack.apiUrl, 'GET', `/v1/endpoints/${id}/secret`, { token: org.apiKey });
  const stored = async (id: string) => (await repository.findById(org.id, id)) as EndpointEntity;

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv({ SECRET_ROTATION_OVERLAP_SECONDS: String(OVERLAP_SECONDS) }), ['subscriptions']);
    repository = stack.apps[0].get(EndpointRepository);
    org = await createOrg(stack.apiUrl, 'Rotation');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('should reveal the secret shown at creation when no rotation happened', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);

    const res = await reveal(endpoint.id);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ secret: endpoint.secret, previousSecretExpiresAt: null });
    expect(Buffer.from(endpoint.secret!.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
  });

  it('should sign with both secrets during the overlap and with the new one only after it when the secret is rotated', async () => {
    const endpoint: EndpointBody = await createEndpoint(stack.apiUrl, org);
    const oldSecret = endpoint.secret!;

    const before = Date.now();
    const rotated = await rotate(endpoint.id);

    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret;
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret).not.toBe(oldSecret);
    const expiresAt = Date.parse(rotated.body.previousSecretExpiresAt!);
    expect(expiresAt).toBeGreaterThanOrEqual(before + OVERLAP_SECONDS * 1000 - 50);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + OVERLAP_SECONDS * 1000 + 50);
    expect((await reveal(endpoint.id)).body).toEqual(rotated.body);

    const during = await stored(endpoint.id);
    const duringNow = new Date();
    expect(activeSecrets(during, duringNow)).toEqual([newSecret, oldSecret]);
    const signedDuring = signedNow(during, duringNow);
    expect([verifies(oldSecret, signedDuring), verifies(newSecret, signedDuring)]).toEqual([true, true]);

    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 300));

    const after = await stored(endpoint.id);
    const afterNow = new Date();
    expect(activeSecrets(after, afterNow)).toEqual([newSecret]);
    const signedAfter = signedNow(after, afterNow);
    expect([verifies(oldSecret, signedAfter), verifies(newSecret, signedAfter)]).toEqual([false, true]);
    expect((await reveal(endpoint.id)).body.secret).toBe(newSecret);
  });

  it('should end the older overlap and keep only the secret just replaced when the secret is rotated twice in a row', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);
    const first = (await rotate(endpoint.id)).body.secret;
    const second = (await rotate(endpoint.id)).body.secret;

    const signing = activeSecrets(await stored(endpoint.id), new Date());

    expect(signing).toEqual([second, first]);
    expect(signing).not.toContain(endpoint.secret);
  });

  it('should rotate a disabled endpoint and keep it disabled', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org);
    await api(stack.apiUrl, 'PATCH', `/v1/endpoints/${endpoint.id}`, { token: org.apiKey, body: { status: 'disabled' } });

    const rotated = await rotate(endpoint.id);

    expect(rotated.status).toBe(200);
    const row = await stored(endpoint.id);
    expect(row.status).toBe('disabled');
    expect(row.secret).toBe(rotated.body.secret);
  });
});
