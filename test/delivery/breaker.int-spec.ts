import { Producer } from 'kafkajs';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';

describe('the per-endpoint circuit breaker', () => {
  // Opens after 3 failures and stays open for the whole test; no retry comes due meanwhile.
  const env = testEnv({ DELIVERY_BREAKER_FAILURES: '3', DELIVERY_BREAKER_OPEN_MS: '120000', RETRY_SCHEDULE_SECONDS: '600' });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  const receiver = new TestReceiver((_n, _req, res) => void res.writeHead(500).end('down'));

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    stack = await startStack(env);
    producer = await testProducer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
    await receiver.stop();
  });

  it('should defer calls to a failing endpoint without using attempts, and still make a resend asked for by hand', async () => {
    const org = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Breaker' } });
    const key = org.body.apiKey;
    const ep = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', { token: key, body: { url: receiver.url, mode: 'live', eventTypes: ['order.new'] } });
    expect(ep.status).toBe(201);

    // Published one by one, so the breaker sees the failures in order.
    for (let i = 0; i < 6; i++) {
      const event = { id: `evt_breaker_${i}`, type: 'order.new', organizationId: org.body.id, mode: 'live', occurredAt: new Date().toISOString(), data: { i } };
      await producer.send({ topic: 'order.new', messages: [{ key: org.body.id, value: JSON.stringify(event) }] });
      await eventually(async () => {
        const rows = await query<{ n: string }>('SELECT count(*) AS n FROM deliveries WHERE organization_id = $1', [org.body.id]);
        return Number(rows[0].n) === i + 1 ? true : undefined;
      }, 15_000, `delivery ${i + 1} recorded`);
    }
    // Three calls made and recorded; the three after the breaker opened were put off without a call
    // and without an attempt: they wait in the first tier with all 5 attempts still ahead of them.
    const outcomes = await query<{ outcome: string }>('SELECT outcome FROM attempts WHERE organization_id = $1 ORDER BY started_at, id', [org.body.id]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['http_error', 'http_error', 'http_error']);
    expect(receiver.requests).toHaveLength(3);
    const deferred = await query<{ id: string; status: string; attempt_count: number; status_reason: string }>(
      `SELECT id, status, attempt_count, status_reason FROM deliveries WHERE organization_id = $1 AND attempt_count = 0`,
      [org.body.id],
    );
    expect(deferred.map((d) => [d.status, d.status_reason])).toEqual(Array(3).fill(['pending', "deferred without a call: the endpoint's circuit breaker is open"]));

    // The breaker is open for minutes, yet a resend goes out now.
    const resend = await api(stack.apiUrl, 'POST', `/v1/deliveries/${deferred[0].id}/resend`, { token: key });
    expect(resend.status).toBe(202);
    const requests = await receiver.waitFor(4, 15_000);
    expect(requests[3].headers['webhook-id']).toBe(deferred[0].id);
  });
});
