import { Producer } from 'kafkajs';
import { Headers, Topics } from '@app/contracts';
import { TopicReader } from '../fanout/fanout-kit';
import { domainEvent } from '../history/history-support';
import { createOrg, ErrorBody, Org } from '../subscriptions/admin-api';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { ReceivedRequest, TestReceiver } from '../support/test-receiver';

// SPEC §10, on the real stack (admin API, fan-out, delivery, Kafka, PostgreSQL, local receivers):
// payload filters on endpoints, the event-type catalog's schemas and examples.

interface Order {
  total: number;
  currency: string;
  coupon?: string;
  country: string;
}

const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'];
const COUNTRIES = ['FR', 'DE', 'XX'];

/** A mixed stream: every combination of total band, currency, coupon and country appears. */
function mixedOrders(count: number): Order[] {
  return Array.from({ length: count }, (_, i) => ({
    total: [5, 50, 99, 100, 150, 999][i % 6],
    currency: CURRENCIES[Math.floor(i / 6) % CURRENCIES.length],
    country: COUNTRIES[i % COUNTRIES.length],
    ...(i % 5 === 0 ? { coupon: `C${i}` } : {}),
  }));
}

// The same conditions as the filters below, written as plain code: the expectation does not come from the engine under test.
const FILTERS: Array<{ name: string; filter: Record<string, unknown>; wants: (o: Order) => boolean }> = [
  {
    name: 'the SPEC example ($gte, $in)',
    filter: { 'data.total': { $gte: 100 }, 'data.currency': { $in: ['EUR', 'USD'] } },
    wants: (o) => o.total >= 100 && ['EUR', 'USD'].includes(o.currency),
  },
  {
    name: '$or of $exists and $and($lt, $ne), $nin',
    filter: { $or: [{ 'data.coupon': { $exists: true } }, { $and: [{ 'data.total': { $lt: 50 } }, { 'data.currency': { $ne: 'JPY' } }] }], 'data.country': { $nin: ['XX'] } },
    wants: (o) => (o.coupon !== undefined || (o.total < 50 && o.currency !== 'JPY')) && o.country !== 'XX',
  },
  {
    name: '$not, $gt, $lte, $eq',
    filter: { 'data.total': { $not: { $gt: 99 }, $lte: 99 }, 'data.currency': { $eq: 'GBP' } },
    wants: (o) => o.total <= 99 && o.currency === 'GBP',
  },
];

describe('what an endpoint subscribes to (filters) and the event-type catalog (schemas, examples)', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  let quarantine: TopicReader;
  let org: Org;
  const receivers = FILTERS.map(() => new TestReceiver());
  const unfiltered = new TestReceiver();
  const catalogReceiver = new TestReceiver();

  beforeAll(async () => {
    await resetWorld();
    await Promise.all([...receivers, unfiltered, catalogReceiver].map((r) => r.start()));
    stack = await startStack(testEnv());
    producer = await testProducer();
    quarantine = await TopicReader.start(Topics.quarantine);
    org = await createOrg(stack.apiUrl, 'Acme');
  });

  afterAll(async () => {
    await quarantine?.stop();
    await producer?.disconnect();
    await stack?.stop();
    await Promise.all([...receivers, unfiltered, catalogReceiver].map((r) => r.stop()));
    // The next file's events must not meet this file's schemas (resetWorld does the same at its start).
    await query("DELETE FROM event_types WHERE name = 'invoice.paid'");
    await query('UPDATE event_types SET schema = NULL, example = NULL');
  });

  const eventIdsOf = (requests: ReceivedRequest[]) => requests.map((r) => (JSON.parse(r.body) as { id: string }).id).sort();
  const publishOrders = async (prefix: string, orders: Order[]) => {
    const events = orders.map((o, i) => domainEvent(org.id, 'order.new', 'live', `evt_${prefix}_${i}`, { ...o }));
    await producer.send({ topic: 'order.new', messages: events.map((e) => ({ key: org.id, value: JSON.stringify(e) })) });
    return events;
  };
  const putType = (type: string, body: unknown, token = PLATFORM_ADMIN_TOKEN) => api<Record<string, unknown> & ErrorBody>(stack.apiUrl, 'PUT', `/v1/event-types/${type}`, { token, body });

  describe('filters', () => {
    const endpointIds: string[] = [];

    it('should deliver to each filtered endpoint exactly the matching events of a mixed stream', async () => {
      for (const [i, { filter }] of FILTERS.entries()) {
        const res = await api<{ id: string; filter: unknown }>(stack.apiUrl, 'POST', '/v1/endpoints', {
          token: org.apiKey,
          body: { url: receivers[i].url, mode: 'live', eventTypes: ['order.new'], filter },
        });
        expect(res.status).toBe(201);
        expect(res.body.filter).toEqual(filter);
        endpointIds.push(res.body.id);
        const read = await api<{ filter: unknown }>(stack.apiUrl, 'GET', `/v1/endpoints/${res.body.id}`, { token: org.apiKey });
        expect(read.body.filter).toEqual(filter);
      }
      expect((await api(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.apiKey, body: { url: unfiltered.url, mode: 'live', eventTypes: ['order.new'] } })).status).toBe(201);

      const orders = mixedOrders(72);
      const events = await publishOrders('mix', orders);
      await unfiltered.waitFor(orders.length);
      for (const [i, { name, wants }] of FILTERS.entries()) {
        const expected = events.filter((_e, n) => wants(orders[n])).map((e) => e.id).sort();
        expect(expected.length).toBeGreaterThan(3);
        expect(expected.length).toBeLessThan(orders.length - 3);
        await receivers[i].waitFor(expected.length);
        // Give any wrongly routed extra delivery time to arrive: the unfiltered endpoint already got every event.
        await new Promise((r) => setTimeout(r, 1000));
        expect({ name, ids: eventIdsOf(receivers[i].requests) }).toEqual({ name, ids: expected });
      }
      const filteredOut = await eventually(async () => {
        const text = await (await fetch(`${(await stack.apps[1].getUrl()).replace('[::1]', '127.0.0.1')}/metrics`)).text();
        const m = /^webhooks_fanout_filtered_out_total (\d+)/m.exec(text);
        return m ? Number(m[1]) : undefined;
      });
      const expectedOut = FILTERS.reduce((sum, f) => sum + orders.filter((o) => !f.wants(o)).length, 0);
      expect(filteredOut).toBe(expectedOut);
    });

    it('should apply a changed filter to the next events (through the change feed), and a removed one lets everything through', async () => {
      const [first] = endpointIds;
      const changed = await api<{ filter: unknown; version: number }>(stack.apiUrl, 'PATCH', `/v1/endpoints/${first}`, {
        token: org.apiKey,
        body: { filter: { 'data.currency': 'JPY' } },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.filter).toEqual({ 'data.currency': 'JPY' });
      await new Promise((r) => setTimeout(r, 1500));
      const before = receivers[0].requests.length;
      const orders = mixedOrders(24);
      const events = await publishOrders('changed', orders);
      const expected = events.filter((_e, n) => orders[n].currency === 'JPY').map((e) => e.id).sort();
      await receivers[0].waitFor(before + expected.length);
      await unfiltered.waitFor(72 + orders.length);
      await new Promise((r) => setTimeout(r, 1000));
      expect(eventIdsOf(receivers[0].requests.slice(before))).toEqual(expected);

      const removed = await api<{ filter: unknown }>(stack.apiUrl, 'PATCH', `/v1/endpoints/${first}`, { token: org.apiKey, body: { filter: null } });
      expect(removed.body.filter).toBeNull();
      await new Promise((r) => setTimeout(r, 1500));
      const afterRemoval = receivers[0].requests.length;
      await publishOrders('unfiltered', mixedOrders(6));
      await receivers[0].waitFor(afterRemoval + 6);
    });

    it('should refuse bad filters with a 400 naming filter and the bad part, storing nothing', async () => {
      const bad: Array<[unknown, RegExp]> = [
        [{ 'data.total': { $foo: 1 } }, /^filter is invalid: filter\.data\.total\.\$foo: unknown operator \$foo/],
        [{ 'data.currency': { $in: 'EUR' } }, /^filter is invalid: filter\.data\.currency\.\$in: \$in needs an array, not string "EUR"/],
        [{ 'data.coupon': { $exists: 1 } }, /^filter is invalid: filter\.data\.coupon\.\$exists: \$exists needs true or false/],
        [{ 'data.total': { $gte: [1] } }, /^filter is invalid: filter\.data\.total\.\$gte: \$gte needs a number or a string, not an array/],
        [{ $or: {} }, /^filter is invalid: filter\.\$or: \$or needs a non-empty array of queries/],
        [{ $where: 'sleep(1000)' }, /^filter is invalid: filter\.\$where: unknown operator \$where/],
        [{ 'data.status': { $regex: '(a+)+$' } }, /^filter is invalid: filter\.data\.status\.\$regex: unknown operator \$regex/],
        ['total > 100', /^filter is invalid: filter: must be a query object, not string/],
        [[], /^filter is invalid: filter: must be a query object, not an array/],
      ];
      const [first] = endpointIds;
      const rowsBefore = await query('SELECT id, filter, version FROM endpoints ORDER BY id');
      for (const [filter, message] of bad) {
        const created = await api<ErrorBody>(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.apiKey, body: { url: unfiltered.url, mode: 'live', filter } });
        expect({ filter, status: created.status }).toEqual({ filter, status: 400 });
        expect(created.body.message.join('\n')).toMatch(message);
        const patched = await api<ErrorBody>(stack.apiUrl, 'PATCH', `/v1/endpoints/${first}`, { token: org.apiKey, body: { filter } });
        expect({ filter, status: patched.status }).toEqual({ filter, status: 400 });
        expect(patched.body.message.join('\n')).toMatch(message);
      }
      expect(await query('SELECT id, filter, version FROM endpoints ORDER BY id')).toEqual(rowsBefore);
    });

    it('should preview a filter against the recent events of the organization', async () => {
      const filter = FILTERS[0];
      const res = await api<{ tested: number; matched: number; data: Array<{ matches: boolean; event: { id: string; type: string; data: Order } }> }>(
        stack.apiUrl,
        'POST',
        '/v1/endpoints/filter-preview',
        { token: org.apiKey, body: { filter: filter.filter, mode: 'live', eventTypes: ['order.new'], limit: 50 } },
      );
      expect(res.status).toBe(200);
      expect(res.body.tested).toBe(50);
      for (const item of res.body.data) expect({ id: item.event.id, matches: item.matches }).toEqual({ id: item.event.id, matches: filter.wants(item.event.data) });
      expect(res.body.matched).toBe(res.body.data.filter((d) => filter.wants(d.event.data)).length);
      expect((await api(stack.apiUrl, 'POST', '/v1/endpoints/filter-preview', { token: org.apiKey, body: { filter: filter.filter, mode: 'test' } })).body).toEqual({ tested: 0, matched: 0, data: [] });
      const bad = await api<ErrorBody>(stack.apiUrl, 'POST', '/v1/endpoints/filter-preview', { token: org.apiKey, body: { filter: { total: { $bad: 1 } }, mode: 'live' } });
      expect(bad.status).toBe(400);
      expect(bad.body.message.join('\n')).toMatch(/^filter is invalid: filter\.total\.\$bad: unknown operator/);
    });
  });

  describe('the event-type catalog', () => {
    const schema = {
      type: 'object',
      required: ['productId', 'price'],
      properties: { productId: { type: 'string', pattern: '^prod_' }, price: { type: 'number', minimum: 0 }, currency: { enum: ['EUR', 'USD'] } },
    };
    const example = { productId: 'prod_mug', price: 12, currency: 'EUR' };
    /** The version the schema got (versions only grow, over the whole life of the database). */
    let version = 0;

    it('should let only the platform token change the catalog, and refuse an invalid schema or an example breaking it', async () => {
      expect((await putType('product.created', { schema }, org.apiKey)).status).toBe(401);
      const refusals: Array<[string, unknown, RegExp]> = [
        ['product.created', { schema: { type: 'objekt' } }, /^schema is not a valid JSON Schema \(draft-07\): schema is invalid: data\/type must be equal to one of the allowed values/],
        ['product.created', { schema: { type: 'object', requird: ['x'] } }, /^schema is not a valid JSON Schema .*unknown keyword: "requird"/],
        ['product.created', { schema: 'object' }, /^schema must be a JSON Schema object/],
        ['product.created', { schema, example: { productId: 'mug', price: -1 } }, /^example does not match the schema: \/productId must match pattern "\^prod_"; \/price must be >= 0$/],
        ['product.created', { schema, example: [1] }, /^example must be a JSON object/],
        ['Product.Created', { schema }, /^type must be an event type name/],
        ['webhook.endpoint.disabled', { schema }, /^type webhook\.endpoint\.disabled is reserved/],
        ['product.created', { schema, extra: 1 }, /property extra should not exist/],
      ];
      const before = await query('SELECT * FROM event_types ORDER BY name');
      for (const [type, body, message] of refusals) {
        const res = await putType(type, body);
        expect({ type, body, status: res.status }).toEqual({ type, body, status: 400 });
        expect(res.body.message.join('\n')).toMatch(message);
      }
      expect(await query('SELECT * FROM event_types ORDER BY name')).toEqual(before);
    });

    it('should store a schema and an example, and list them beside the existing fields', async () => {
      const before = (await query<{ version: number }>("SELECT version FROM event_types WHERE name = 'product.created'"))[0].version;
      const put = await putType('product.created', { description: 'A product was added to the catalog', schema, example });
      expect(put.status).toBe(200);
      version = before + 1;
      expect(put.body).toMatchObject({ name: 'product.created', schema, example, version });
      const created = await putType('invoice.paid', { description: 'An invoice was paid' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'invoice.paid', schema: null, example: null, version: 1 });

      const list = await api<{ data: Array<Record<string, unknown>> }>(stack.apiUrl, 'GET', '/v1/event-types', { token: org.apiKey });
      expect(list.status).toBe(200);
      const byName = new Map(list.body.data.map((t) => [t.name, t]));
      expect(byName.get('product.created')).toMatchObject({ name: 'product.created', description: 'A product was added to the catalog', schema, example, version });
      expect(byName.get('order.new')).toMatchObject({ name: 'order.new', description: 'A customer placed an order', schema: null, example: null });
      expect(byName.get('invoice.paid')).toMatchObject({ schema: null });
    });

    it('should quarantine an event whose data breaks its type schema, with reason schema and the violations, and deliver the valid ones', async () => {
      const endpoint = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', {
        token: org.apiKey,
        body: { url: catalogReceiver.url, mode: 'live', eventTypes: ['product.created'] },
      });
      expect(endpoint.status).toBe(201);
      // The fan-out learned of the schema through the change feed (the PUT above); a moment for it.
      await new Promise((r) => setTimeout(r, 1500));
      const valid = [0, 1, 2].map((n) => domainEvent(org.id, 'product.created', 'live', `evt_schema_ok_${n}`, { productId: `prod_${n}`, price: n }));
      const broken = [
        { event: domainEvent(org.id, 'product.created', 'live', 'evt_schema_bad_0', { productId: 'prod_0' }), reason: "(data) must have required property 'price'" },
        { event: domainEvent(org.id, 'product.created', 'live', 'evt_schema_bad_1', { productId: 'x', price: '3', currency: 'GBP' }), // Listed in the stored schema's key order (jsonb keeps keys shortest first).
          reason: '/price must be number; /currency must be equal to one of the allowed values; /productId must match pattern "^prod_"' },
      ];
      await producer.send({ topic: 'product.created', messages: [valid[0], broken[0].event, valid[1], broken[1].event, valid[2]].map((e) => ({ key: org.id, value: JSON.stringify(e) })) });

      await catalogReceiver.waitFor(valid.length);
      const quarantined = await eventually(async () => {
        const found = broken.map((b) => quarantine.records.find((r) => r.value?.toString() === JSON.stringify(b.event)));
        return found.every(Boolean) ? found : undefined;
      }, 20_000, 'both broken events in the quarantine topic');
      for (const [i, record] of quarantined.entries()) {
        expect(record?.headers[Headers.quarantineKind]).toBe('schema');
        expect(record?.headers[Headers.quarantineReason]).toBe(`data does not match the schema of product.created (version ${version}): ${broken[i].reason}`);
        expect(record?.headers[Headers.sourceTopic]).toBe('product.created');
        const details = JSON.parse(record?.headers[Headers.quarantineDetails] ?? '[]') as Array<{ path: string; message: string }>;
        expect(details.length).toBe(broken[i].reason.split('; ').length);
      }
      await new Promise((r) => setTimeout(r, 1000));
      expect(eventIdsOf(catalogReceiver.requests)).toEqual(valid.map((e) => e.id).sort());
      // A quarantined event is not in the event log either.
      expect(await query('SELECT id FROM events WHERE id = ANY($1)', [broken.map((b) => b.event.id)])).toEqual([]);

      // The schema loosened: every fan-out recompiles on the change notice, and the same shape passes.
      const loosened = await putType('product.created', { schema: { type: 'object', required: ['productId'] }, example });
      expect(loosened.body.version).toBe(version + 1);
      await new Promise((r) => setTimeout(r, 1500));
      const before = catalogReceiver.requests.length;
      const now = domainEvent(org.id, 'product.created', 'live', 'evt_schema_loosened', { productId: 'prod_0' });
      await producer.send({ topic: 'product.created', messages: [{ key: org.id, value: JSON.stringify(now) }] });
      await catalogReceiver.waitFor(before + 1);
      expect(JSON.parse(catalogReceiver.requests[before].body).id).toBe(now.id);
    });

    it("should send the type's example as a test event, and trigger with it", async () => {
      const endpoint = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', {
        token: org.apiKey,
        body: { url: catalogReceiver.url, mode: 'test', eventTypes: ['order.new', 'product.created'] },
      });
      const before = catalogReceiver.requests.length;
      const sent = await api<{ eventType: string; eventId: string }>(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.body.id}/test`, { token: org.apiKey });
      expect(sent.status).toBe(202);
      // order.new has no example in the catalog; product.created has.
      expect(sent.body.eventType).toBe('product.created');
      const [request] = (await catalogReceiver.waitFor(before + 1)).slice(before);
      expect(JSON.parse(request.body)).toMatchObject({ id: sent.body.eventId, type: 'product.created', mode: 'test', data: example });

      const asked = await api<{ eventType: string }>(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.body.id}/test`, { token: org.apiKey, body: { eventType: 'order.new' } });
      expect(asked.body.eventType).toBe('order.new');
      const unknown = await api<ErrorBody>(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.body.id}/test`, { token: org.apiKey, body: { eventType: 'nothing.here' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message.join()).toMatch(/^eventType nothing\.here is not in the catalog/);

      // Without an example anywhere it stays the generic test event.
      const plain = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.apiKey, body: { url: catalogReceiver.url, mode: 'test', eventTypes: ['customer.created'] } });
      expect((await api<{ eventType: string }>(stack.apiUrl, 'POST', `/v1/endpoints/${plain.body.id}/test`, { token: org.apiKey })).body.eventType).toBe('webhook.test');

      // `sourcehub-webhooks trigger product.created` (POST /v1/listen/events) sends the catalog's example.
      const triggered = await api<{ data: unknown }>(stack.apiUrl, 'POST', '/v1/listen/events', { token: org.apiKey, body: { type: 'product.created' } });
      expect(triggered.status).toBe(202);
      expect(triggered.body.data).toEqual(example);
    });
  });
});
