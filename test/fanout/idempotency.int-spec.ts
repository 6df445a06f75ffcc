import { domainEvent } from '../history/history-support';
import { query, testEnv } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { CATALOG_TOPICS, FanoutWorld, metricValue, publish, settle, startFanoutWorld } from './fanout-kit';

// SPEC §3: the same id published twice is one event: one row in the event log, one delivery per endpoint.
describe('fan-out idempotency', () => {
  const env = testEnv();
  const groupId = env.FANOUT_GROUP_ID as string;
  let world: FanoutWorld;
  let org: Org;
  let other: Org;
  const endpoints: string[] = [];
  let otherEndpoint: string;

  beforeAll(async () => {
    world = await startFanoutWorld(env);
    org = await createOrg(world.apiUrl, 'Acme');
    other = await createOrg(world.apiUrl, 'Globex');
    endpoints.push((await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['*'] })).id);
    endpoints.push((await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['order.new', 'order.updated'] })).id);
    otherEndpoint = (await createEndpoint(world.apiUrl, other, { mode: 'live', eventTypes: ['*'] })).id;
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('should store one event and write one delivery per endpoint when the same id is published again', async () => {
    const { producer, deliveries } = world;
    const first = domainEvent(org.id, 'order.new', 'live', 'evt_dup_1', { version: 1 });
    await publish(producer, 'order.new', org.id, JSON.stringify(first));
    await deliveries.waitForCount(2);

    // Again later (another batch), with other data: still the first event.
    await publish(producer, 'order.new', org.id, JSON.stringify({ ...first, data: { version: 2 } }));
    // Twice in one send (one batch); then, once that is stored (topics have no order between them),
    // once more on another topic with a matching type.
    const twin = domainEvent(org.id, 'order.new', 'live', 'evt_dup_2', { n: 1 });
    await producer.send({ topic: 'order.new', acks: -1, messages: [0, 1].map(() => ({ key: org.id, value: JSON.stringify(twin) })) });
    await deliveries.waitForCount(4);
    await publish(producer, 'order.updated', org.id, JSON.stringify({ ...twin, type: 'order.updated', data: { n: 2 } }));
    // The same id in another organization is another event.
    const sameIdElsewhere = domainEvent(other.id, 'order.new', 'live', 'evt_dup_1', { other: true });
    await publish(producer, 'order.new', other.id, JSON.stringify(sameIdElsewhere));

    await deliveries.waitForCount(5);
    await settle(deliveries, groupId, CATALOG_TOPICS);

    const written = deliveries.deliveries().map((d) => [d.organizationId, d.event.id, d.endpointId, d.event.data]);
    expect(written.sort()).toEqual(
      [
        [org.id, 'evt_dup_1', endpoints[0], { version: 1 }],
        [org.id, 'evt_dup_1', endpoints[1], { version: 1 }],
        [org.id, 'evt_dup_2', endpoints[0], { n: 1 }],
        [org.id, 'evt_dup_2', endpoints[1], { n: 1 }],
        [other.id, 'evt_dup_1', otherEndpoint, { other: true }],
      ].sort(),
    );
    const rows = await query<{ organization_id: string; id: string; type: string; data: unknown }>('SELECT organization_id, id, type, data FROM events ORDER BY organization_id, id');
    expect(rows.map((r) => [r.organization_id, r.id, r.type, r.data]).sort()).toEqual(
      [
        [org.id, 'evt_dup_1', 'order.new', { version: 1 }],
        [org.id, 'evt_dup_2', 'order.new', { n: 1 }],
        [other.id, 'evt_dup_1', 'order.new', { other: true }],
      ].sort(),
    );
    expect(await metricValue(world.fanoutUrl, 'webhooks_fanout_duplicate_events_total')).toBe(3);
    expect(await metricValue(world.fanoutUrl, 'webhooks_fanout_events_total')).toBe(3);
  });
});
