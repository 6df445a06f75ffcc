import { Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { EndpointEntity, EndpointRepository } from '@app/persistence';
import { activeSecrets, webhookHeaders } from '@app/webhooks';
import { api, eventually, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { ReceivedRequest, TestReceiver } from '../support/test-receiver';
import { createEndpoint, createOrg, EndpointBody, Org } from './admin-api';

// Long enough for a change notice to reach the delivery service's cache within the overlap, short enough to wait out.
const OVERLAP_SECONDS = 5;

interface SecretBody {
  secret: string;
  previousSecretExpiresAt: string | null;
}

function receivedVerifies(secret: string, request: ReceivedRequest): boolean {
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
  return verifies(secret, { body: request.body, headers });
}

/** Signs a delivery the way the delivery service does: with every secret active at `now`. */
function signedNow(endpoint: EndpointEntity, now: Date) {
  const body = JSON.stringify({ id: 'evt_rotation', type: 'order.new', data: {} });
  return { body, headers: webhookHeaders(activeSecrets(endpoint, now), 'del_rotation', Math.floor(now.getTime() / 1000), body) };
}

function verifies(secret: string, signed: { body: string; headers: Record<string, string> }): boolean {
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
  let producer: Producer;
  const receiver = new TestReceiver();

  const rotate = (id: string) => api<SecretBody>(stack.apiUrl, 'POST', `/v1/endpoints/${id}/rotate-secret`, { token: org.apiKey });
  const reveal = (id: string) => api<SecretBody>(stack.apiUrl, 'GET', `/v1/endpoints/${id}/secret`, { token: org.apiKey });
  const stored = async (id: string) => (await repository.findById(org.id, id)) as EndpointEntity;

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    // The whole pipeline, so the last test can check the signatures of real deliveries.
    stack = await startStack(testEnv({ SECRET_ROTATION_OVERLAP_SECONDS: String(OVERLAP_SECONDS) }));
    repository = stack.apps[0].get(EndpointRepository);
    org = await createOrg(stack.apiUrl, 'Rotation');
    producer = await testProducer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
    await receiver.stop();
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

  it('should deliver webhooks that both secrets verify during the overlap and only the new one after it when the secret of a receiving endpoint is rotated', async () => {
    const endpoint = await createEndpoint(stack.apiUrl, org, { url: receiver.url, eventTypes: ['order.new'] });
    const oldSecret = endpoint.secret!;
    let n = 0;
    // Publishes an event and returns its delivery once the receiver has it.
    const deliver = async () => {
      const id = `evt_rotation_${++n}`;
      const event = { id, type: 'order.new', organizationId: org.id, mode: 'test', occurredAt: new Date().toISOString(), data: { n } };
      await producer.send({ topic: 'order.new', messages: [{ key: org.id, value: JSON.stringify(event) }] });
      return eventually(async () => receiver.requests.find((r) => JSON.parse(r.body).id === id), 15_000, `delivery of ${id}`);
    };

    const beforeRotation = await deliver();
    expect(receivedVerifies(oldSecret, beforeRotation)).toBe(true);

    const rotated = await rotate(endpoint.id);
    const newSecret = rotated.body.secret;
    const expiresAt = Date.parse(rotated.body.previousSecretExpiresAt!);
    // The delivery service picks the new secret up from the change feed; until then it still signs with the old one only.
    const duringOverlap = await eventually(async () => {
      const request = await deliver();
      return receivedVerifies(newSecret, request) ? request : undefined;
    }, (OVERLAP_SECONDS - 1) * 1000, 'a delivery signed with the new secret');
    expect(Number(duringOverlap.headers['webhook-timestamp']) * 1000).toBeLessThan(expiresAt);
    expect([receivedVerifies(oldSecret, duringOverlap), receivedVerifies(newSecret, duringOverlap)]).toEqual([true, true]);
    expect(String(duringOverlap.headers['webhook-signature']).split(' ')).toHaveLength(2);

    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 300));
    const afterOverlap = await deliver();
    expect([receivedVerifies(oldSecret, afterOverlap), receivedVerifies(newSecret, afterOverlap)]).toEqual([false, true]);
    expect(String(afterOverlap.headers['webhook-signature']).split(' ')).toHaveLength(1);
  });
});
