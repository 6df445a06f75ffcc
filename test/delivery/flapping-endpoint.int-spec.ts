import { Producer } from 'kafkajs';
import { Topics } from '@app/contracts';
import { TopicReader } from '../fanout/fanout-kit';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';

const EVENTS = 200;
const DOWN_MS = 8_000;

// Issue 14: a call the open breaker skipped used up one of the 5 attempts, so an endpoint down for
// 8 s under a schedule spanning 10 s got 0 of 200 events (every delivery dead-lettered after about
// one real call). Deferrals do not use attempts: the schedule carries every delivery past the outage.
describe('an endpoint that is down for 8 s, then up, under a 1,2,3,4 s schedule', () => {
  const env = testEnv({ RETRY_SCHEDULE_SECONDS: '1,2,3,4', DELIVERY_BREAKER_FAILURES: '5', DELIVERY_BREAKER_OPEN_MS: '1000' });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  let deadLetters: TopicReader;
  let upAt = Number.POSITIVE_INFINITY;
  const receiver = new TestReceiver((_n, _req, res) => void res.writeHead(Date.now() < upAt ? 503 : 200).end());

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    stack = await startStack(env);
    producer = await testProducer();
    deadLetters = await TopicReader.start(Topics.deadLetters);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await deadLetters?.stop();
    await stack?.stop();
    await receiver.stop();
  });

  it('should deliver every event and dead-letter none', async () => {
    const org = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Flapping' } });
    const ep = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.body.apiKey, body: { url: receiver.url, mode: 'live', eventTypes: ['order.new'] } });
    expect(ep.status).toBe(201);
    upAt = Date.now() + DOWN_MS;
    const messages = Array.from({ length: EVENTS }, (_, i) => ({
      key: org.body.id,
      value: JSON.stringify({ id: `evt_flap_${i}`, type: 'order.new', organizationId: org.body.id, mode: 'live', occurredAt: new Date().toISOString(), data: { i } }),
    }));
    await producer.send({ topic: 'order.new', acks: -1, messages });

    const states = await eventually(async () => {
      const rows = await query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries WHERE organization_id = $1 GROUP BY status`, [org.body.id]);
      const done = rows.filter((r) => r.status === 'succeeded' || r.status === 'failed').reduce((sum, r) => sum + r.n, 0);
      return done === EVENTS ? rows : undefined;
    }, 90_000, 'every delivery to end');
    expect(states).toEqual([{ status: 'succeeded', n: EVENTS }]);
    const ok = new Set(receiver.requests.filter((r) => r.receivedAt >= upAt).map((r) => r.headers['webhook-id']));
    expect(ok.size).toBe(EVENTS);
    expect(deadLetters.records.filter((r) => r.value?.toString().includes(org.body.id))).toEqual([]);
    // Only calls made count: no delivery used more than the 5 attempts, and none was failed for skips.
    const [{ max }] = await query<{ max: number }>(`SELECT max(attempt_count)::int AS max FROM deliveries WHERE organization_id = $1`, [org.body.id]);
    expect(max).toBeLessThanOrEqual(5);
  });
});
