import { Producer } from 'kafkajs';
import { api, PLATFORM_ADMIN_TOKEN, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';

const EVENTS = 300;
const TIMEOUT_MS = 3_000;

// One partition, so the healthy endpoint and the dead one share it: every chunk holds messages of
// both. With only two chunks in hand the healthy endpoint got about one chunk's worth before the
// dead one's first calls timed out; the chunks after a stalled one are now attempted beside it.
describe('a healthy endpoint sharing its partition with one that never answers', () => {
  const env = testEnv({
    KAFKA_TOPIC_PARTITIONS: '1',
    DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
    DELIVERY_STALLED_CHUNK_MS: '300',
    RETRY_SCHEDULE_SECONDS: '600',
  });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  const healthy = new TestReceiver();
  const dead = new TestReceiver(() => undefined); // takes the request, never answers

  beforeAll(async () => {
    await resetWorld();
    await healthy.start();
    await dead.start();
    stack = await startStack(env);
    producer = await testProducer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
    await dead.stop();
    await healthy.stop();
  });

  it('should get all its deliveries before the dead endpoint has timed out once', async () => {
    const org = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Neighbours' } });
    for (const url of [healthy.url, dead.url]) {
      const ep = await api(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.body.apiKey, body: { url, mode: 'live', eventTypes: ['order.new'] } });
      expect(ep.status).toBe(201);
    }
    const messages = Array.from({ length: EVENTS }, (_, i) => ({
      key: org.body.id,
      value: JSON.stringify({ id: `evt_neighbour_${i}`, type: 'order.new', organizationId: org.body.id, mode: 'live', occurredAt: new Date().toISOString(), data: { i } }),
    }));
    await producer.send({ topic: 'order.new', acks: -1, messages });

    const [first] = await dead.waitFor(1, 30_000);
    const received = await healthy.waitFor(EVENTS, 30_000);
    // The dead endpoint's first calls went out at `first`; they time out TIMEOUT_MS later.
    const lastHealthy = Math.max(...received.map((r) => r.receivedAt));
    expect(lastHealthy - first.receivedAt).toBeLessThan(TIMEOUT_MS);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(EVENTS);
  });
});
