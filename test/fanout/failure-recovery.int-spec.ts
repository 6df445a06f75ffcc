import { Topics } from '@app/contracts';
import { domainEvent } from '../history/history-support';
import { query, testEnv, testKafka } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { CATALOG_TOPICS, FanoutWorld, publish, settle, startFanoutWorld } from './fanout-kit';

// A failure while fanning out must neither lose the batch (offsets committed anyway) nor quarantine
// it (it is not the message's fault): the transaction is not committed and the records are read again.
describe('fan-out when a dependency fails', () => {
  const env = testEnv();
  let world: FanoutWorld;
  let org: Org;
  let endpointId: string;

  beforeAll(async () => {
    world = await startFanoutWorld(env);
    org = await createOrg(world.apiUrl, 'Acme');
    endpointId = (await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['*'] })).id;
  });

  afterAll(async () => {
    await query('ALTER TABLE IF EXISTS events_offline RENAME TO events').catch(() => undefined);
    await query('DROP TRIGGER IF EXISTS poison_event ON events').catch(() => undefined);
    await world?.stop();
  });

  it('should deliver the events published during a database failure exactly once after it ends, and quarantine none', async () => {
    const { producer, deliveries, quarantine } = world;
    const event = (n: number) => domainEvent(org.id, 'order.new', 'live', `evt_fail_${n}`, { n });
    await publish(producer, 'order.new', org.id, JSON.stringify(event(1)));
    await deliveries.waitForCount(1);

    // The statement the fan-out runs for every batch now fails, as with a database that is away.
    await query('ALTER TABLE events RENAME TO events_offline');
    await publish(producer, 'order.new', org.id, JSON.stringify(event(2)));
    await publish(producer, 'order.new', org.id, JSON.stringify(event(3)));
    await new Promise((r) => setTimeout(r, 2_000));
    await deliveries.sync();
    expect(deliveries.records).toHaveLength(1);

    await query('ALTER TABLE events_offline RENAME TO events');
    await deliveries.waitForCount(3, 60_000);
    await settle(deliveries, env.FANOUT_GROUP_ID as string, CATALOG_TOPICS);
    expect(deliveries.deliveries().map((d) => [d.event.id, d.endpointId])).toEqual([
      ['evt_fail_1', endpointId],
      ['evt_fail_2', endpointId],
      ['evt_fail_3', endpointId],
    ]);
    await quarantine.sync();
    expect(quarantine.records).toHaveLength(0);
  });

  it('should abort, replace its producer and commit once when Kafka refuses part of a transaction', async () => {
    const { producer, deliveries, quarantine } = world;
    const before = deliveries.records.length;
    const setQuarantineLimit = async (bytes: number) => {
      const admin = testKafka().admin();
      await admin.connect();
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: Topics.quarantine, configEntries: [{ name: 'max.message.bytes', value: String(bytes) }] }] });
      await admin.disconnect();
    };
    // The quarantine copy is written after the deliveries of the same transaction, so they are aborted
    // with it. The limit still admits the broker's own transaction markers (~80 bytes): a marker the
    // broker cannot write leaves the transaction stuck for good (Kafka logs it as a fatal error).
    await setQuarantineLimit(200);
    const broken = `{"not": "an event" ${'x'.repeat(1_000)}`;
    const batch = [JSON.stringify(domainEvent(org.id, 'order.new', 'live', 'evt_fail_4')), broken, JSON.stringify(domainEvent(org.id, 'order.new', 'live', 'evt_fail_5'))];
    await producer.send({ topic: 'order.new', acks: -1, messages: batch.map((value) => ({ key: org.id, value })) });
    await new Promise((r) => setTimeout(r, 2_000));
    await deliveries.sync();
    expect(deliveries.records).toHaveLength(before);

    await setQuarantineLimit(1024 * 1024 + 12);
    await deliveries.waitForCount(before + 2, 60_000);
    await settle(deliveries, env.FANOUT_GROUP_ID as string, CATALOG_TOPICS);
    await quarantine.sync();
    expect(deliveries.deliveries().slice(before).map((d) => [d.event.id, d.endpointId])).toEqual([
      ['evt_fail_4', endpointId],
      ['evt_fail_5', endpointId],
    ]);
    expect(quarantine.records.map((r) => r.value?.toString())).toEqual([broken]);
  });

  // A fetch is worked in slices of 1,000 records, each slice's output sent into the one open
  // transaction: a slice that fails after earlier ones were sent must take them down with it.
  it('should show nothing of a round whose later slice failed, and deliver it exactly once after', async () => {
    const { producer, deliveries } = world;
    const before = deliveries.records.length;
    const count = 1_500;
    const poison = 'evt_slice_1200';
    await query(`CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger AS $$
      BEGIN IF NEW.id = '${poison}' THEN RAISE EXCEPTION 'event log unavailable for this test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await query('CREATE TRIGGER poison_event BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison()');
    // One send: one record batch, so one fetch holds the whole round (two slices).
    const ids = Array.from({ length: count }, (_, i) => `evt_slice_${i}`);
    await producer.send({ topic: 'order.new', acks: -1, messages: ids.map((id) => ({ key: org.id, value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', id)) })) });
    await new Promise((r) => setTimeout(r, 3_000));
    await deliveries.sync();
    // The first slice's 1,000 delivery messages were produced, but in the transaction that was aborted.
    expect(deliveries.records).toHaveLength(before);

    await query('DROP TRIGGER poison_event ON events');
    await deliveries.waitForCount(before + count, 60_000);
    await settle(deliveries, env.FANOUT_GROUP_ID as string, CATALOG_TOPICS);
    const delivered = deliveries.deliveries().slice(before).map((d) => d.event.id);
    expect(delivered).toHaveLength(count);
    expect(new Set(delivered)).toEqual(new Set(ids));
  });
});
