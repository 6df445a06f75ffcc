import { Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { api, eventually, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';
import { createEndpoint, createOrg, EndpointBody, ErrorBody, listAll, Org } from '../subscriptions/admin-api';
import { AttemptBody, DeliveryBody, deliveryOf, domainEvent, EventBody, PageBody } from './history-support';

type EventWithDeliveries = EventBody & { deliveries: DeliveryBody[] };
type DeliveryDetail = DeliveryBody & { attempts: AttemptBody[] };

// The history routes on the real pipeline: events published to Kafka, fanned out, delivered to real
// local receivers (one healthy, one answering 503 until told otherwise), then read back and resent.
describe('the history API on delivered events', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  const healthy = new TestReceiver();
  const broken = new TestReceiver((_n, _req, res) => void res.writeHead(503).end('down for maintenance'));
  const testMode = new TestReceiver();
  let a: Org;
  let b: Org;
  let aOrders: EndpointBody;
  let aBroken: EndpointBody;
  let aTest: EndpointBody;
  const ids = { first: 'evt_hist_1', second: 'evt_hist_2', third: 'evt_hist_3', updated: 'evt_hist_4', testMode: 'evt_hist_t1', other: 'evt_hist_b1' };

  beforeAll(async () => {
    await resetWorld();
    await Promise.all([healthy.start(), broken.start(), testMode.start()]);
    stack = await startStack(testEnv());
    producer = await testProducer();
    [a, b] = [await createOrg(stack.apiUrl, 'A'), await createOrg(stack.apiUrl, 'B')];
    aOrders = await createEndpoint(stack.apiUrl, a, { url: healthy.url, mode: 'live', eventTypes: ['order.new', 'customer.updated'] });
    // One event only for the broken receiver: its 3 failed attempts stay under the delivery service's
    // circuit-breaker threshold (5), so each is a real HTTP call.
    aBroken = await createEndpoint(stack.apiUrl, a, { url: broken.url, mode: 'live', eventTypes: ['customer.updated'] });
    aTest = await createEndpoint(stack.apiUrl, a, { url: testMode.url, mode: 'test' });
    await createEndpoint(stack.apiUrl, b, { url: healthy.url, mode: 'live', eventTypes: ['order.new'] });

    // One at a time, so each is received after the previous one: "newest first" is then checkable.
    for (const [id, type, mode, org] of [
      [ids.first, 'order.new', 'live', a],
      [ids.second, 'order.new', 'live', a],
      [ids.testMode, 'customer.created', 'test', a],
      [ids.third, 'order.new', 'live', a],
      [ids.updated, 'customer.updated', 'live', a],
      [ids.other, 'order.new', 'live', b],
    ] as const) {
      await producer.send({ topic: type, messages: [{ key: org.id, value: JSON.stringify(domainEvent(org.id, type, mode, id, { n: id })) }] });
      await eventually(async () => ((await api(stack.apiUrl, 'GET', `/v1/events/${id}`, { token: org.apiKey })).status === 200 ? true : undefined), 20_000, `${id} in the log`);
    }
    await healthy.waitFor(5); // four of A's, one of B's
    await testMode.waitFor(1);
    // Three attempts each (RETRY_SCHEDULE_SECONDS=1,2), then failed.
    await eventually(
      async () => {
        const failed = await api<PageBody<DeliveryBody>>(stack.apiUrl, 'GET', `/v1/endpoints/${aBroken.id}/deliveries?status=failed`, { token: a.apiKey });
        return failed.body.data.length === 1 ? true : undefined;
      },
      30_000,
      'the broken endpoint delivery to fail',
    );
    // Its webhook.delivery.exhausted event is published after the failure is stored, and logged by the fan-out
    // like any event: on a busy machine that comes later than the failed status.
    await eventually(
      async () => {
        const events = await api<PageBody<EventBody>>(stack.apiUrl, 'GET', '/v1/events', { token: a.apiKey });
        return events.body.data.some((e) => e.type === 'webhook.delivery.exhausted') ? true : undefined;
      },
      30_000,
      'webhook.delivery.exhausted in the log',
    );
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
    await Promise.all([healthy.stop(), broken.stop(), testMode.stop()]);
  });

  it("should list the organization's events newest first when GET /v1/events has no filter", async () => {
    const res = await api<PageBody<EventBody>>(stack.apiUrl, 'GET', '/v1/events', { token: a.apiKey });

    expect(res.status).toBe(200);
    // The broken endpoint's exhausted deliveries raised webhook.delivery.exhausted (SPEC §9): events of the log too.
    expect(res.body.data.some((e) => e.type === 'webhook.delivery.exhausted')).toBe(true);
    const domain = res.body.data.filter((e) => !e.type.startsWith('webhook.'));
    expect(domain.map((e) => e.id)).toEqual([ids.updated, ids.third, ids.testMode, ids.second, ids.first]);
    expect(res.body.nextCursor).toBeNull();
    expect(domain[0]).toEqual({
      id: ids.updated,
      type: 'customer.updated',
      mode: 'live',
      occurredAt: expect.any(String),
      receivedAt: expect.any(String),
      data: { n: ids.updated },
    });
  });

  it.each<[string, string[]]>([
    ['?type=order.new', [ids.third, ids.second, ids.first]],
    ['?type=customer.created', [ids.testMode]],
    ['?mode=test', [ids.testMode]],
    ['?mode=live&type=order.new', [ids.third, ids.second, ids.first]],
    ['?type=product.deleted', []],
  ])('should list only the matching events when GET /v1/events%s', async (filter, expected) => {
    const res = await api<PageBody<EventBody>>(stack.apiUrl, 'GET', `/v1/events${filter}`, { token: a.apiKey });

    expect(res.status).toBe(200);
    expect(res.body.data.map((e) => e.id)).toEqual(expected);
  });

  it('should select by time received when GET /v1/events has from and to', async () => {
    const all = (await api<PageBody<EventBody>>(stack.apiUrl, 'GET', '/v1/events', { token: a.apiKey })).body.data;
    const second = all.find((e) => e.id === ids.second)!;
    const third = all.find((e) => e.id === ids.third)!;

    const res = await api<PageBody<EventBody>>(stack.apiUrl, 'GET', `/v1/events?from=${second.receivedAt}&to=${third.receivedAt}`, { token: a.apiKey });

    expect(res.body.data.map((e) => e.id)).toEqual([ids.testMode, ids.second]);
  });

  it('should visit every event once in order when the list is paged one by one', async () => {
    const paged = await listAll<EventBody>(stack.apiUrl, a.apiKey, '/v1/events', 1);

    expect(paged.filter((e) => !e.type.startsWith('webhook.')).map((e) => e.id)).toEqual([ids.updated, ids.third, ids.testMode, ids.second, ids.first]);
    expect(new Set(paged.map((e) => e.id)).size).toBe(paged.length);
  });

  it('should show an event with one delivery per endpoint it went to when GET /v1/events/{id}', async () => {
    const res = await api<EventWithDeliveries>(stack.apiUrl, 'GET', `/v1/events/${ids.updated}`, { token: a.apiKey });

    expect(res.status).toBe(200);
    expect(res.body.id).toBe(ids.updated);
    expect(res.body.deliveries.map((d) => [d.endpointId, d.status]).sort()).toEqual(
      [
        [aOrders.id, 'succeeded'],
        [aBroken.id, 'failed'],
      ].sort(),
    );
  });

  it('should show every attempt with status code, duration and response excerpt when GET /v1/deliveries/{id}', async () => {
    const event = await api<EventWithDeliveries>(stack.apiUrl, 'GET', `/v1/events/${ids.updated}`, { token: a.apiKey });
    const failed = event.body.deliveries.find((d) => d.endpointId === aBroken.id)!;

    const res = await api<DeliveryDetail>(stack.apiUrl, 'GET', `/v1/deliveries/${failed.id}`, { token: a.apiKey });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: failed.id, eventId: ids.updated, eventType: 'customer.updated', endpointId: aBroken.id, status: 'failed', attemptCount: 3 });
    expect(res.body.attempts.map((t) => t.attemptNumber)).toEqual([1, 2, 3]);
    for (const attempt of res.body.attempts) {
      expect(attempt).toMatchObject({ outcome: 'http_error', statusCode: 503, responseExcerpt: 'down for maintenance' });
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(attempt.startedAt)).not.toBeNaN();
    }
  });

  it.each<[string, () => string, number]>([
    ['the healthy endpoint, status=succeeded', () => `${aOrders.id}/deliveries?status=succeeded`, 4],
    ['the healthy endpoint, status=failed', () => `${aOrders.id}/deliveries?status=failed`, 0],
    ['the broken endpoint, no filter', () => `${aBroken.id}/deliveries`, 1],
    ['the broken endpoint, status=pending', () => `${aBroken.id}/deliveries?status=pending`, 0],
  ])('should list %s newest first when GET /v1/endpoints/{id}/deliveries', async (_name, path, count) => {
    const res = await api<PageBody<DeliveryBody>>(stack.apiUrl, 'GET', `/v1/endpoints/${path()}`, { token: a.apiKey });

    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(count);
    const created = res.body.data.map((d) => Date.parse(d.createdAt));
    expect([...created].sort((x, y) => y - x)).toEqual(created);
  });

  it('should make a new attempt with the same webhook-id at the receiver when a failed delivery is resent', async () => {
    const before = (await deliveryOf(stack.apiUrl, a.apiKey, aBroken.id, ids.updated))!;
    const receivedBefore = broken.requests.length;
    broken.respondWith((_n, _req, res) => void res.writeHead(200).end('back'));

    const res = await api<{ deliveryId: string; attempt: number }>(stack.apiUrl, 'POST', `/v1/deliveries/${before.id}/resend`, { token: a.apiKey });

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ deliveryId: before.id, attempt: 4 });
    const [request] = (await broken.waitFor(receivedBefore + 1)).slice(receivedBefore);
    expect(request.headers['webhook-id']).toBe(before.id);
    expect(JSON.parse(request.body)).toMatchObject({ id: ids.updated, type: 'customer.updated', organizationId: a.id, mode: 'live', data: { n: ids.updated } });
    new Webhook(aBroken.secret!).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    const after = await eventually(async () => {
      const d = await api<DeliveryDetail>(stack.apiUrl, 'GET', `/v1/deliveries/${before.id}`, { token: a.apiKey });
      return d.body.status === 'succeeded' ? d.body : undefined;
    }, 15_000, 'the resent delivery to succeed');
    expect(after.attemptCount).toBe(4);
    expect(after.attempts.map((t) => [t.attemptNumber, t.outcome])).toEqual([
      [1, 'http_error'],
      [2, 'http_error'],
      [3, 'http_error'],
      [4, 'success'],
    ]);
  });

  it('should resend a delivery that already succeeded when asked to', async () => {
    const delivery = (await deliveryOf(stack.apiUrl, a.apiKey, aOrders.id, ids.third))!;
    const receivedBefore = healthy.requests.length;

    const res = await api(stack.apiUrl, 'POST', `/v1/deliveries/${delivery.id}/resend`, { token: a.apiKey });

    expect(res.status).toBe(202);
    const [request] = (await healthy.waitFor(receivedBefore + 1)).slice(receivedBefore);
    expect(request.headers['webhook-id']).toBe(delivery.id);
    await eventually(async () => ((await deliveryOf(stack.apiUrl, a.apiKey, aOrders.id, ids.third))?.attemptCount === 2 ? true : undefined), 15_000, 'attempt 2');
  });

  it('should deliver a signed webhook.test event to that endpoint only and list it when POST /v1/endpoints/{id}/test', async () => {
    const counts = [healthy.requests.length, broken.requests.length, testMode.requests.length];

    const res = await api<{ deliveryId: string; eventId: string; eventType: string; attempt: number }>(stack.apiUrl, 'POST', `/v1/endpoints/${aTest.id}/test`, {
      token: a.apiKey,
    });

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ eventType: 'webhook.test', attempt: 1, endpointId: aTest.id });
    const [request] = (await testMode.waitFor(counts[2] + 1)).slice(counts[2]);
    const verified = new Webhook(aTest.secret!).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ id: res.body.eventId, type: 'webhook.test', organizationId: a.id, mode: 'test' });
    expect(request.headers['webhook-id']).toBe(res.body.deliveryId);
    const listed = await eventually(async () => {
      const d = await deliveryOf(stack.apiUrl, a.apiKey, aTest.id, res.body.eventId);
      return d?.status === 'succeeded' ? d : undefined;
    }, 15_000, 'the test delivery to be listed as succeeded');
    expect(listed).toMatchObject({ id: res.body.deliveryId, eventType: 'webhook.test', attemptCount: 1 });
    const events = await api<PageBody<EventBody>>(stack.apiUrl, 'GET', '/v1/events?type=webhook.test', { token: a.apiKey });
    expect(events.body.data.map((e) => e.id)).toEqual([res.body.eventId]);
    await new Promise((r) => setTimeout(r, 300));
    expect([healthy.requests.length, broken.requests.length]).toEqual(counts.slice(0, 2));
  });

  it('should refuse with 409 and send nothing when the endpoint is disabled', async () => {
    const disabled = await createEndpoint(stack.apiUrl, a, { url: healthy.url, mode: 'live', eventTypes: ['order.new'] });
    await api(stack.apiUrl, 'PATCH', `/v1/endpoints/${disabled.id}`, { token: a.apiKey, body: { status: 'disabled' } });
    const delivery = (await deliveryOf(stack.apiUrl, a.apiKey, aOrders.id, ids.first))!;
    await api(stack.apiUrl, 'PATCH', `/v1/endpoints/${aOrders.id}`, { token: a.apiKey, body: { status: 'disabled' } });

    const test = await api<ErrorBody>(stack.apiUrl, 'POST', `/v1/endpoints/${disabled.id}/test`, { token: a.apiKey });
    const resend = await api<ErrorBody>(stack.apiUrl, 'POST', `/v1/deliveries/${delivery.id}/resend`, { token: a.apiKey });
    await api(stack.apiUrl, 'PATCH', `/v1/endpoints/${aOrders.id}`, { token: a.apiKey, body: { status: 'enabled' } });

    expect(test.status).toBe(409);
    expect(test.body.message[0]).toMatch(/disabled/);
    expect(resend.status).toBe(409);
    expect(resend.body.message[0]).toMatch(/disabled/);
  });

  describe('between two organizations', () => {
    const routes: Array<[string, string, (x: { event: string; delivery: string; endpoint: string }) => string]> = [
      ['GET', 'an event', (x) => `/v1/events/${x.event}`],
      ['GET', 'a delivery', (x) => `/v1/deliveries/${x.delivery}`],
      ['POST', 'a resend', (x) => `/v1/deliveries/${x.delivery}/resend`],
      ['GET', "an endpoint's deliveries", (x) => `/v1/endpoints/${x.endpoint}/deliveries`],
      ['POST', 'a test event', (x) => `/v1/endpoints/${x.endpoint}/test`],
    ];

    it.each(routes)("should answer %s of another organization's %s with 404 exactly as for a missing one", async (method, _what, path) => {
      const aDelivery = (await deliveryOf(stack.apiUrl, a.apiKey, aOrders.id, ids.first))!;
      const theirs = { event: ids.first, delivery: aDelivery.id, endpoint: aOrders.id };
      const missing = { event: 'evt_never_published', delivery: `del_${'0'.repeat(32)}`, endpoint: 'ep_01jd0000000000000000000000' };
      const receivedBefore = healthy.requests.length;

      const foreign = await api<ErrorBody>(stack.apiUrl, method, path(theirs), { token: b.apiKey });
      const absent = await api<ErrorBody>(stack.apiUrl, method, path(missing), { token: b.apiKey });

      expect(foreign.status).toBe(404);
      expect(absent.status).toBe(404);
      const masked = (body: ErrorBody, x: Record<string, string>) => Object.values(x).reduce((s, id) => s.replaceAll(id, '<id>'), JSON.stringify(body));
      expect(masked(foreign.body, theirs)).toBe(masked(absent.body, missing));
      await new Promise((r) => setTimeout(r, 200));
      expect(healthy.requests.length).toBe(receivedBefore);
    });

    it("should never list another organization's events", async () => {
      const bEvents = await api<PageBody<EventBody>>(stack.apiUrl, 'GET', '/v1/events', { token: b.apiKey });

      expect(bEvents.body.data.map((e) => e.id)).toEqual([ids.other]);
    });

    it('should answer 401 when no API key is given', async () => {
      const res = await api(stack.apiUrl, 'GET', '/v1/events');

      expect(res.status).toBe(401);
    });
  });

  describe('bad input', () => {
    it.each<[string, string, string]>([
      ['GET', '/v1/events?limit=0', 'limit'],
      ['GET', '/v1/events?limit=101', 'limit'],
      ['GET', '/v1/events?limit=ten', 'limit'],
      ['GET', '/v1/events?mode=prod', 'mode'],
      ['GET', '/v1/events?type=Order%20New', 'type'],
      ['GET', '/v1/events?from=yesterday', 'from'],
      ['GET', '/v1/events?to=2026-13-01T00:00:00Z', 'to'],
      ['GET', '/v1/events?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
      ['GET', '/v1/events?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['GET', '/v1/events?colour=red', 'colour'],
      ['GET', '/v1/endpoints/:endpoint/deliveries?status=lost', 'status'],
      ['GET', '/v1/endpoints/:endpoint/deliveries?cursor=:eventCursor', 'cursor'],
    ])('should answer 400 naming the field when %s %s', async (method, rawPath, field) => {
      const firstPage = await api<PageBody<EventBody>>(stack.apiUrl, 'GET', '/v1/events?limit=1', { token: a.apiKey });
      const path = rawPath.replace(':endpoint', aOrders.id).replace(':eventCursor', firstPage.body.nextCursor!);

      const res = await api<ErrorBody>(stack.apiUrl, method, path, { token: a.apiKey });

      expect(res.status).toBe(400);
      expect(res.body.message.join(' ')).toContain(field);
    });

    it.each<[string, string, string]>([
      ['a delivery id that is not del_<hash>', '/v1/deliveries/not-a-delivery-id', 'delivery'],
      ['an event id longer than 255 characters', '/v1/events/' + 'x'.repeat(256), 'event'],
    ])('should answer 404 without asking the database when the path has %s', async (_name, path, noun) => {
      const res = await api<ErrorBody>(stack.apiUrl, 'GET', path, { token: a.apiKey });

      expect(res.status).toBe(404);
      expect(res.body.message[0]).toMatch(new RegExp(`^${noun} `));
    });
  });
});
