import { Producer } from 'kafkajs';
import { api, eventually, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';
import { eventId, newEndpoint, newOrg, OPERATIONAL, publish, sleep, verified } from './endpoint-health-support';

// SPEC §9 on the real stack: 410 Gone, Retry-After, operational events. A first tier of 1 s and a
// second of 4 s, so a Retry-After of 3 s has a tier after it and a delivery is exhausted after ~5 s.
describe('endpoint health', () => {
  const env = testEnv({ RETRY_SCHEDULE_SECONDS: '1,4' });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  const receivers: TestReceiver[] = [];
  const receiver = async (...args: ConstructorParameters<typeof TestReceiver>) => {
    const r = await new TestReceiver(...args).start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env);
    producer = await testProducer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('should disable an endpoint answering 410 Gone within one attempt, send nothing more to it, discard its retry, and tell the operational endpoint', async () => {
    const org = await newOrg(stack.apiUrl, 'gone');
    // 503 for the first event (its retry then waits in a tier), 410 for the second.
    const gone = await receiver((_n, req, res) => void res.writeHead(JSON.parse(req.body).id === 'evt_gone_2' ? 410 : 503).end());
    const healthy = await receiver();
    const operations = await receiver();
    const goneEp = await newEndpoint(stack.apiUrl, org, gone.url, ['order.new']);
    const everything = await newEndpoint(stack.apiUrl, org, healthy.url, ['*']);
    const ops = await newEndpoint(stack.apiUrl, org, operations.url, OPERATIONAL);

    await publish(producer, org, 'evt_gone_1');
    await gone.waitFor(1, 15_000);
    await publish(producer, org, 'evt_gone_2');
    await eventually(async () => (gone.requests.some((r) => eventId(r) === 'evt_gone_2') ? true : undefined), 15_000, 'the 410 answer');
    const requestsAtGone = gone.requests.length;

    const endpoint = await eventually(async () => {
      const res = await api<{ status: string; disabledReason: string | null }>(stack.apiUrl, 'GET', `/v1/endpoints/${goneEp.id}`, { token: org.apiKey });
      return res.body.status === 'disabled' ? res.body : undefined;
    }, 10_000, 'the endpoint to be disabled');
    expect(endpoint.disabledReason).toBe('gone');

    // New events and the first event's retry (due 1 s after its 503) reach nobody at that URL.
    await publish(producer, org, 'evt_gone_3');
    await healthy.waitFor(3, 15_000);
    const [first] = await eventually(async () => {
      const rows = await query<{ status: string; status_reason: string }>(
        `SELECT d.status, d.status_reason FROM deliveries d WHERE d.endpoint_id = $1 AND d.event_id = 'evt_gone_1'`,
        [goneEp.id],
      );
      return rows[0]?.status === 'discarded' ? rows : undefined;
    }, 15_000, "the first event's retry to be discarded");
    expect(first.status_reason).toMatch(/disabled/);
    await sleep(1_500);
    expect(gone.requests.length).toBe(requestsAtGone);
    expect(gone.requests.map(eventId)).not.toContain('evt_gone_3');
    // The 410'd delivery stays in the history, failed, not retried.
    const [goneDelivery] = await query<{ status: string; attempt_count: number }>(
      `SELECT status, attempt_count FROM deliveries WHERE endpoint_id = $1 AND event_id = 'evt_gone_2'`,
      [goneEp.id],
    );
    expect(goneDelivery).toEqual({ status: 'failed', attempt_count: 1 });

    // The operational endpoint hears of it, signed; "*" does not include operational events.
    const [notice] = await operations.waitFor(1, 15_000);
    const event = verified(notice, ops.secret);
    expect(event).toMatchObject({ type: 'webhook.endpoint.disabled', organizationId: org.id, mode: 'live', data: { endpointId: goneEp.id, url: gone.url, reason: 'gone' } });
    expect(healthy.requests.map((r) => JSON.parse(r.body).type)).toEqual(['order.new', 'order.new', 'order.new']);
    expect(everything.id).toBeDefined();

    // Enabled again by a person: the reason goes, deliveries come again.
    const enabled = await api<{ status: string; disabledReason: string | null }>(stack.apiUrl, 'PATCH', `/v1/endpoints/${goneEp.id}`, { token: org.apiKey, body: { status: 'enabled' } });
    expect(enabled.body).toMatchObject({ status: 'enabled', disabledReason: null });
    gone.respondWith((_n, _req, res) => void res.writeHead(200).end());
    await sleep(1_500); // the change feed reaches the fan-out's cache
    await publish(producer, org, 'evt_gone_4');
    await eventually(async () => (gone.requests.some((r) => eventId(r) === 'evt_gone_4') ? true : undefined), 15_000, 'a delivery after re-enabling');
  });

  it.each<[string, (now: number) => { status: number; retryAfter: string }, number]>([
    ['delta-seconds', () => ({ status: 429, retryAfter: '3' }), 3],
    // An HTTP date has whole seconds: 4 s ahead, cut to the second, is more than 3 s ahead.
    ['an HTTP date', (now) => ({ status: 503, retryAfter: new Date(now + 4_000).toUTCString() }), 3],
  ])('should wait at least what Retry-After asks (%s) under a 1 s first tier, and record it', async (form, answer, atLeastSeconds) => {
    const org = await newOrg(stack.apiUrl, `retry-after ${form}`);
    const r = await receiver((n, _req, res) => {
      if (n > 0) return void res.writeHead(200).end();
      const { status, retryAfter } = answer(Date.now());
      res.writeHead(status, { 'Retry-After': retryAfter }).end();
    });
    await newEndpoint(stack.apiUrl, org, r.url, ['order.new']);
    await publish(producer, org, `evt_ra_${form.length}`);

    const [first, second] = await r.waitFor(2, 20_000);
    const gapMs = second.receivedAt - first.receivedAt;
    expect(gapMs).toBeGreaterThanOrEqual(atLeastSeconds * 1000);
    // No later than the next tier after it (4 s), plus jitter (10 %) and the tier consumer's lateness.
    expect(gapMs).toBeLessThan(4_400 + 1_500);
    const [attempt] = await query<{ retry_after_seconds: number; status_code: number }>(
      `SELECT a.retry_after_seconds, a.status_code FROM attempts a WHERE a.delivery_id = $1 AND a.attempt_number = 1`,
      [String(first.headers['webhook-id'])],
    );
    expect(attempt.retry_after_seconds).toBeGreaterThanOrEqual(atLeastSeconds);
    expect(attempt.status_code).toBe(answer(0).status);
  });

  it('should wait only the schedule when a 503 asks nothing', async () => {
    const org = await newOrg(stack.apiUrl, 'no retry-after');
    const r = await receiver((n, _req, res) => void res.writeHead(n === 0 ? 503 : 200).end());
    await newEndpoint(stack.apiUrl, org, r.url, ['order.new']);
    await publish(producer, org, 'evt_plain_503');
    const [first, second] = await r.waitFor(2, 20_000);
    expect(second.receivedAt - first.receivedAt).toBeLessThan(3_000);
  });

  it('should raise webhook.delivery.exhausted for an exhausted delivery, and nothing about an exhausted operational delivery', async () => {
    const org = await newOrg(stack.apiUrl, 'exhausted');
    const failing = await receiver((_n, _req, res) => void res.writeHead(500).end('down'));
    const failingOps = await receiver((_n, _req, res) => void res.writeHead(500).end('ops down too'));
    const operations = await receiver();
    const failingEp = await newEndpoint(stack.apiUrl, org, failing.url, ['order.new']);
    const failingOpsEp = await newEndpoint(stack.apiUrl, org, failingOps.url, ['webhook.delivery.exhausted']);
    const ops = await newEndpoint(stack.apiUrl, org, operations.url, ['*', 'webhook.delivery.exhausted']);

    await publish(producer, org, 'evt_exhaust');
    await failing.waitFor(3, 20_000);
    const notices = await eventually(async () => {
      const got = operations.requests.filter((r) => JSON.parse(r.body).type === 'webhook.delivery.exhausted');
      return got.length > 0 ? got : undefined;
    }, 20_000, 'the exhausted notice');
    const event = verified(notices[0], ops.secret);
    expect(event).toMatchObject({
      type: 'webhook.delivery.exhausted',
      organizationId: org.id,
      mode: 'live',
      data: { deliveryId: String(failing.requests[0].headers['webhook-id']), eventId: 'evt_exhaust', eventType: 'order.new', endpointId: failingEp.id, attempts: 3, lastStatusCode: 500 },
    });

    // The failing operational endpoint's delivery of that notice is exhausted too: that raises nothing.
    await failingOps.waitFor(3, 20_000);
    await eventually(async () => {
      const rows = await query<{ status: string }>(`SELECT status FROM deliveries WHERE endpoint_id = $1`, [failingOpsEp.id]);
      return rows[0]?.status === 'failed' ? rows : undefined;
    }, 15_000, "the operational delivery's exhaustion");
    await sleep(2_000);
    const raised = await query<{ id: string }>(`SELECT id FROM events WHERE organization_id = $1 AND type = 'webhook.delivery.exhausted'`, [org.id]);
    expect(raised).toHaveLength(1);
    expect(operations.requests.filter((r) => JSON.parse(r.body).type === 'webhook.delivery.exhausted')).toHaveLength(1);
    expect(failingOps.requests).toHaveLength(3);
  });
});
