import { Producer } from 'kafkajs';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';

describe('pending deliveries of an endpoint that went away', () => {
  const env = testEnv({ RETRY_SCHEDULE_SECONDS: '3' });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env);
    producer = await testProducer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
  });

  it.each([
    ['disabled', (apiUrl: string, key: string, id: string) => api(apiUrl, 'PATCH', `/v1/endpoints/${id}`, { token: key, body: { status: 'disabled' } })],
    ['deleted', (apiUrl: string, key: string, id: string) => api(apiUrl, 'DELETE', `/v1/endpoints/${id}`, { token: key })],
  ])('should discard the pending retry, not attempt it, when the endpoint is %s', async (change, apply) => {
    const receiver = await new TestReceiver((_n, _req, res) => void res.writeHead(503).end()).start();
    try {
      const org = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: change } });
      const ep = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.body.apiKey, body: { url: receiver.url, mode: 'live', eventTypes: ['order.new'] } });
      const event = { id: `evt_${change}`, type: 'order.new', organizationId: org.body.id, mode: 'live', occurredAt: new Date().toISOString(), data: {} };
      await producer.send({ topic: 'order.new', messages: [{ key: org.body.id, value: JSON.stringify(event) }] });
      const [first] = await receiver.waitFor(1, 15_000);
      const deliveryId = String(first.headers['webhook-id']);

      // The first attempt failed; its retry is waiting 3 s in the tier. Take the endpoint away now.
      const res = await apply(stack.apiUrl, org.body.apiKey, ep.body.id);
      expect(res.status).toBeLessThan(300);

      const [delivery] = await eventually(async () => {
        const rows = await query<{ status: string; status_reason: string; attempt_count: number }>(
          'SELECT status, status_reason, attempt_count FROM deliveries WHERE id = $1',
          [deliveryId],
        );
        return rows[0]?.status === 'discarded' ? rows : undefined;
      }, 15_000, 'the delivery to be discarded');
      expect(delivery.status_reason).toMatch(/deleted or disabled/);
      expect(delivery.attempt_count).toBe(1);
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });
});
