import { Producer } from 'kafkajs';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';

const EVENTS = 20;

// Issue 14: the tier consumer subscribed to the tiers of its own schedule only, so a message waiting
// in a tier that a new RETRY_SCHEDULE_SECONDS no longer has was never read again. Tiers are now read
// by pattern: the message is attempted when due and goes on per the new schedule.
describe('a retry schedule changed while messages wait in a tier', () => {
  // Every first attempt is to be made (the breaker would defer them without an attempt).
  const env = testEnv({ RETRY_SCHEDULE_SECONDS: '4', DELIVERY_BREAKER_FAILURES: '1000' });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let delivery: Awaited<ReturnType<typeof startStack>> | null = null;
  let producer: Producer;
  const seen = new Set<string>();
  // The first call of each delivery fails, every later one succeeds.
  const receiver = new TestReceiver((_n, req, res) => {
    const id = String(req.headers['webhook-id']);
    const first = !seen.has(id);
    seen.add(id);
    res.writeHead(first ? 500 : 200).end();
  });

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    stack = await startStack(env, ['subscriptions', 'fanout']);
    producer = await testProducer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await delivery?.stop();
    await stack?.stop();
    await receiver.stop();
  });

  it('should deliver the messages of a tier the new schedule does not have', async () => {
    const org = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Schedule change' } });
    const ep = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.body.apiKey, body: { url: receiver.url, mode: 'live', eventTypes: ['order.new'] } });
    expect(ep.status).toBe(201);

    delivery = await startStack(env, ['delivery']);
    const messages = Array.from({ length: EVENTS }, (_, i) => ({
      key: org.body.id,
      value: JSON.stringify({ id: `evt_schedule_${i}`, type: 'order.new', organizationId: org.body.id, mode: 'live', occurredAt: new Date().toISOString(), data: { i } }),
    }));
    await producer.send({ topic: 'order.new', acks: -1, messages });
    // Every first attempt failed and its retry waits in webhooks.deliveries.retry.4s.
    await eventually(async () => {
      const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE organization_id = $1 AND status = 'pending' AND attempt_count = 1`, [org.body.id]);
      return rows[0].n === EVENTS ? true : undefined;
    }, 30_000, 'every first attempt failed and recorded');
    await delivery.stop();
    delivery = null;
    expect(receiver.requests).toHaveLength(EVENTS);

    // The new schedule has no 4 s tier.
    delivery = await startStack({ ...env, RETRY_SCHEDULE_SECONDS: '1,1' }, ['delivery']);
    const states = await eventually(async () => {
      const rows = await query<{ status: string; attempt_count: number }>(`SELECT status, attempt_count FROM deliveries WHERE organization_id = $1`, [org.body.id]);
      return rows.every((r) => r.status === 'succeeded') ? rows : undefined;
    }, 30_000, 'the stranded retries delivered');
    expect(states.map((s) => [s.status, s.attempt_count])).toEqual(Array(EVENTS).fill(['succeeded', 2]));
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(EVENTS);
  });
});
