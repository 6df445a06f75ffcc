import { Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';

// The foundation's vertical slice, end to end on the real broker and database:
// operator creates an organization -> its key registers endpoints -> a producer publishes a
// domain event -> fan-out -> delivery -> a signed POST reaches a real HTTP server.
describe('a domain event published to Kafka', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  const live = new TestReceiver();
  const test = new TestReceiver();

  beforeAll(async () => {
    await resetWorld();
    await Promise.all([live.start(), test.start()]);
    stack = await startStack(testEnv());
    producer = await testProducer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
    await Promise.all([live.stop(), test.stop()]);
  });

  it('should reach the matching endpoint as the event JSON, signed so both standardwebhooks and svix verify it', async () => {
    const org = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', {
      token: PLATFORM_ADMIN_TOKEN,
      body: { name: 'Acme' },
    });
    expect(org.status).toBe(201);
    const key = org.body.apiKey;

    const liveEndpoint = await api<{ id: string; secret: string }>(stack.apiUrl, 'POST', '/v1/endpoints', {
      token: key,
      body: { url: live.url, mode: 'live', eventTypes: ['order.new'], headers: { 'x-tenant': 'acme' } },
    });
    expect(liveEndpoint.status).toBe(201);
    expect(liveEndpoint.body.secret).toMatch(/^whsec_/);
    const testEndpoint = await api(stack.apiUrl, 'POST', '/v1/endpoints', { token: key, body: { url: test.url, mode: 'test' } });
    expect(testEndpoint.status).toBe(201);

    const event = {
      id: `evt_${Date.now()}`,
      type: 'order.new',
      organizationId: org.body.id,
      mode: 'live',
      occurredAt: new Date().toISOString(),
      data: { orderId: 'ord_1', total: 42.5, currency: 'EUR', items: [{ sku: 'A', qty: 2 }] },
    };
    await producer.send({ topic: 'order.new', messages: [{ key: org.body.id, value: JSON.stringify(event) }] });

    const [request] = await live.waitFor(1);
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-tenant']).toBe('acme');
    // Key order is not part of the contract: the body is compared as JSON, the signature over its exact bytes.
    expect(JSON.parse(request.body)).toEqual(event);
    expect(request.headers['webhook-id']).toMatch(/^del_[0-9a-f]{32}$/);
    const signed = {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    };
    expect(new Webhook(liveEndpoint.body.secret).verify(request.body, signed)).toEqual(event);
    // Svix's own library, which many receivers already use, accepts the same headers and secret.
    expect(new SvixWebhook(liveEndpoint.body.secret).verify(request.body, signed)).toEqual(event);
    // A body changed by one byte fails both.
    const tampered = request.body.replace('"ord_1"', '"ord_2"');
    expect(() => new Webhook(liveEndpoint.body.secret).verify(tampered, signed)).toThrow();
    expect(() => new SvixWebhook(liveEndpoint.body.secret).verify(tampered, signed)).toThrow();

    // The delivery and its attempt are recorded.
    const [delivery] = await eventually(async () => {
      const rows = await query<{ status: string; attempt_count: number }>('SELECT status, attempt_count FROM deliveries WHERE id = $1', [
        request.headers['webhook-id'],
      ]);
      return rows[0]?.status === 'succeeded' ? rows : undefined;
    }, 10_000, 'the delivery to be recorded as succeeded');
    expect(delivery.attempt_count).toBe(1);

    // A test-mode endpoint never receives a live event.
    await new Promise((r) => setTimeout(r, 500));
    expect(test.requests).toHaveLength(0);
    expect(live.requests).toHaveLength(1);
  });
});
