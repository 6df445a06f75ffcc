import { Producer } from 'kafkajs';
import { Topics } from '@app/contracts';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv, testKafka, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';

/** Creates an organization with one live endpoint for `url`; returns what the tests need. */
async function organizationWithEndpoint(apiUrl: string, url: string) {
  const org = await api<{ id: string; apiKey: string }>(apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Retry Co' } });
  const endpoint = await api<{ id: string; secret: string }>(apiUrl, 'POST', '/v1/endpoints', {
    token: org.body.apiKey,
    body: { url, mode: 'live', eventTypes: ['order.new'] },
  });
  expect(endpoint.status).toBe(201);
  return { organizationId: org.body.id, endpointId: endpoint.body.id };
}

async function publish(producer: Producer, organizationId: string, id: string): Promise<void> {
  const event = { id, type: 'order.new', organizationId, mode: 'live', occurredAt: new Date().toISOString(), data: { n: id } };
  await producer.send({ topic: 'order.new', messages: [{ key: organizationId, value: JSON.stringify(event) }] });
}

type AttemptRow = { attempt_number: number; outcome: string; status_code: number | null; error: string | null };

async function attemptsOf(deliveryId: string): Promise<AttemptRow[]> {
  return query<AttemptRow>('SELECT attempt_number, outcome, status_code, error FROM attempts WHERE delivery_id = $1 ORDER BY attempt_number', [deliveryId]);
}

describe('retries through the delay tiers', () => {
  // 1 s then 2 s, and (for the dead-letter case) short tiers after that: 5 attempts in all.
  const env = testEnv({ RETRY_SCHEDULE_SECONDS: '1,2,0.3,0.3', DELIVERY_TIMEOUT_MS: '500' });
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

  it('should make attempt 3 when the receiver fails twice, with gaps that follow the schedule', async () => {
    const receiver = await new TestReceiver((n, _req, res) => void res.writeHead(n < 2 ? 503 : 200).end(n < 2 ? 'busy' : 'ok')).start();
    try {
      const { organizationId } = await organizationWithEndpoint(stack.apiUrl, receiver.url);
      await publish(producer, organizationId, 'evt_retry_gaps');
      const [first, second, third] = await receiver.waitFor(3, 20_000);

      // Never early; late by at most 1 s plus the tier's poll interval (250 ms).
      const gap1 = second.receivedAt - first.receivedAt;
      const gap2 = third.receivedAt - second.receivedAt;
      expect(gap1).toBeGreaterThanOrEqual(1000);
      expect(gap1).toBeLessThanOrEqual(1000 + 1250);
      expect(gap2).toBeGreaterThanOrEqual(2000);
      expect(gap2).toBeLessThanOrEqual(2000 + 1250);

      // One webhook-id across every attempt of the delivery, so receivers can drop duplicates.
      expect(new Set([first, second, third].map((r) => r.headers['webhook-id'])).size).toBe(1);
      const deliveryId = String(first.headers['webhook-id']);
      const rows = await eventually(async () => {
        const attempts = await attemptsOf(deliveryId);
        return attempts.length === 3 ? attempts : undefined;
      }, 10_000, 'three attempts recorded');
      expect(rows.map((r) => [r.attempt_number, r.outcome, r.status_code])).toEqual([
        [1, 'http_error', 503],
        [2, 'http_error', 503],
        [3, 'success', 200],
      ]);
      const [delivery] = await query<{ status: string; attempt_count: number }>('SELECT status, attempt_count FROM deliveries WHERE id = $1', [deliveryId]);
      expect(delivery).toEqual({ status: 'succeeded', attempt_count: 3 });
      // Nothing more arrives after the success.
      await new Promise((r) => setTimeout(r, 1500));
      expect(receiver.requests).toHaveLength(3);
    } finally {
      await receiver.stop();
    }
  });

  it('should record a timeout, treat a redirect as a failure, and dead-letter the delivery after 5 attempts', async () => {
    // Attempt 1 hangs past DELIVERY_TIMEOUT_MS, attempt 2 redirects, the rest answer 500.
    const receiver = await new TestReceiver((n, _req, res) => {
      if (n === 0) setTimeout(() => res.writeHead(200).end('too late'), 1500);
      else if (n === 1) res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      else res.writeHead(500).end('boom');
    }).start();
    try {
      const { organizationId } = await organizationWithEndpoint(stack.apiUrl, receiver.url);
      await publish(producer, organizationId, 'evt_dead_letter');
      const requests = await receiver.waitFor(5, 30_000);
      const deliveryId = String(requests[0].headers['webhook-id']);

      const [delivery] = await eventually(async () => {
        const rows = await query<{ status: string; attempt_count: number; status_reason: string }>(
          'SELECT status, attempt_count, status_reason FROM deliveries WHERE id = $1',
          [deliveryId],
        );
        return rows[0]?.status === 'failed' ? rows : undefined;
      }, 10_000, 'the delivery to be marked failed');
      expect(delivery.attempt_count).toBe(5);
      expect(delivery.status_reason).toMatch(/gave up after 5 attempts/);

      const attempts = await attemptsOf(deliveryId);
      expect(attempts.map((a) => a.outcome)).toEqual(['timeout', 'http_error', 'http_error', 'http_error', 'http_error']);
      expect(attempts[0].error).toMatch(/timeout/i);
      expect(attempts[1].status_code).toBe(302);

      // The dead-letter topic holds the delivery with the reason.
      const consumer = testKafka().consumer({ groupId: `dlq-reader-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic: Topics.deadLetters, fromBeginning: true });
      const deadLetters: Array<{ deliveryId: string; attempt: number; reason: string }> = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(message.value!.toString()) as { deliveryId: string; attempt: number };
          deadLetters.push({ deliveryId: value.deliveryId, attempt: value.attempt, reason: String(message.headers?.['x-dead-letter-reason']) });
        },
      });
      const found = await eventually(async () => deadLetters.find((d) => d.deliveryId === deliveryId), 15_000, 'the dead letter');
      await consumer.disconnect();
      expect(found).toEqual({ deliveryId, attempt: 5, reason: expect.stringMatching(/HTTP 500|500/) });
      // No sixth attempt.
      await new Promise((r) => setTimeout(r, 1000));
      expect(receiver.requests).toHaveLength(5);
    } finally {
      await receiver.stop();
    }
  });
});
