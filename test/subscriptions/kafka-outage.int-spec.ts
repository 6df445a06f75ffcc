import { randomUUID } from 'node:crypto';
import { createApiClient } from '@app/api-client';
import { EndpointChange, Topics } from '@app/contracts';
import { eventually, query, resetWorld, startStack, testEnv, testKafka, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';
import { createOrg, ErrorBody, Org } from './admin-api';

// SPEC §13 / issue 19: with the Kafka broker stopped and PostgreSQL healthy, every admin call that
// publishes answers 503 kafka_unavailable with Retry-After within 5 s (it hung for minutes, then blamed
// the database); calls that need only the database go on; an endpoint changed meanwhile reaches the
// fan-out and delivery caches once the broker is back, through the outbox. The test stops the test
// broker itself (as the chaos drill does) and starts it again, whatever happens.

// eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/infra.js is CommonJS without types
const infra = require('../../scripts/infra') as { stopOne(which: 'kafka'): Promise<unknown>; startOne(which: 'kafka'): Promise<unknown> };

interface Timed {
  status: number;
  retryAfter: string | null;
  body: ErrorBody | Record<string, unknown> | null;
  ms: number;
}

describe('the admin API while the Kafka broker is stopped', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let org: Org;
  let brokerStopped = false;
  const receivers = { before: new TestReceiver(), during: new TestReceiver() };

  beforeAll(async () => {
    await resetWorld();
    await Promise.all([receivers.before.start(), receivers.during.start()]);
    stack = await startStack(testEnv());
    org = await createOrg(stack.apiUrl, 'Broker outage');
  });

  afterAll(async () => {
    if (brokerStopped) await infra.startOne('kafka');
    await stack?.stop();
  });

  /** One raw call, timed, with a 15 s ceiling (a hang fails the test instead of stalling it). */
  async function call(method: string, path: string, body?: unknown): Promise<Timed> {
    const t0 = Date.now();
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${org.apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? (JSON.parse(text) as Timed['body']) : null, ms: Date.now() - t0 };
  }

  it('should answer 503 kafka_unavailable within 5 s on publishing calls, keep database-only calls working, and relay the changes made meanwhile', async () => {
    const client = createApiClient(stack.apiUrl, { token: org.apiKey });
    const before = (await client.POST('/v1/endpoints', { body: { url: receivers.before.url, mode: 'test' } })).data!;
    const tested = (await client.POST('/v1/endpoints/{id}/test', { params: { path: { id: before.id } } })).data!;
    await receivers.before.waitFor(1);

    await infra.stopOne('kafka');
    brokerStopped = true;

    const [testEvent, resend, trigger, list, created] = await Promise.all([
      call('POST', `/v1/endpoints/${before.id}/test`),
      call('POST', `/v1/deliveries/${tested.deliveryId}/resend`),
      call('POST', '/v1/listen/events', { type: 'order.new' }),
      call('GET', '/v1/endpoints'),
      call('POST', '/v1/endpoints', { url: receivers.during.url, mode: 'test', eventTypes: ['order.new'] }),
    ]);
    const updated = await call('PATCH', `/v1/endpoints/${before.id}`, { description: 'changed while Kafka was away' });

    for (const answer of [testEvent, resend, trigger]) {
      expect(answer).toEqual({
        status: 503,
        retryAfter: '5',
        body: { statusCode: 503, error: 'SERVICE_UNAVAILABLE', code: 'kafka_unavailable', message: [expect.stringMatching(/^Kafka \(the message broker\) is unavailable/)] },
        ms: expect.any(Number),
      });
      expect(answer.ms).toBeLessThan(5_000);
    }
    for (const answer of [list, created, updated]) {
      expect(answer.status).toBeLessThan(300);
      expect(answer.ms).toBeLessThan(5_000);
    }
    process.stderr.write(
      `[kafka-outage] broker stopped: test event ${testEvent.ms} ms, resend ${resend.ms} ms, trigger ${trigger.ms} ms (503); ` +
        `list ${list.ms} ms, create ${created.ms} ms, update ${updated.ms} ms (database only)\n`,
    );
    const during = created.body as { id: string };
    // The changes wait in the outbox, committed with the endpoints.
    const waiting = await query<{ endpoint_id: string; change: string }>('SELECT endpoint_id, change FROM endpoint_change_outbox ORDER BY id');
    expect(waiting).toEqual(expect.arrayContaining([{ endpoint_id: during.id, change: 'created' }, { endpoint_id: before.id, change: 'updated' }]));

    await infra.startOne('kafka');
    brokerStopped = false;

    // Relayed once the broker is back: the outbox drains and the notices are on the change topic.
    await eventually(async () => ((await query('SELECT 1 FROM endpoint_change_outbox')).length === 0 ? true : undefined), 60_000, 'the outbox to drain');
    const notices = await readChanges(during.id);
    expect(notices).toContainEqual({ organizationId: org.id, endpointId: during.id, change: 'created', requestId: expect.stringMatching(/^req_/) });

    // And the endpoint created while the broker was away gets events.
    const producer = await testProducer();
    try {
      const event = { id: `evt_${randomUUID()}`, type: 'order.new', organizationId: org.id, mode: 'test', occurredAt: new Date().toISOString(), data: { orderId: 'ord_1' } };
      await eventually(async () => {
        await producer.send({ topic: 'order.new', messages: [{ key: org.id, value: JSON.stringify({ ...event, id: `evt_${randomUUID()}` }) }] }).catch(() => undefined);
        return receivers.during.requests.length > 0 ? true : undefined;
      }, 90_000, 'a delivery to the endpoint created during the outage');
    } finally {
      await producer.disconnect();
    }
  }, 240_000);
});

/** The change notices about one endpoint, read from the start of the change topic. */
async function readChanges(endpointId: string): Promise<EndpointChange[]> {
  const consumer = testKafka().consumer({ groupId: `test-changes-${randomUUID()}` });
  const seen: EndpointChange[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: Topics.endpointChanges, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const change = JSON.parse(message.value?.toString('utf8') ?? 'null') as EndpointChange | null;
        if (change?.endpointId === endpointId) seen.push(change);
      },
    });
    await eventually(async () => (seen.length > 0 ? true : undefined), 60_000, `a change notice about ${endpointId}`);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
