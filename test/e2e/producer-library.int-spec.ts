import { Webhook } from 'standardwebhooks';
import { EventPublisher, InvalidEventError } from '@app/producer';
import { api, PLATFORM_ADMIN_TOKEN, resetWorld, startStack, testEnv } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';

// libs/producer as a Sourcehub service uses it: events it publishes go through the real broker,
// fan-out and delivery to a real receiver; what it refuses never reaches Kafka.
describe('the producer library (publishEvent)', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let publisher: EventPublisher;
  const receiver = new TestReceiver();
  let org: { id: string; apiKey: string };
  let secret: string;

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    stack = await startStack(testEnv());
    publisher = new EventPublisher({ brokers: String(process.env.KAFKA_BROKERS).split(','), clientId: 'producer-library-test' });
    org = (await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Producer' } })).body;
    const endpoint = await api<{ secret: string }>(stack.apiUrl, 'POST', '/v1/endpoints', {
      token: org.apiKey,
      body: { url: receiver.url, mode: 'live', eventTypes: ['order.new', 'customer.created'] },
    });
    expect(endpoint.status).toBe(201);
    secret = endpoint.body.secret;
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await stack?.stop();
    await receiver.stop();
  });

  const verify = (n: number) => {
    const r = receiver.requests[n];
    return new Webhook(secret).verify(r.body, {
      'webhook-id': String(r.headers['webhook-id']),
      'webhook-timestamp': String(r.headers['webhook-timestamp']),
      'webhook-signature': String(r.headers['webhook-signature']),
    }) as Record<string, unknown>;
  };

  it('should deliver a published event end to end, with the id and time it filled in', async () => {
    const published = await publisher.publishEvent({ type: 'order.new', organizationId: org.id, mode: 'live', data: { orderId: 'ord_1', total: 42.5 } });

    expect(published).toEqual({ id: expect.stringMatching(/^evt_/), topic: 'order.new' });
    await receiver.waitFor(1);
    expect(verify(0)).toEqual({ id: published.id, type: 'order.new', organizationId: org.id, mode: 'live', occurredAt: expect.any(String), data: { orderId: 'ord_1', total: 42.5 } });
  });

  it('should deliver a batch of several types, and one event once however often its id is published', async () => {
    const before = receiver.requests.length;
    const events = [
      { id: 'evt_batch_1', type: 'customer.created', organizationId: org.id, mode: 'live' as const, data: { customerId: 'cus_1' } },
      { id: 'evt_batch_2', type: 'order.new', organizationId: org.id, mode: 'live' as const, data: { orderId: 'ord_2' } },
    ];
    expect(await publisher.publishEvents(events)).toEqual([{ id: 'evt_batch_1', topic: 'customer.created' }, { id: 'evt_batch_2', topic: 'order.new' }]);
    await publisher.publishEvent(events[1]); // a producer retrying after a lost answer

    await receiver.waitFor(before + 2);
    await new Promise((r) => setTimeout(r, 1_500));
    // A slow receiver may see a retry (same webhook-id); the repeated publish itself adds no delivery (test/fanout/idempotency counts that).
    const requests = receiver.requests.slice(before);
    expect([...new Set(requests.map((r) => (JSON.parse(r.body) as { id: string }).id))].sort()).toEqual(['evt_batch_1', 'evt_batch_2']);
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(2);
  });

  it('should refuse a bad event with an error naming the field, and publish nothing of its batch', async () => {
    const before = receiver.requests.length;
    const refused = await publisher.publishEvent({ type: 'order.new', organizationId: org.id, mode: 'prod' as 'live', data: {} }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InvalidEventError);
    expect(refused).toMatchObject({ field: 'mode', message: expect.stringMatching(/^invalid event: mode: mode must be one of the following values: live, test/) });

    const batch = await publisher
      .publishEvents([
        { id: 'evt_never_1', type: 'order.new', organizationId: org.id, mode: 'live', data: {} },
        { id: 'evt_never_2', type: 'order.new', organizationId: org.id, mode: 'live', data: [] as unknown as Record<string, unknown> },
      ])
      .catch((err: unknown) => err);
    expect(batch).toMatchObject({ field: '[1].data' });

    await new Promise((r) => setTimeout(r, 2_000));
    expect(receiver.requests.slice(before).map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual([]);
  });

  it('should run a pluggable check after the contract (where a catalog schema check goes)', async () => {
    const checked = new EventPublisher({
      brokers: String(process.env.KAFKA_BROKERS).split(','),
      checks: [(event) => (typeof event.data.orderId === 'string' ? null : { field: 'data.orderId', reason: 'is required by the order.new schema' })],
    });
    try {
      await expect(checked.publishEvent({ type: 'order.new', organizationId: org.id, mode: 'live', data: {} })).rejects.toThrow('invalid event: data.orderId: is required by the order.new schema');
    } finally {
      await checked.disconnect();
    }
  });
});
