import { deliveryIdFor, Topics } from '@app/contracts';
import { domainEvent } from '../history/history-support';
import { testEnv, testKafka } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { CATALOG_TOPICS, FanoutWorld, publish, settle, startFanoutWorld } from './fanout-kit';

// Routing on the real broker and database: organization, mode and event type decide which endpoints
// get a delivery message; the topic set follows the configured list and pattern without a restart.
describe('fan-out routing', () => {
  // Everything but invoice.*: the pattern also matches the internal topics, which must still be left alone.
  const env = testEnv({ FANOUT_TOPIC_REFRESH_MS: '1000', FANOUT_TOPIC_PATTERN: '^(?!invoice\\.).*' });
  const groupId = env.FANOUT_GROUP_ID as string;
  let world: FanoutWorld;
  let acme: Org;
  let globex: Org;
  const ep: Record<string, string> = {};

  beforeAll(async () => {
    world = await startFanoutWorld(env);
    acme = await createOrg(world.apiUrl, 'Acme');
    globex = await createOrg(world.apiUrl, 'Globex');
    const make = async (name: string, org: Org, body: Record<string, unknown>) => (ep[name] = (await createEndpoint(world.apiUrl, org, body)).id);
    await make('acmeLiveOrders', acme, { mode: 'live', eventTypes: ['order.new'] });
    await make('acmeLiveAll', acme, { mode: 'live', eventTypes: ['*'] });
    await make('acmeTestOrders', acme, { mode: 'test', eventTypes: ['order.new'] });
    await make('acmeLiveCustomers', acme, { mode: 'live', eventTypes: ['customer.created', 'product.updated'] });
    await make('globexLiveAll', globex, { mode: 'live' });
    await make('globexTestAll', globex, { mode: 'test', eventTypes: ['*'] });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('should write exactly one message per endpoint of the same organization and mode that wants the type', async () => {
    const { producer, deliveries, quarantine } = world;
    const events = {
      acmeLiveOrder: domainEvent(acme.id, 'order.new', 'live', 'evt_r1', { orderId: 'o1', total: 10 }),
      acmeTestOrder: domainEvent(acme.id, 'order.new', 'test', 'evt_r2', { orderId: 'o2' }),
      acmeLiveCustomer: domainEvent(acme.id, 'customer.created', 'live', 'evt_r3', { customerId: 'c1' }),
      acmeLiveOrderUpdate: domainEvent(acme.id, 'order.updated', 'live', 'evt_r4', { orderId: 'o1', status: 'paid' }),
      acmeTestProduct: domainEvent(acme.id, 'product.created', 'test', 'evt_r5', { sku: 'A' }),
      globexLiveOrder: domainEvent(globex.id, 'order.new', 'live', 'evt_r6', { orderId: 'g1' }),
      globexTestCustomer: domainEvent(globex.id, 'customer.updated', 'test', 'evt_r7', { customerId: 'g2' }),
    };
    for (const e of Object.values(events)) await publish(producer, e.type, e.organizationId, JSON.stringify(e));

    const expected: Array<[keyof typeof events, string]> = [
      ['acmeLiveOrder', 'acmeLiveOrders'],
      ['acmeLiveOrder', 'acmeLiveAll'],
      ['acmeTestOrder', 'acmeTestOrders'],
      ['acmeLiveCustomer', 'acmeLiveAll'],
      ['acmeLiveCustomer', 'acmeLiveCustomers'],
      ['acmeLiveOrderUpdate', 'acmeLiveAll'],
      ['globexLiveOrder', 'globexLiveAll'],
      ['globexTestCustomer', 'globexTestAll'],
    ];
    await deliveries.waitForCount(expected.length);
    await settle(deliveries, groupId, CATALOG_TOPICS);

    const actual = deliveries.deliveries().map((d) => ({ key: d.key, deliveryId: d.deliveryId, organizationId: d.organizationId, endpointId: d.endpointId, attempt: d.attempt, trigger: d.trigger, event: d.event }));
    const wanted = expected.map(([event, endpoint]) => {
      const e = events[event];
      return { key: ep[endpoint], deliveryId: deliveryIdFor(e.organizationId, e.id, ep[endpoint]), organizationId: e.organizationId, endpointId: ep[endpoint], attempt: 1, trigger: 'event', event: e };
    });
    expect(sortByDelivery(actual)).toEqual(sortByDelivery(wanted));
    expect(quarantine.records).toHaveLength(0);
  });

  it('should consume a new topic that matches the pattern without a restart, and leave internal and unmatched topics alone', async () => {
    const { producer, deliveries, quarantine } = world;
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'product.archived', numPartitions: 4 }, { topic: 'invoice.paid', numPartitions: 1 }], waitForLeaders: true });
      const archived = domainEvent(globex.id, 'product.archived', 'live', 'evt_r8', { sku: 'Z' });
      const invoice = domainEvent(globex.id, 'invoice.paid', 'live', 'evt_r9', { invoiceId: 'i1' });
      const before = deliveries.records.length;
      await publish(producer, 'product.archived', globex.id, JSON.stringify(archived));
      await publish(producer, 'invoice.paid', globex.id, JSON.stringify(invoice));

      await deliveries.waitForCount(before + 1, 20_000);
      await settle(deliveries, groupId, [...CATALOG_TOPICS, 'product.archived']);
      const fresh = deliveries.deliveries().slice(before);
      expect(fresh.map((d) => [d.event.id, d.endpointId])).toEqual([['evt_r8', ep.globexLiveAll]]);

      // Neither the unmatched topic nor our own topics were read as domain topics: no offsets, nothing quarantined.
      for (const topic of ['invoice.paid', Topics.deliveries, Topics.quarantine, Topics.endpointChanges]) {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        expect({ topic, offsets: offsets.partitions.map((p) => p.offset) }).toEqual({ topic, offsets: offsets.partitions.map(() => '-1') });
      }
      await quarantine.sync();
      expect(quarantine.records).toHaveLength(0);
    } finally {
      await admin.disconnect();
    }
  });

  it('should report the fan-out ready and count what it wrote', async () => {
    const ready = await fetch(`${world.fanoutUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${world.fanoutUrl}/metrics`)).text();
    expect(metrics).toMatch(/^webhooks_fanout_delivery_messages_total 9$/m);
    expect(metrics).toMatch(/^webhooks_fanout_events_total 8$/m);
  });
});

function sortByDelivery<T extends { deliveryId: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.deliveryId.localeCompare(b.deliveryId));
}
